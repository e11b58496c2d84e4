/**
 * The hostile corpus (test/hostile/cases.ts) through the CLI on a real database: every case gives
 * its clear error, none crashes, none loses data; and docs/security.md shows the figures of this
 * very run (regenerate with `npm run hostile`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helpers/cli.js';
import { testDbUrlForSubprocess, type SubprocessDb } from '../helpers/db.js';
import { CASES } from './cases.js';
import { renderTable, runCorpus, type CaseResult } from './run.js';
import { fingerprintOf } from './fingerprint.js';

let db: SubprocessDb;
let results: CaseResult[] = [];

beforeAll(async () => {
  db = await testDbUrlForSubprocess();
  results = await runCorpus({ args: db.args, fingerprint: () => fingerprintOf(db.args) });
}, 600_000);
afterAll(async () => {
  await db?.cleanup();
});

describe('hostile corpus', () => {
  it('ran every case', () => {
    expect(results.length).toBe(CASES.length);
  });
  for (const c of CASES) {
    it(`${c.category}: ${c.name} → ${c.code}`, () => {
      const r = results.find((x) => x.name === c.name)!;
      expect({ outcome: r.outcome, lost: r.lost, detail: r.detail }).toEqual({ outcome: 'clear', lost: false, detail: '' });
    });
  }
  it('docs/security.md holds the figures of this run', () => {
    const doc = readFileSync(join(ROOT, 'docs/security.md'), 'utf8');
    expect(doc).toContain(renderTable(results));
  });
});
