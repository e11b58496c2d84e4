/**
 * `npm run hostile`: runs the hostile corpus (test/hostile/) through the CLI on a fresh embedded
 * database and writes its figures into docs/security.md between the hostile markers. The test
 * test/hostile/hostile.test.ts runs the same corpus and fails when the committed table differs.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderTable, runCorpus } from '../test/hostile/run.js';
import { fingerprintOf } from '../test/hostile/fingerprint.js';

const DOC = new URL('../docs/security.md', import.meta.url);
const BEGIN = '<!-- hostile:begin -->';
const END = '<!-- hostile:end -->';

const dir = await mkdtemp(join(tmpdir(), 'tierform-hostile-db-'));
try {
  const args = ['--data-dir', join(dir, 'db')];
  const results = await runCorpus({ args, fingerprint: () => fingerprintOf(args) });
  const table = renderTable(results);
  const doc = await readFile(DOC, 'utf8');
  const start = doc.indexOf(BEGIN);
  const end = doc.indexOf(END);
  if (start < 0 || end < start) throw new Error(`docs/security.md lacks the ${BEGIN} … ${END} markers`);
  await writeFile(DOC, `${doc.slice(0, start + BEGIN.length)}\n${table}\n${doc.slice(end)}`);
  process.stdout.write(`${table}\n`);
  for (const r of results.filter((x) => x.outcome !== 'clear' || x.lost)) process.stdout.write(`${r.outcome}${r.lost ? ' LOST' : ''}: ${r.category}: ${r.name}: ${r.detail}\n`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
