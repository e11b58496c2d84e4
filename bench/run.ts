/**
 * `npm run bench [-- section…]`: measures tierform against the baselines of SPEC §6 in the same
 * run, prints a table per section and writes bench/results.md. Figures are measured, never
 * asserted.
 */
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { benchValidate } from './validate.js';
import { benchPlan } from './plan.js';
import { benchImport } from './import.js';
import { benchEngine } from './engine.js';

export interface BenchSection {
  title: string;
  /** Markdown table rows, header first. */
  table: string[][];
  notes: string[];
}

const sections: Record<string, () => Promise<BenchSection>> = {
  validate: benchValidate,
  plan: benchPlan,
  import: benchImport,
  engine: () => benchEngine(),
  paid: async () => (await import('./paid.js')).benchPaid(),
  startup: async () => (await import('./startup.js')).benchStartup(),
  citus: async () => (await import('./citus.js')).benchCitus(),
  simulate: async () => (await import('./simulate.js')).benchSimulate(),
};

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const names = wanted.length > 0 ? wanted : Object.keys(sections);
const results: BenchSection[] = [];
for (const name of names) {
  const run = sections[name];
  if (!run) {
    console.error(`unknown bench section '${name}'; known: ${Object.keys(sections).join(', ')}`);
    process.exitCode = 1;
    continue;
  }
  console.error(`bench: ${name}…`);
  const section = await run();
  results.push(section);
  console.log(`\n## ${section.title}\n\n${markdownTable(section.table)}\n${section.notes.map((n) => `\n${n}`).join('')}`);
}

const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${process.platform}`;
const doc = [
  '# Benchmark results',
  '',
  `Written by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}. Machine: ${machine}.`,
  '',
  ...results.flatMap((s) => [`## ${s.title}`, '', markdownTable(s.table), ...s.notes.flatMap((n) => ['', n]), '']),
].join('\n');
if (wanted.length === 0) writeFileSync(new URL('./results.md', import.meta.url), doc);

function markdownTable(rows: string[][]): string {
  const [head, ...body] = rows;
  if (!head) return '';
  return [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...body.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}
