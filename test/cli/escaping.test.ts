/**
 * Values from files and data never act on a terminal or a CI log: escaped in text output, encoded
 * per GitHub's rules in annotations, exact in JSON; ids and names refuse such characters.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, ROOT } from '../helpers/cli.js';
import { testdir } from '../helpers/testdir.js';
import { escapeText, formatCount } from '../../src/model/display.js';
import { renderTable } from '../../src/cli/table.js';

const valid = readFileSync(join(ROOT, 'test/corpus/valid.yaml'), 'utf8');
const HOSTILE = 'acme\n::warning file=x::pwned\u001b[31m\u202e\u200b\u0085';

describe('escapeText', () => {
  it('makes controls, C1, bidi and zero-width characters visible and leaves the rest', () => {
    expect(escapeText(HOSTILE)).toBe('acme\\n::warning file=x::pwned\\u001b[31m\\u202e\\u200b\\u0085');
    expect(escapeText('\u2066x\u2069\u202a\u061c\ufeff\r\t')).toBe('\\u2066x\\u2069\\u202a\\u061c\\ufeff\\r\\t');
    expect(escapeText('Gold Club · 金 😀 café')).toBe('Gold Club · 金 😀 café');
  });

  it('is what tables print: one line per row, whatever a cell holds', () => {
    const out = renderTable(['member', 'name'], [['m1', 'Eve\n\u001b[2J']]);
    expect(out.split('\n')).toHaveLength(4);
    expect(out).not.toContain('\u001b');
  });

  it('formats counts for people one way', () => {
    expect([formatCount(2070), formatCount(1_000_000), formatCount(7), formatCount(0)]).toEqual(['2,070', '1,000,000', '7', '0']);
  });
});

describe('validate with a hostile merchant value', () => {
  async function hostileRepo() {
    const yaml = valid.replace('merchant: valid', `merchant: ${JSON.stringify(HOSTILE)}`);
    return testdir({ 'programs/acme/program.yaml': yaml });
  }

  it('text output has no line starting ::, no ESC, no bidi control', async () => {
    const dir = await hostileRepo();
    try {
      const r = await runCli(['validate'], { cwd: dir.dir });
      expect(r.code).toBe(1);
      for (const line of r.stdout.split('\n')) expect(line.startsWith('::')).toBe(false);
      expect(r.stdout).not.toMatch(/[\u001b\u202e\u200b\u0085]/);
      expect(r.stdout).toContain('\\u001b[31m');
    } finally {
      await dir.cleanup();
    }
  });

  it('github output: exactly one workflow command per diagnostic, line breaks as %0A', async () => {
    const dir = await hostileRepo();
    try {
      const r = await runCli(['validate', '--format', 'github'], { cwd: dir.dir });
      const lines = r.stdout.trimEnd().split('\n');
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) expect(line).toMatch(/^::error file=/);
      expect(r.stdout).toContain('%0A::warning');
      expect(r.stdout).not.toMatch(/[\u001b\u202e\u200b\u0085]/);
    } finally {
      await dir.cleanup();
    }
  });

  it('json output keeps the value exact', async () => {
    const dir = await hostileRepo();
    try {
      const r = await runCli(['validate', '--format', 'json'], { cwd: dir.dir });
      expect(r.stdout).toContain(JSON.stringify(HOSTILE).slice(1, -1));
    } finally {
      await dir.cleanup();
    }
  });
});

describe('ids and names refuse control, bidi and zero-width characters', () => {
  const cases: [string, string, string, number][] = [
    ['tier name with ESC', 'name: Gold', 'name: "Go\\eld"', 3],
    ['tier name with RLO', 'name: Gold', 'name: "Gold\\u202e"', 5],
    ['tier name with a zero-width space', 'name: Gold', 'name: "\\u200bGold"', 1],
  ];
  for (const [label, from, to, column] of cases) {
    it(label, async () => {
      expect(valid).toContain(from);
      const dir = await testdir({ 'programs/valid/program.yaml': valid.replace(from, to) });
      try {
        const r = await runCli(['validate', '--format', 'json'], { cwd: dir.dir });
        expect(r.code).toBe(1);
        const d = (JSON.parse(r.stdout) as { files: { diagnostics: { code: string; message: string; pointer: string }[] }[] }).files[0]!.diagnostics;
        const hit = d.find((x) => x.code === 'schema.pattern');
        expect(hit?.pointer).toMatch(/^\/spec\/levels\/tiers\/\d+\/name$/);
        expect(hit?.message).toContain(`at column ${column}`);
        expect(hit?.message).toMatch(/U\+[0-9A-F]{4}/);
      } finally {
        await dir.cleanup();
      }
    });
  }

  it('a custom benefit description may hold a line break but not ESC', async () => {
    const withDescription = (text: string): string =>
      valid.replace('threshold: { amount: 500 }', `threshold: { amount: 500 }\n        benefits:\n          - { type: custom, description: ${JSON.stringify(text)} }`);
    const dir = await testdir({ 'programs/valid/program.yaml': withDescription('two\nlines') });
    try {
      expect((await runCli(['validate'], { cwd: dir.dir })).code).toBe(0);
      await dir.write({ 'programs/valid/program.yaml': withDescription('two\nlines\u001b[2J') });
      const r = await runCli(['validate', '--format', 'json'], { cwd: dir.dir });
      expect(r.code).toBe(1);
      expect(r.stdout).toContain('U+001B at column 10');
    } finally {
      await dir.cleanup();
    }
  });
});
