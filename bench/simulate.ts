/**
 * `simulate` (issue 16): a year of daily evaluations replayed on the scratch copy, for one
 * program, against its estimate from below — 365 times one daily evaluation of the same members
 * on the live tables, inline and rolled back. Members and orders are generated and loaded
 * through the real import code; the program is acme's with spend over 12 rolling months.
 *
 * Sizes: on the server (TIERFORM_BENCH_DATABASE_URL, an empty database) 250,000 members and
 * 5,000,000 orders; on the embedded database 10,000 members and 200,000 orders (the replay
 * runs 365 evaluations: more would take the better part of an hour there). TIERFORM_BENCH_SCALE
 * scales both; TIERFORM_BENCH_SIMULATE_MEMBERS, _ORDERS and _DAYS set them exactly.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { MembershipProgram } from '../src/generated/types.js';
import type { Db } from '../src/store/db.js';
import { openPglite } from '../src/store/pglite.js';
import { openPg } from '../src/store/pg.js';
import { migrate } from '../src/store/migrate.js';
import { ordersImport } from '../src/import/orders.js';
import { membersImport } from '../src/import/members.js';
import { evaluateInline } from '../src/engine/index.js';
import { replaySide } from '../src/simulate/replay.js';
import { addDays, localDateOf } from '../src/model/localDate.js';
import { writeGenerated } from './generate.js';
import type { BenchSection } from './run.js';
import { applyProgram, clearMerchant, floorTable, importFile, measured, rate, type FloorRow } from './dbBench.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const MERCHANT = 'bench-simulate';
/** Orders are paid in the 3 years before this instant; the replay ends the day before it. */
const BEFORE = new Date('2026-11-01T00:00:00Z');
const TABLES = ['grants', 'member_history', 'outbox', 'engine_runs', 'orders', 'members', 'program_versions', 'type_switches', 'merchants'];

export async function benchSimulate(): Promise<BenchSection> {
  const url = process.env.TIERFORM_BENCH_DATABASE_URL;
  const scale = Number(process.env.TIERFORM_BENCH_SCALE ?? 1);
  const members = Number(process.env.TIERFORM_BENCH_SIMULATE_MEMBERS ?? Math.round((url ? 250_000 : 10_000) * scale));
  const orders = Number(process.env.TIERFORM_BENCH_SIMULATE_ORDERS ?? Math.round((url ? 5_000_000 : 200_000) * scale));
  const days = Number(process.env.TIERFORM_BENCH_SIMULATE_DAYS ?? 365);
  const db: Db = url ? openPg({ connectionString: url, applicationName: 'tierform-bench-simulate' }) : await openPglite();
  const dir = await mkdtemp(join(tmpdir(), 'tierform-bench-simulate-'));
  const log = (message: string): void => console.error(`bench simulate: ${message}`);
  const rows: FloorRow[] = [];
  try {
    await migrate(db);
    const base = parse(readFileSync(join(ROOT, 'programs/acme/program.yaml'), 'utf8')) as MembershipProgram;
    const document = program(base);
    await applyProgram(db, MERCHANT, document, new Date(BEFORE.getTime() - 4 * 365 * 86_400_000));

    log(`generating and importing ${members.toLocaleString('en-US')} members and ${orders.toLocaleString('en-US')} orders…`);
    const membersFile = join(dir, 'members.csv');
    const ordersFile = join(dir, 'orders.csv');
    await writeGenerated(membersFile, 'members', 'csv', { merchant: MERCHANT, members, orders: 0, before: BEFORE, seed: 3 });
    await writeGenerated(ordersFile, 'orders', 'csv', { merchant: MERCHANT, members, orders, before: BEFORE, seed: 5 });
    await importFile(db, membersImport, membersFile, members);
    await importFile(db, ordersImport, ordersFile, orders);
    await db.query('VACUUM ANALYZE members, orders');

    const to = addDays(localDateOf(BEFORE, 'America/New_York'), -1);
    const from = addDays(to, -(days - 1));
    log(`replaying ${from}..${to}…`);
    const t0 = performance.now();
    let started = t0;
    const side = await replaySide(db, { merchant: MERCHANT, document, version: 1, from, to, onStarted: () => (started = performance.now()) });
    const replay = (performance.now() - t0) / 1000;
    const setup = (started - t0) / 1000;
    const perEvaluation = (replay - setup) / Math.max(1, side.evaluations);
    const moved = side.moves.up + side.moves.down;

    log('one daily evaluation on the live tables, for the estimate…');
    // Everyone gets their tier first (committed), so the measured evaluation is an ordinary day's.
    const at = new Date(BEFORE.getTime() - 86_400_000);
    await db.transaction((tx) => evaluateInline(tx, MERCHANT, new Date(at.getTime() - 86_400_000)));
    await db.query('VACUUM ANALYZE members, member_history, grants');
    const once = await measured(db, (tx) => evaluateInline(tx, MERCHANT, at), ['members', 'member_history', 'grants', 'outbox']);
    const estimate = once.seconds * side.evaluations;
    rows.push({
      measure: `${side.evaluations} × one daily evaluation (estimate: the last day's, inline, times the days)`,
      seconds: estimate,
      target: '—',
    });
    rows.push({ measure: 'simulate, starting state: the scratch copy of the merchant and the derivation of every member', seconds: setup, target: '—' });
    rows.push({
      measure: `simulate, the ${side.evaluations} evaluations alone (${(perEvaluation * 1000).toFixed(0)} ms each)`,
      seconds: replay - setup,
      floor: estimate,
      target: '—',
    });
    rows.push({
      measure: `simulate one program over ${side.evaluations} days (${members.toLocaleString('en-US')} members, ${orders.toLocaleString('en-US')} orders): copy, derivation, evaluations, figures`,
      seconds: replay,
      throughput: `${rate(side.evaluations * members, replay)} member-days/s`,
      floor: estimate,
      count: moved,
      target: '—',
    });
    return {
      title: `simulate (${db.kind === 'pg' ? 'PostgreSQL server' : 'embedded PGlite'})`,
      table: floorTable(rows, 'moves replayed'),
      notes: [
        `A simulation replays two programs (the proposed and the current one): twice the time above. A year of one program: about ${Math.round(setup + 365 * perEvaluation).toLocaleString('en-US')} s (the starting state, then 365 evaluations at the measured cost).`,
        'The estimate times an ordinary day\'s evaluation on the live tables (every member evaluated the day before); the replay also copies the merchant\'s rows and derives every member at the start of the range.',
      ],
    };
  } finally {
    await clearMerchant(db, MERCHANT, TABLES).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
    await db.close();
  }
}

function program(base: MembershipProgram): MembershipProgram {
  const document = structuredClone(base);
  document.metadata.merchant = MERCHANT;
  document.metadata.currency = 'USD';
  document.metadata.timezone = 'America/New_York';
  document.spec.effective = { mode: 'immediate' };
  const levels = document.spec.levels!;
  levels.upgrade = { ...levels.upgrade, basis: 'accumulated', window: { rolling: { months: 12 } } };
  levels.downgrade = { mode: 'recompute' };
  const thresholds: Record<string, string> = { bronze: '1000', silver: '1700', gold: '2300' };
  for (const tier of levels.tiers) tier.threshold = { amount: thresholds[tier.id] ?? '1000' };
  return document;
}
