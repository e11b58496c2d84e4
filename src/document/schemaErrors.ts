/**
 * Turns ajv's errors into findings in plain language: one per problem, placed at the key or
 * value it is about, with a "did you mean" for unknown properties.
 */
import type { ErrorObject } from 'ajv';
import type { Finding } from './diagnostics.js';
import { pointerOf, segmentsOf } from './diagnostics.js';
import { closestName } from './suggest.js';
import { findUnsafeCharacter } from '../model/display.js';

type JsonSchema = { [key: string]: unknown };

/** Keywords that only say "some branch failed"; the branch's own errors say what. */
const WRAPPER_KEYWORDS = new Set(['if', 'then', 'else', 'allOf', 'anyOf', 'oneOf', 'not']);

export function schemaFindings(errors: readonly ErrorObject[], value: unknown): Finding[] {
  const specific = errors.filter((e) => !WRAPPER_KEYWORDS.has(e.keyword));
  // A failed anyOf/oneOf with no specific error below it (e.g. a scalar where an object or a
  // string was expected) is still a problem to report.
  const wrappers = errors.filter(
    (e) => (e.keyword === 'anyOf' || e.keyword === 'oneOf') && !specific.some((s) => s.instancePath.startsWith(e.instancePath)),
  );
  const misspelt = (e: ErrorObject) =>
    e.keyword === 'required' &&
    specific.some(
      (o) => o.keyword === 'additionalProperties' && o.instancePath === e.instancePath &&
        closestName(String((o.params as Record<string, unknown>).additionalProperty), [String((e.params as Record<string, unknown>).missingProperty)]) !== undefined,
    );
  // A misspelt required name is one mistake: the unknown property's "did you mean" says it.
  const findings = [...specific.filter((e) => !misspelt(e)), ...wrappers].map((e) => toFinding(e, value));
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = `${f.code} ${f.pointer} ${f.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function toFinding(e: ErrorObject, value: unknown): Finding {
  const where = describe(e.instancePath);
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties': {
      const name = String(params.additionalProperty);
      const known = knownProperties(e);
      const guess = closestName(name, known);
      const hint = guess ? `; did you mean '${guess}'?` : known.length > 0 ? `; allowed here: ${known.join(', ')}` : '';
      return { code: 'schema.additional-property', pointer: e.instancePath + pointerOf([name]), at: 'key', message: `unknown property '${name}' in ${where}${hint}` };
    }
    case 'required': {
      const name = String(params.missingProperty);
      return { code: 'schema.required', pointer: e.instancePath, at: 'key', message: `${where} is missing the required property '${name}'` };
    }
    case 'type': {
      const got = typeName(valueAt(value, e.instancePath));
      return { code: 'schema.type', pointer: e.instancePath, message: `${where} must be ${article(String(params.type).replace(/,/g, ' or '))}, not ${got}` };
    }
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ');
      const got = JSON.stringify(valueAt(value, e.instancePath));
      const guess = typeof valueAt(value, e.instancePath) === 'string'
        ? closestName(String(valueAt(value, e.instancePath)), (params.allowedValues as unknown[]).map(String))
        : undefined;
      return { code: 'schema.enum', pointer: e.instancePath, message: `${where} is ${got}; it must be one of ${allowed}${guess ? ` (did you mean "${guess}"?)` : ''}` };
    }
    case 'const':
      return { code: 'schema.const', pointer: e.instancePath, message: `${where} must be ${JSON.stringify(params.allowedValue)}` };
    case 'pattern': {
      const got = valueAt(value, e.instancePath);
      const pattern = new RegExp(String(params.pattern), 'u');
      const unsafe = typeof got === 'string' ? findUnsafeCharacter(got, (ch) => pattern.test(ch)) : null;
      if (unsafe) {
        // Say which character and where: it is invisible, or it would act on the terminal.
        return { code: 'schema.pattern', pointer: e.instancePath, message: `${where} holds the control, bidi or zero-width character ${unsafe.codePoint} at column ${unsafe.column} of the value; ids, names and descriptions may not contain it` };
      }
      return { code: 'schema.pattern', pointer: e.instancePath, message: `${where} is ${JSON.stringify(got)}, which does not have the expected form (${describePattern(String(params.pattern))})` };
    }
    case 'format':
      return { code: 'schema.format', pointer: e.instancePath, message: `${where} must be a valid ${String(params.format)}${params.format === 'date' ? ' (YYYY-MM-DD)' : ''}` };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return { code: `schema.${kebab(e.keyword)}`, pointer: e.instancePath, message: `${where} ${e.message ?? 'is out of range'}` };
    case 'minItems':
      return { code: 'schema.min-items', pointer: e.instancePath, message: `${where} needs at least ${String(params.limit)} item${params.limit === 1 ? '' : 's'}` };
    case 'maxItems':
      return { code: 'schema.max-items', pointer: e.instancePath, message: `${where} may have at most ${String(params.limit)} items` };
    case 'uniqueItems':
      return { code: 'schema.unique-items', pointer: e.instancePath, message: `${where} lists the same value twice (items ${String(params.j)} and ${String(params.i)})` };
    case 'minProperties':
    case 'maxProperties':
      return { code: `schema.${kebab(e.keyword)}`, pointer: e.instancePath, message: `${where} ${e.message ?? 'has the wrong number of properties'}${durationHint(e.instancePath)}` };
    case 'anyOf':
    case 'oneOf':
      return { code: `schema.${kebab(e.keyword)}`, pointer: e.instancePath, message: `${where} has none of the allowed forms${durationHint(e.instancePath)}` };
    default:
      return { code: `schema.${kebab(e.keyword)}`, pointer: e.instancePath, message: `${where} ${e.message ?? 'is invalid'}` };
  }
}

/** "spec.levels.tiers[1].threshold" reads better in a message than a JSON pointer. */
export function describe(pointer: string): string {
  if (pointer === '') return 'the document';
  let out = '';
  for (const s of segmentsOf(pointer)) out += /^\d+$/.test(s) ? `[${s}]` : out === '' ? s : `.${s}`;
  return `'${out}'`;
}

/** The property names allowed where an unknown one was found (the validators run with verbose errors). */
function knownProperties(e: ErrorObject): string[] {
  const props = (e.parentSchema as JsonSchema | undefined)?.properties;
  return props && typeof props === 'object' ? Object.keys(props) : [];
}

function valueAt(value: unknown, pointer: string): unknown {
  let node = value;
  for (const s of segmentsOf(pointer)) {
    if (node === null || typeof node !== 'object' || !Object.prototype.hasOwnProperty.call(node, s)) return undefined;
    node = (node as Record<string, unknown>)[s];
  }
  return node;
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `the text ${JSON.stringify(v)}`;
  return `${typeof v} ${String(v)}`;
}

function article(t: string): string {
  const names: Record<string, string> = { object: 'a mapping', array: 'a list', string: 'a string', number: 'a number', integer: 'a whole number', boolean: 'true or false', null: 'null' };
  return t.split(' or ').map((x) => names[x] ?? x).join(' or ');
}

function durationHint(pointer: string): string {
  return /validity|extend|rolling|every/.test(pointer) ? ' (a duration is { months: N } or { days: N })' : '';
}

function describePattern(p: string): string {
  if (p.includes('a-z0-9')) return 'lowercase letters, digits and dashes, starting with a letter or digit';
  if (p.includes('0-9a-fA-F')) return 'a colour like #cd7f32';
  return `pattern ${p}`;
}

function kebab(s: string): string {
  return s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
