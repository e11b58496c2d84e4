/**
 * Validation throughput against its floor (SPEC §6): the floor is `yaml` parseDocument plus the
 * precompiled ajv validator over the same files in one process; we also time ajv alone on the
 * already-parsed documents, and the cold time of `tierform validate <one file>` as a process
 * (the built CLI, after `npm run build`, which `npm run bench` runs first).
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';
import { validateFiles } from '../src/document/validateFiles.js';
import { validateMembershipProgram } from '../src/generated/validators.js';
import type { BenchSection } from './run.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const FILES = 2000;

export async function benchValidate(): Promise<BenchSection> {
  const dir = makeCorpus();
  const paths = readdirSync(dir).map((f) => join(dir, f));
  const texts = paths.map((p) => readFileSync(p, 'utf8'));
  const bytes = texts.reduce((n, t) => n + Buffer.byteLength(t), 0);
  const lines = texts.reduce((n, t) => n + t.split('\n').length, 0) / texts.length;

  // Warm-up, then best of three for each: the floor, ajv alone, and tierform.
  const parsed = texts.map((t) => parseDocument(t).toJS() as unknown);
  const floor = best(3, () => {
    for (const t of texts) validateMembershipProgram(parseDocument(t, { uniqueKeys: true }).toJS({ maxAliasCount: 100 }));
  });
  const ajvOnly = best(3, () => {
    for (const v of parsed) validateMembershipProgram(v);
  });
  let ours = Infinity;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    const result = await validateFiles([dir], { cwd: ROOT });
    ours = Math.min(ours, performance.now() - t0);
    if (!result.valid) throw new Error('bench corpus should be valid');
  }

  const one = paths[0]!;
  const cold: number[] = [];
  for (let i = 0; i < 7; i++) {
    const t0 = performance.now();
    execFileSync(process.execPath, [join(ROOT, 'bin/tierform.js'), 'validate', one], { stdio: 'ignore' });
    cold.push(performance.now() - t0);
  }
  cold.sort((a, b) => a - b);
  const nodeStart: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    execFileSync(process.execPath, ['-e', '0'], { stdio: 'ignore' });
    nodeStart.push(performance.now() - t0);
  }
  nodeStart.sort((a, b) => a - b);

  const rate = (ms: number) => `${Math.round((FILES / ms) * 1000).toLocaleString('en-US')} files/s`;
  return {
    title: 'Validation',
    table: [
      ['measure', 'time', 'throughput', 'vs floor', 'target'],
      ['floor: yaml parseDocument + precompiled ajv', `${floor.toFixed(0)} ms`, rate(floor), '1.00×', '—'],
      ['ajv alone on parsed documents', `${ajvOnly.toFixed(0)} ms`, rate(ajvOnly), `${(ajvOnly / floor).toFixed(2)}×`, '—'],
      ['tierform validateFiles (all layers, reading files)', `${ours.toFixed(0)} ms`, rate(ours), `${(ours / floor).toFixed(2)}×`, '≤ 1.5× floor; ≥ 2,000 files/s'],
      ['`tierform validate <one file>` cold, median of 7', `${cold[3]!.toFixed(0)} ms`, '—', '—', '< 500 ms'],
      ['`node -e 0` start, median of 5 (for reference)', `${nodeStart[2]!.toFixed(0)} ms`, '—', '—', '—'],
    ],
    notes: [
      `${FILES} program files, ${(bytes / FILES / 1024).toFixed(1)} KiB and ${lines.toFixed(0)} lines each on average, in one process; best of 3 runs.`,
      'Beyond the floor, validateFiles reads the files (the floor is given their text), scans nesting depth, counts aliases when the text has a `*`, parses with positions and keeps the values of every file, and runs the meaning rules. The cold run starts the built CLI (dist/), which loads only the validate command and the text renderer, with `yaml` as one file (scripts/bundle-yaml.mjs).',
    ],
  };
}

function best(n: number, fn: () => void): number {
  fn();
  let min = Infinity;
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    fn();
    min = Math.min(min, performance.now() - t0);
  }
  return min;
}

/** Copies of the example programs, renamed so each is its own merchant, outside any `programs/` folder. */
function makeCorpus(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tierform-bench-validate-'));
  mkdirSync(dir, { recursive: true });
  const examples = readdirSync(join(ROOT, 'programs'), { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(ROOT, 'programs', e.name, 'program.yaml')))
    .map((e) => readFileSync(join(ROOT, 'programs', e.name, 'program.yaml'), 'utf8'));
  for (let i = 0; i < FILES; i++) {
    const text = examples[i % examples.length]!.replace(/merchant: [a-z0-9-]+/, `merchant: bench-${i}`);
    writeFileSync(join(dir, `m${String(i).padStart(5, '0')}.yaml`), text);
  }
  return dir;
}
