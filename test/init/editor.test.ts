/**
 * The program schema as an editor reads it: yaml-language-server (the engine of VS Code's YAML
 * extension), run in-process on the program `init` writes, finding the schema through the file's
 * modeline. Hover teaches each field, completion offers values with their meaning and snippets.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { getLanguageService, type LanguageService } from 'yaml-language-server';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { ROOT } from '../helpers/cli.js';
import { testdir, type TestDir } from '../helpers/testdir.js';
import { scaffoldFiles } from '../../src/init/scaffold.js';

const SCHEMA = join(ROOT, 'schemas/membership-program.schema.json');
let t: TestDir;
let ls: LanguageService;
let requested: string[];
let program: string;

beforeAll(async () => {
  t = await testdir();
  for (const f of scaffoldFiles({ merchant: 'acme', subscription: 'growth', timezone: 'UTC', currency: 'USD', version: '0', programSchema: await readFile(SCHEMA, 'utf8'), now: new Date(0) })) {
    await mkdir(dirname(join(t.dir, f.path)), { recursive: true });
    await writeFile(join(t.dir, f.path), f.content);
  }
  program = await readFile(t.path('programs/acme/program.yaml'), 'utf8');
  requested = [];
  ls = getLanguageService({
    schemaRequestService: async (uri: string) => {
      requested.push(uri);
      return readFile(fileURLToPath(uri), 'utf8');
    },
    workspaceContext: { resolveRelativePath: (relative: string, resource: string) => new URL(relative, resource).toString() },
    clientCapabilities: {
      textDocument: { completion: { completionItem: { documentationFormat: ['markdown', 'plaintext'], snippetSupport: true } }, hover: { contentFormat: ['markdown', 'plaintext'] } },
    },
  });
  ls.configure({ validate: true, hover: true, completion: true, schemas: [] });
});
afterAll(async () => {
  await t.cleanup();
});

let version = 0;
/** A new version each time: the language service caches a parsed document by URI and version. */
function doc(text: string): TextDocument {
  return TextDocument.create(pathToFileURL(t.path('programs/acme/program.yaml')).toString(), 'yaml', ++version, text);
}

/** The position of the `n`-th occurrence of `needle` (0-based), plus `offset` characters. */
function at(text: string, needle: string, offset = 0, n = 0): { line: number; character: number } {
  let index = -1;
  for (let i = 0; i <= n; i++) index = text.indexOf(needle, index + 1);
  expect(index, needle).toBeGreaterThanOrEqual(0);
  const before = text.slice(0, index + offset);
  const line = before.split('\n').length - 1;
  return { line, character: before.length - before.lastIndexOf('\n') - 1 };
}

async function hover(text: string, needle: string): Promise<string> {
  const h = await ls.doHover(doc(text), at(text, needle, 1));
  const contents = h?.contents as { value: string } | undefined;
  return contents?.value ?? '';
}

describe('yaml-language-server with the program schema', () => {
  it('finds the schema through the modeline init writes', async () => {
    await hover(program, 'timezone:');
    expect(requested).toContain(pathToFileURL(t.path('schemas/membership-program.schema.json')).toString());
  });

  it('hovers a field with its meaning, an example and the seed rule it models', async () => {
    const tz = await hover(program, 'timezone:');
    expect(tz).toContain('IANA time zone');
    expect(tz).toMatch(/\*\*Models:\*\* seed 002/);
    expect(tz).toMatch(/Example[\s\S]*Asia\/Shanghai/);
    const threshold = await hover(program, 'threshold:');
    expect(threshold).toContain('Upgrade condition');
    expect(threshold).toMatch(/seed 001[\s\S]*seed 003/);
    expect(threshold).toMatch(/Example[\s\S]*amount: 1000/);
  });

  it('completes an enum value with what each value means', async () => {
    const text = program;
    const list = await ls.doComplete(doc(text), at(text, 'mode: immediate', 'mode: '.length), false);
    const doc_ = (label: string) => (list.items.find((i) => i.label === label)?.documentation as { value: string } | undefined)?.value;
    expect(list.items.map((i) => i.label)).toEqual(expect.arrayContaining(['immediate', 'scheduled']));
    expect(doc_('scheduled')).toBe('The version waits and takes effect at `at`.');
    expect(doc_('immediate')).toBe('Existing members are recalculated when the change is applied.');
  });

  it('offers snippets for a new tier and a new benefit', async () => {
    const text = program.replace('      - id: gold\n', '      - \n      - id: gold\n');
    const tiers = await ls.doComplete(doc(text), at(text, '      - \n', 8), false);
    expect(tiers.items.map((i) => i.label)).toContain('tier');
    const benefit = program.replace('          - { type: free_shipping }\n      - id: platinum', '          - { type: free_shipping }\n          - \n      - id: platinum');
    const benefits = await ls.doComplete(doc(benefit), at(benefit, '          - \n', 12), false);
    expect(benefits.items.map((i) => i.label)).toEqual(expect.arrayContaining(['discount', 'free shipping', 'upgrade points']));
  });

  it('checks effective.at as a date-time, where the file is edited', async () => {
    const text = program.replace('    mode: immediate ', '    at: next monday\n    mode: scheduled ');
    const problems = await ls.doValidation(doc(text), false);
    expect(problems.map((p) => p.message).join('\n')).toMatch(/date-time|format/i);
    const good = program.replace('    mode: immediate ', '    at: 2027-01-01T00:00:00+08:00\n    mode: scheduled ');
    expect(await ls.doValidation(doc(good), false)).toEqual([]);
  });
});

describe('the schemas', () => {
  it.each(['membership-program', 'plan-catalog'])('%s: every described field has a markdown description with the seed rule, and an example', async (name) => {
    const schema = JSON.parse(await readFile(join(ROOT, `schemas/${name}.schema.json`), 'utf8')) as unknown;
    const missing: string[] = [];
    const walk = (node: unknown, path: string): void => {
      if (Array.isArray(node)) return node.forEach((v, i) => walk(v, `${path}/${i}`));
      if (node === null || typeof node !== 'object') return;
      const o = node as Record<string, unknown>;
      if (typeof o.description === 'string') {
        if (typeof o.markdownDescription !== 'string' || !o.markdownDescription.includes('**Models:**')) missing.push(`${path}: markdownDescription`);
        const container = o.properties !== undefined || o.$ref !== undefined;
        if (!Array.isArray(o.examples) && !container && path !== '') missing.push(`${path}: examples`);
        if (Array.isArray(o.enum) && (!Array.isArray(o.markdownEnumDescriptions) || o.markdownEnumDescriptions.length !== o.enum.length)) missing.push(`${path}: markdownEnumDescriptions`);
      }
      for (const [k, v] of Object.entries(o)) if (!['examples', 'defaultSnippets', 'enum', 'const'].includes(k)) walk(v, `${path}/${k}`);
    };
    walk(schema, '');
    expect(missing).toEqual([]);
  });
});
