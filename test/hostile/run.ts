/**
 * Runs the hostile corpus through the CLI and classifies each case: a clear error (the expected
 * code, the expected exit, no stack trace, nothing from outside the repository echoed), an
 * unclear one, or a crash (a stack trace, an internal error, an exception, a hang); and whether
 * the live state of the merchants already there changed (data lost).
 */
import { rmSync } from 'node:fs';
import type { CliResult } from '../helpers/cli.js';
import { runCli } from '../helpers/cli.js';
import { CASES, makeRepo, program, type Category, type HostileCase } from './cases.js';

export type Outcome = 'clear' | 'unclear' | 'crash';

export interface CaseResult {
  category: Category;
  name: string;
  outcome: Outcome;
  lost: boolean;
  detail: string;
}

export interface Database {
  args: string[];
  /** One value that changes when anything of the merchants acme and victim, or the catalog, does. */
  fingerprint(): Promise<string>;
}

const HANG_MS = 60_000;
const STACK = /\n\s+at .+[(:]\d+:\d+\)?/;

/** The merchants every database case may not touch: acme and victim with members, orders and tiers. */
export async function seedDatabase(db: Database): Promise<void> {
  const repo = makeRepo({ category: 'path binding', name: 'seed', argv: [], code: '', files: { 'programs/acme/program.yaml': program('acme'), 'programs/victim/program.yaml': program('victim') } });
  try {
    const cli = (argv: string[], stdin?: string) => runCli([...argv, ...db.args], { cwd: repo, ...(stdin ? { stdin } : {}) });
    const must = (r: CliResult) => {
      if (r.code !== 0) throw new Error(`seeding failed: ${r.stdout}${r.stderr}`);
    };
    must(await cli(['apply', '--auto-approve', '--now', '2026-01-01T00:00:00Z']));
    const orders = Array.from({ length: 20 }, (_, i) => JSON.stringify({ merchant: i % 2 ? 'acme' : 'victim', order: `o${i}`, member: `m${i}`, amount: 150 + i * 10, paidAt: '2026-02-01T00:00:00Z', status: 'paid' })).join('\n');
    must(await cli(['import', 'orders', '-'], `${orders}\n`));
    must(await cli(['run-due', '--now', '2026-02-02T00:00:00Z']));
  } finally {
    rmSync(repo, { recursive: true, force: true });
  }
}

export async function runCase(c: HostileCase, db: Database | undefined): Promise<CaseResult> {
  const repo = makeRepo(c);
  const cli = (argv: string[]) => runCli([...argv, ...(c.db && db ? db.args : [])], { cwd: repo });
  const before = c.db && db ? await db.fingerprint() : '';
  let outcome: Outcome;
  let detail = '';
  try {
    const r = await Promise.race([cli(c.argv), new Promise<'hang'>((resolve) => setTimeout(() => resolve('hang'), HANG_MS).unref())]);
    if (r === 'hang') {
      outcome = 'crash';
      detail = 'hung';
    } else {
      const out = `${r.stdout}${r.stderr}`;
      if (STACK.test(out) || out.includes('internal error') || (r.code !== 0 && r.code !== 1)) {
        outcome = 'crash';
        detail = out.slice(0, 300);
      } else if (r.code !== (c.exit ?? 1) || !out.includes(c.code) || (c.leak !== undefined && out.includes(c.leak))) {
        outcome = 'unclear';
        detail = `exit ${r.code}: ${out.slice(0, 300)}`;
      } else {
        outcome = 'clear';
      }
    }
  } catch (err) {
    outcome = 'crash';
    detail = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  }
  let lost = false;
  const afterProblem = await c.after?.(repo, cli);
  if (afterProblem !== undefined) {
    lost = true;
    detail = `${detail} ${afterProblem}`.trim();
  }
  if (c.db && db && (await db.fingerprint()) !== before) {
    lost = true;
    detail = `${detail} the live state of acme or victim changed`.trim();
  }
  rmSync(repo, { recursive: true, force: true });
  return { category: c.category, name: c.name, outcome, lost, detail };
}

export async function runCorpus(db: Database, cases: readonly HostileCase[] = CASES): Promise<CaseResult[]> {
  await seedDatabase(db);
  const results: CaseResult[] = [];
  for (const c of cases) results.push(await runCase(c, db));
  return results;
}

/** The figures table of docs/security.md: per category, cases tried, clear errors, crashes, data lost. */
export function renderTable(results: readonly CaseResult[]): string {
  const categories = [...new Set(results.map((r) => r.category))];
  const row = (name: string, rs: readonly CaseResult[]) =>
    `| ${name} | ${rs.length} | ${rs.filter((r) => r.outcome === 'clear').length} | ${rs.filter((r) => r.outcome === 'unclear').length} | ${rs.filter((r) => r.outcome === 'crash').length} | ${rs.filter((r) => r.lost).length} |`;
  return [
    '| Category | Cases tried | Clear errors | Unclear | Crashes | Data lost |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...categories.map((c) => row(c, results.filter((r) => r.category === c))),
    row('**Total**', results),
  ].join('\n');
}
