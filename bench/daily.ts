/**
 * The daily evaluation against its floors (SPEC §6, issue 18): after a complete evaluation, 2% of
 * the members buy one order each and the next daily evaluation runs, as `run-due` runs it (a run
 * in batches: openRun + continueRun) with the default batch size and with 20,000, and inline.
 *
 * Two floors on the same data, rolled back like every measurement:
 * - incremental: one hand-written UPDATE over the same candidates (orders imported since the last
 *   evaluation, orders that crossed the window's bounds since it, members it moved, members whose
 *   record changed) that sets the tier they qualify for and moves the watermark; the target;
 * - full recompute: every member's window re-added (bench/engine.ts, floorStatement).
 */
import type { Db, Transaction } from '../src/store/db.js';
import type { Statement } from '../src/store/statement.js';
import { continueRun, evaluateInline, openRun } from '../src/engine/index.js';
import type { LevelRules } from '../src/rules/index.js';
import { runImport } from '../src/import/pipeline.js';
import { ordersImport } from '../src/import/orders.js';
import { seededRandom } from './generate.js';
import { useEngineSettings } from '../src/engine/settings.js';
import type { FloorRow } from './dbBench.js';

export interface DailyBench {
  db: Db;
  merchant: string;
  members: number;
  rules: LevelRules;
  /** The evaluation before (committed): 03:00 in New York on 2026-11-01, the cron's time. */
  previous: Date;
  /** The daily evaluation measured: 03:00 in New York on 2026-11-02. */
  at: Date;
  /** Yesterday (local) in UTC: orders are paid in it. */
  yesterday: { from: Date; hours: number };
  log: (message: string) => void;
  measured: <T>(fn: (tx: Transaction) => Promise<T>) => Promise<{ value: T; seconds: number }>;
  /** A Db whose transactions are savepoints of `tx`. */
  nested: (tx: Transaction) => Db;
  /** The full-recompute floor at `at`. */
  fullFloor: Statement;
}

export async function benchDaily(b: DailyBench): Promise<{ rows: FloorRow[]; notes: string[] }> {
  const { db, merchant } = b;
  // The previous daily evaluation, committed: the one the measured evaluation follows.
  b.log('previous daily evaluation…');
  let t0 = performance.now();
  const previous = await db.transaction((tx) => evaluateInline(tx, merchant, b.previous));
  const previousSeconds = (performance.now() - t0) / 1000;
  await db.query('VACUUM ANALYZE members, member_history, grants');
  const mark = await db.query<{ seq: string; history: string }>(
    'SELECT import_seq::text AS seq, history_id::text AS history FROM evaluation_marks WHERE merchant_id = $1',
    [merchant],
  );
  if (!mark.rows[0]) throw new Error('the previous evaluation left no mark');

  // Yesterday's orders for 2% of the members, imported like any other file.
  const daily = Math.max(1, Math.floor(b.members / 50));
  t0 = performance.now();
  const outcome = await runImport(db, ordersImport, { input: one(yesterdayOrders(merchant, b, daily)), format: 'ndjson' });
  const importSeconds = (performance.now() - t0) / 1000;
  if (!outcome.ok || outcome.inserted !== daily) throw new Error(`bench import of yesterday's orders failed: ${JSON.stringify(outcome)}`);
  await db.query('ANALYZE orders');

  b.log('daily evaluation…');
  const incremental = incrementalFloor(b, mark.rows[0]);
  // The floors run with the settings the engine's runs set for their batches.
  const floor = (s: Statement) =>
    b.measured(async (tx) => {
      await useEngineSettings(tx);
      return (await tx.query<{ moved: number }>(s.text, [...s.values])).rows[0]?.moved ?? 0;
    });
  const count = (s: Statement) =>
    b.measured(async (tx) => {
      await useEngineSettings(tx);
      return (await tx.query(s.text, [...s.values])).rowCount;
    });
  const floorBefore = await floor(incremental);
  const asRun = (batchSize?: number) =>
    b.measured(async (tx) => {
      const key = `evaluate:2026-11-02${batchSize ? `:${batchSize}` : ''}`;
      const { run } = await openRun(tx, { merchant, kind: 'evaluate', version: 1, at: b.at, key }, b.at);
      const done = await continueRun(b.nested(tx), merchant, run.runId, { clock: () => b.at, ...(batchSize ? { batchSize } : {}) });
      return done.membersChanged;
    });
  const run = await asRun();
  const run20k = await asRun(20_000);
  const inline = await b.measured(async (tx) => (await evaluateInline(tx, merchant, b.at)).changed);
  const floorAfter = await floor(incremental);
  const full = await count(b.fullFloor);
  const reference = Math.min(floorBefore.seconds, floorAfter.seconds);
  b.log(`incremental floor ${floorBefore.seconds.toFixed(2)} s / ${floorAfter.seconds.toFixed(2)} s; run ${run.seconds.toFixed(2)} s, run 20k ${run20k.seconds.toFixed(2)} s, inline ${inline.seconds.toFixed(2)} s; full floor ${full.seconds.toFixed(2)} s`);
  const vsFull = (s: number): string => `${(s / full.seconds).toFixed(2)}× the full-recompute floor`;

  const rows: FloorRow[] = [
    { measure: 'setup: the previous daily evaluation (committed), inline', seconds: previousSeconds, count: previous.changed, target: '—' },
    {
      measure: `import yesterday's orders, NDJSON (${daily.toLocaleString('en-US')}, one each for 2% of members)`,
      seconds: importSeconds,
      throughput: `${Math.round(daily / importSeconds).toLocaleString('en-US')} orders/s`,
      target: '—',
    },
    { measure: 'floor: incremental, one UPDATE over the candidates (tier and watermark), faster of 2', seconds: reference, floor: reference, count: floorBefore.value, target: '1.00×' },
    { measure: `daily evaluation, run as run-due does (openRun + continueRun, default batch size); ${vsFull(run.seconds)}`, seconds: run.seconds, floor: reference, count: run.value, target: '≤ 1.5× floor' },
    { measure: `daily evaluation, run in batches of 20,000; ${vsFull(run20k.seconds)}`, seconds: run20k.seconds, floor: reference, count: run20k.value, target: '≤ 1.5× floor' },
    { measure: `daily evaluation, evaluateInline in one transaction; ${vsFull(inline.seconds)}`, seconds: inline.seconds, floor: reference, count: inline.value, target: '≤ 1.5× floor' },
    { measure: 'floor: full recompute, one UPDATE … FROM (eligible spend of every member in the window)', seconds: full.seconds, floor: reference, count: full.value, target: '—' },
  ];
  const notes = [
    `The daily evaluation follows a complete one (03:00 New York on 1 November, committed) and an import of one order each, paid yesterday, for 2% of the members. Its candidates are found by index (docs/scheduling.md, "Who a daily evaluation touches"); the incremental floor finds the same ones with the same indexes and writes tier_id and last_evaluated_seq in one UPDATE; the engine also writes tier_since/anchor/expiry, history, notifications and grants for every move. Both floors' "members moved" equal the engine's. The full-recompute floor is the old reference: every member's window re-added.`,
  ];
  return { rows, notes };
}

async function* one(text: string): AsyncGenerator<Buffer> {
  yield Buffer.from(text);
}

/** One paid order each, during yesterday (local), for every 50th member. */
function yesterdayOrders(merchant: string, b: DailyBench, count: number): string {
  const random = seededRandom(11);
  let text = '';
  for (let i = 0; i < count; i++) {
    const member = Math.min(b.members - 1, i * 50);
    const paidAt = new Date(b.yesterday.from.getTime() + Math.floor(random() * b.yesterday.hours * 3_600_000)).toISOString();
    const minor = 100 + Math.floor(random() * 49_901);
    const amount = `${Math.floor(minor / 100)}.${String(minor % 100).padStart(2, '0')}`;
    text += `{"merchant":"${merchant}","order":"y${i}","member":"m${member}","amount":"${amount}","paidAt":"${paidAt}","status":"paid"}\n`;
  }
  return text;
}

/**
 * The incremental floor, hand-written for the bench's rules (accumulated, a rolling window in
 * months, mode recompute, no birthday month starting): the candidates, their spend in the window,
 * and one UPDATE of the tier (where it changed) and the watermark (where an order is new).
 */
export function incrementalFloor(b: DailyBench, mark: { seq: string; history: string }): Statement {
  const { rules } = b;
  if (rules.window.kind !== 'rolling' || !('months' in rules.window.length)) throw new Error('the floor is written for a rolling window in months');
  if (rules.basis !== 'accumulated' || rules.downgrade.mode !== 'recompute') throw new Error('the floor is written for accumulated spend in mode recompute');
  const values: unknown[] = [b.merchant, b.at, b.previous, rules.timezone, rules.window.length.months, rules.activeFrom, [...rules.exclude], mark.seq, mark.history];
  const start = (t: string): string => `((((${t} AT TIME ZONE $4::text)::date - make_interval(months => $5::int))::date)::timestamp AT TIME ZONE $4::text)`;
  const cases = [...rules.tiers]
    .filter((t) => t.enabled)
    .reverse()
    .map((t) => {
      values.push(t.threshold.amountMinor!.toString(), t.id);
      return `WHEN s.amt >= $${values.length - 1}::bigint THEN $${values.length}::text`;
    });
  const text = `
WITH cand AS (
  SELECT member_id FROM orders WHERE merchant_id = $1 AND import_seq > $8::bigint
  UNION SELECT member_id FROM orders WHERE merchant_id = $1 AND paid_at >= ${start('$3::timestamptz')} AND paid_at < ${start('$2::timestamptz')}
  UNION SELECT member_id FROM orders WHERE merchant_id = $1 AND paid_at >= $3::timestamptz AND paid_at < $2::timestamptz
  UNION SELECT member_id FROM member_history WHERE merchant_id = $1 AND history_id > $9::bigint
  UNION SELECT member_id FROM members WHERE merchant_id = $1 AND changed_seq > 0 AND changed_seq > $8::bigint
),
-- Per candidate, through orders_by_member: a join on the window lets the planner read every
-- order in the window instead (10× slower on this data).
s AS (
  SELECT c.member_id, coalesce(a.amt, 0) AS amt
  FROM cand c CROSS JOIN LATERAL (
    SELECT sum(o.amount_minor - o.refunded_minor) AS amt FROM orders o
    WHERE o.merchant_id = $1 AND o.member_id = c.member_id AND o.status = 'paid' AND o.amount_minor > o.refunded_minor
      AND o.paid_at < $2::timestamptz AND o.paid_at >= GREATEST(${start('$2::timestamptz')}, coalesce(($6::date)::timestamp AT TIME ZONE $4::text, '-infinity'))
      AND NOT (o.tags && $7::text[])
  ) a
),
w AS (SELECT member_id, max(import_seq) AS seq FROM orders WHERE merchant_id = $1 AND import_seq > $8::bigint GROUP BY member_id),
x AS (SELECT s.member_id, CASE ${cases.join(' ')} END AS tier, w.seq FROM s LEFT JOIN w ON w.member_id = s.member_id),
u AS (
  UPDATE members m SET tier_id = x.tier, last_evaluated_seq = GREATEST(m.last_evaluated_seq, coalesce(x.seq, 0))
  FROM x WHERE m.merchant_id = $1 AND m.member_id = x.member_id AND (m.tier_id IS DISTINCT FROM x.tier OR x.seq > m.last_evaluated_seq)
  RETURNING (x.tier IS DISTINCT FROM (SELECT p.tier_id FROM members p WHERE p.merchant_id = $1 AND p.member_id = m.member_id))::int AS moved
)
SELECT coalesce(sum(moved), 0)::int AS moved FROM u`;
  return { text, values };
}
