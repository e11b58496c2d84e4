/**
 * Every stable code the product can emit, found in the source rather than listed by hand, so a
 * code added anywhere in src/ shows up here: the diagnostics registry and other `…Codes` lists,
 * codes thrown as errors,
 * codes set on result objects (`code: '…'`, `code ?? '…'`, unions of code literals), constants
 * named like codes, and `schema.<keyword>` for every validation keyword the JSON Schemas use.
 */
import { readFile, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { diagnosticCodes } from '../../src/document/diagnostics.js';
import { ROOT } from '../helpers/cli.js';

/** `area.kebab-name`, possibly with more dotted parts. */
const CODE = String.raw`[a-z][a-z0-9]*(?:\.[a-z0-9][a-z0-9-]*)+`;
const Q = String.raw`['"\x60]`;

const PATTERNS: RegExp[] = [
  // new TierformError('plan.stale', …), also across a line break and for subclasses
  new RegExp(String.raw`new\s+[A-Za-z]*Error\(\s*${Q}(${CODE})${Q}`, 'g'),
  // { code: 'plan.switch-limit' }, code === '…', code ?? '…'
  new RegExp(String.raw`\bcode\b\??\s*(?::|===?|!==?|\?\?|=)\s*${Q}(${CODE})${Q}`, 'g'),
  // const LOCKED_CODE = 'state.locked'
  new RegExp(String.raw`\b[A-Z_]*CODE[A-Z_]*\b\s*(?::[^=]+)?=\s*${Q}(${CODE})${Q}`, 'g'),
];
/** Registries: `export const planErrorCodes = ['plan.switch-limit', …]`. */
const REGISTRY = new RegExp(String.raw`\b[A-Za-z_]*(?:Codes|CODES)\b\s*(?::[^=]+)?=\s*\[([^\]]*)\]`, 'g');
/** `code: 'money.precision' | 'money.range'` in a type. */
const UNION = new RegExp(String.raw`\bcode\??\s*:\s*((?:${Q}${CODE}${Q}\s*\|\s*)+${Q}${CODE}${Q})`, 'g');

/** Codes that are not the product's: a placeholder of commands still being built. */
export const NOT_DOCUMENTED = new Set(['internal.unimplemented']);

export interface FoundCode {
  code: string;
  /** Where it was found, for the failure message. */
  where: string;
}

async function sourceFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'generated') out.push(...(await sourceFiles(p)));
    } else if (/\.ts$/.test(e.name)) out.push(p);
  }
  return out;
}

export async function codesInSource(): Promise<FoundCode[]> {
  const found: FoundCode[] = diagnosticCodes.map((code) => ({ code, where: 'src/document/diagnostics.ts' }));
  for (const file of await sourceFiles(join(ROOT, 'src'))) {
    const text = await readFile(file, 'utf8');
    const where = relative(ROOT, file);
    for (const re of PATTERNS) for (const m of text.matchAll(re)) found.push({ code: m[1]!, where });
    for (const m of text.matchAll(REGISTRY)) for (const c of m[1]!.matchAll(new RegExp(`${Q}(${CODE})${Q}`, 'g'))) found.push({ code: c[1]!, where });
    for (const m of text.matchAll(UNION)) for (const c of m[1]!.matchAll(new RegExp(CODE, 'g'))) found.push({ code: c[0], where });
  }
  found.push(...(await schemaKeywordCodes()));
  return found.filter((f) => !NOT_DOCUMENTED.has(f.code));
}

/** Validation keywords (JSON Schema draft-07) whose failures become `schema.<keyword>` diagnostics. */
const VALIDATION_KEYWORDS = new Set([
  'type', 'enum', 'const', 'pattern', 'format', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf',
  'minLength', 'maxLength', 'minItems', 'maxItems', 'uniqueItems', 'contains', 'minProperties', 'maxProperties', 'required',
  'additionalProperties', 'propertyNames', 'dependencies', 'anyOf', 'oneOf', 'additionalItems',
]);
/** Keys whose value is a map of names to schemas: the names are not keywords. */
const SCHEMA_MAPS = new Set(['properties', '$defs', 'definitions', 'patternProperties']);

function kebab(keyword: string): string {
  return keyword === 'additionalProperties' ? 'additional-property' : keyword.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

async function schemaKeywordCodes(): Promise<FoundCode[]> {
  const out: FoundCode[] = [];
  for (const name of await readdir(join(ROOT, 'schemas'))) {
    if (!name.endsWith('.json')) continue;
    const where = `schemas/${name}`;
    const visit = (node: unknown): void => {
      if (Array.isArray(node)) return node.forEach(visit);
      if (node === null || typeof node !== 'object') return;
      for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
        if (SCHEMA_MAPS.has(key) && value !== null && typeof value === 'object') {
          Object.values(value as Record<string, unknown>).forEach(visit);
          continue;
        }
        // `additionalProperties: true` and `required` lists inside if-conditions still fail as the keyword.
        if (VALIDATION_KEYWORDS.has(key) && !(key === 'additionalProperties' && value === true)) out.push({ code: `schema.${kebab(key)}`, where });
        if (key !== 'enum' && key !== 'const' && key !== 'required' && key !== 'default') visit(value);
      }
    };
    visit(JSON.parse(await readFile(join(ROOT, 'schemas', name), 'utf8')));
  }
  return out;
}

/** The codes the troubleshooting page documents: its `### \`code\`` headings. */
export function documentedCodes(page: string): string[] {
  return [...page.matchAll(/^### `([^`]+)`\s*$/gm)].map((m) => m[1]!);
}
