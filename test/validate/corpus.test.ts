/**
 * The bad-input corpus: every case gives its expected code at its expected line and column, in
 * every output format, exits 1 and prints no stack trace. Cases too large or too binary to keep
 * in git are made in a temporary directory.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateFiles } from '../../src/document/validateFiles.js';
import { runCli, ROOT } from '../helpers/cli.js';

const CORPUS = join(ROOT, 'test/corpus');
const expected = JSON.parse(readFileSync(join(CORPUS, 'expected.json'), 'utf8')) as Record<string, { code: string; at: string }[]>;

const generated: Record<string, { bytes: Buffer; expect: { code: string; at: string }[] }> = {
  'five-mib.yaml': { bytes: Buffer.from('# padding\n'.repeat(5 * 1024 * 1024 / 10)), expect: [{ code: 'yaml.too-large', at: '1:1' }] },
  'binary.yaml': { bytes: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d]), expect: [{ code: 'document.not-text', at: '1:1' }] },
  'latin1.yaml': { bytes: Buffer.from('name: caf\xe9\n', 'latin1'), expect: [{ code: 'document.not-text', at: '1:1' }] },
};
let genDir = '';

beforeAll(() => {
  genDir = mkdtempSync(join(tmpdir(), 'tierform-corpus-'));
  for (const [name, c] of Object.entries(generated)) writeFileSync(join(genDir, name), c.bytes);
});

const at = (d: { line: number; column: number }) => `${d.line}:${d.column}`;

describe('bad-input corpus', () => {
  it('lists every corpus file in expected.json', () => {
    const files = readdirSync(CORPUS).filter((f) => f.endsWith('.yaml'));
    for (const f of files) expect(Object.keys(expected)).toContain(f);
  });

  for (const [file, want] of Object.entries(expected)) {
    it(`${file}: ${want.map((w) => `${w.code} at ${w.at}`).join(', ') || 'valid'}`, async () => {
      const result = await validateFiles([join('test/corpus', file)], { cwd: ROOT });
      const report = result.reports[0]!;
      const got = report.diagnostics.map((d) => ({ code: d.code, at: at(d) }));
      expect(got).toEqual(want);
      expect(report.valid).toBe(want.length === 0);
      for (const d of report.diagnostics) expect(d.message.length).toBeGreaterThan(10);
    });
  }

  for (const [file, c] of Object.entries(generated)) {
    it(`${file}: ${c.expect.map((w) => w.code).join(', ')}`, async () => {
      const result = await validateFiles([join(genDir, file)], { cwd: ROOT });
      expect(result.reports[0]!.diagnostics.map((d) => ({ code: d.code, at: at(d) }))).toEqual(c.expect);
    });
  }

  it('never pollutes Object.prototype', async () => {
    await validateFiles(['test/corpus/proto-key.yaml', 'test/corpus/constructor-key.yaml'], { cwd: ROOT });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('every format places every corpus diagnostic', () => {
  const cases = Object.entries(expected).flatMap(([file, want]) => want.map((w) => ({ path: join('test/corpus', file), ...w })));

  it('text: path:line:column: error code', async () => {
    const r = await runCli(['validate', 'test/corpus']);
    expect(r.code).toBe(1);
    for (const c of cases) expect(r.stdout).toContain(`${c.path}:${c.at}: error ${c.code}: `);
    expect(r.stdout + r.stderr).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/);
  });

  it('json: code, line, column per file', async () => {
    const r = await runCli(['validate', 'test/corpus', '--format', 'json']);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as { valid: boolean; files: { path: string; valid: boolean; diagnostics: { code: string; severity: string; line: number; column: number; pointer: string; message: string }[] }[] };
    expect(out.valid).toBe(false);
    for (const c of cases) {
      const file = out.files.find((f) => f.path === c.path)!;
      expect(file.diagnostics.map((d) => `${d.code}@${d.line}:${d.column}`)).toContain(`${c.code}@${c.at}`);
    }
  });

  it('github: one annotation per diagnostic', async () => {
    const r = await runCli(['validate', 'test/corpus', '--format', 'github']);
    expect(r.code).toBe(1);
    for (const c of cases) {
      const [line, col] = c.at.split(':');
      expect(r.stdout).toContain(`::error file=${c.path},line=${line},col=${col},title=${c.code}::`);
    }
  });

  it('sarif: results with ruleId and region', async () => {
    const r = await runCli(['validate', 'test/corpus', '--format', 'sarif']);
    expect(r.code).toBe(1);
    const sarif = JSON.parse(r.stdout) as { version: string; runs: { results: { ruleId: string; locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number; startColumn: number } } }[] }[] }[] };
    expect(sarif.version).toBe('2.1.0');
    const found = sarif.runs[0]!.results.map((x) => {
      const p = x.locations[0]!.physicalLocation;
      return `${p.artifactLocation.uri} ${x.ruleId}@${p.region.startLine}:${p.region.startColumn}`;
    });
    for (const c of cases) expect(found).toContain(`${c.path} ${c.code}@${c.at}`);
  });
});
