import { describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT } from '../helpers/cli.js';
import { codesInSource, documentedCodes, NOT_DOCUMENTED } from './codes.js';

const PAGE = 'docs/troubleshooting.md';

describe(PAGE, () => {
  it('documents every code the source can emit, and no code that no longer exists', async () => {
    const page = await readFile(join(ROOT, PAGE), 'utf8');
    const found = await codesInSource();
    const inSource = new Map(found.map((f) => [f.code, f.where]));
    const documented = new Set(documentedCodes(page));
    const missing = [...inSource].filter(([code]) => !documented.has(code)).map(([code, where]) => `${code} (${where})`);
    const gone = [...documented].filter((code) => !inSource.has(code));
    expect(missing, `codes missing from ${PAGE}; add a '### \`code\`' entry with its meaning, an example and the fix`).toEqual([]);
    expect(gone, `codes on ${PAGE} that the source no longer emits; remove their entries`).toEqual([]);
  });

  it('gives every entry a meaning, an example message and a fix, once', async () => {
    const page = await readFile(join(ROOT, PAGE), 'utf8');
    const codes = documentedCodes(page);
    expect(new Set(codes).size).toBe(codes.length);
    const sections = page.split(/^### /m).slice(1);
    for (const section of sections) {
      const code = /^`([^`]+)`/.exec(section)?.[1];
      const body = section.slice(section.indexOf('\n') + 1);
      expect(body.split('**Example:**')[0]!.trim().length, `${code}: meaning`).toBeGreaterThan(10);
      expect(body, `${code}: example`).toMatch(/\*\*Example:\*\* `[^`\n]*`/);
      expect(body, `${code}: example names the code`).toContain(code!);
      expect(body, `${code}: fix`).toMatch(/\*\*Fix:\*\* \S/);
    }
  });

  it('finds codes wherever the source defines them', async () => {
    const found = new Set((await codesInSource()).map((f) => f.code));
    // One of each way a code is defined: the diagnostics registry, a thrown error, a result
    // object, a union of literals, a `…Codes` registry, a schema keyword.
    for (const code of ['tiers.order', 'plan.stale', 'state.locked', 'money.precision', 'plan.switch-limit', 'schema.min-properties']) {
      expect(found, code).toContain(code);
    }
    for (const code of NOT_DOCUMENTED) expect(found).not.toContain(code);
  });
});
