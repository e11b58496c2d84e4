/**
 * The daily evaluation against its floors (SPEC §6, issue 18): after a complete evaluation, 2% of
 * the members buy one order each and the next daily evaluation runs, as `run-due` runs it (a run
 * in batches: openRun + continueRun) with the default batch size and with 20,000, and inline.
 *
 * Three floors on the same data, rolled back like every measurement:
 * - incremental, same result (the target): one hand-written statement over the same candidates
 *   (orders imported since the last evaluation, orders that crossed the window's bounds since it,
 *   members it moved, members whose record changed) that writes what the engine writes for the
 *   day's moves: members' tier fields, history, outbox rows, grants and the watermark;
 * - incremental, tier only: the same candidates, one UPDATE of tier_id and the watermark;
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
import { tiersOf } from '../src/outbox/render.js';
import { localDateOf, localMidnight } from '../src/model/localDate.js';

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
  const document = (await db.query<{ document: unknown }>('SELECT document FROM program_versions WHERE merchant_id = $1 AND version = 1', [merchant])).rows[0]?.document;
  const sameResult = sameResultFloor(b, mark.rows[0], document);
  const floorBefore = await floor(incremental);
  const sameBefore = await floor(sameResult);
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
  const sameAfter = await floor(sameResult);
  const floorAfter = await floor(incremental);
  const full = await count(b.fullFloor);
  const tierOnly = Math.min(floorBefore.seconds, floorAfter.seconds);
  const reference = Math.min(sameBefore.seconds, sameAfter.seconds);
  b.log(
    `incremental floors: tier-only ${floorBefore.seconds.toFixed(2)} s / ${floorAfter.seconds.toFixed(2)} s, same result ${sameBefore.seconds.toFixed(2)} s / ${sameAfter.seconds.toFixed(2)} s; ` +
      `run ${run.seconds.toFixed(2)} s, run 20k ${run20k.seconds.toFixed(2)} s, inline ${inline.seconds.toFixed(2)} s; full floor ${full.seconds.toFixed(2)} s`,
  );
  const versus = (s: number): string => `${(s / tierOnly).toFixed(2)}× the tier-only floor, ${(s / full.seconds).toFixed(2)}× the full-recompute floor`;

  const rows: FloorRow[] = [
    { measure: 'setup: the previous daily evaluation (committed), inline', seconds: previousSeconds, count: previous.changed, target: '—' },
    {
      measure: `import yesterday's orders, NDJSON (${daily.toLocaleString('en-US')}, one each for 2% of members)`,
      seconds: importSeconds,
      throughput: `${Math.round(daily / importSeconds).toLocaleString('en-US')} orders/s`,
      target: '—',
    },
    {
      measure: 'floor: incremental, same result: one statement over the candidates writing what the engine writes for the moves (members, history, outbox, grants, watermark), faster of 2',
      seconds: reference,
      floor: reference,
      count: sameBefore.value,
      target: '1.00×',
    },
    { measure: 'floor: incremental, tier only: one UPDATE over the candidates (tier and watermark), faster of 2', seconds: tierOnly, floor: reference, count: floorBefore.value, target: '—' },
    { measure: `daily evaluation, run as run-due does (openRun + continueRun, default batch size); ${versus(run.seconds)}`, seconds: run.seconds, floor: reference, count: run.value, target: '≤ 1.5× floor' },
    { measure: `daily evaluation, run in batches of 20,000; ${versus(run20k.seconds)}`, seconds: run20k.seconds, floor: reference, count: run20k.value, target: '≤ 1.5× floor' },
    { measure: `daily evaluation, evaluateInline in one transaction; ${versus(inline.seconds)}`, seconds: inline.seconds, floor: reference, count: inline.value, target: '≤ 1.5× floor' },
    { measure: 'floor: full recompute, one UPDATE … FROM (eligible spend of every member in the window)', seconds: full.seconds, floor: reference, count: full.value, target: '—' },
  ];
  const notes = [
    `The daily evaluation follows a complete one (03:00 New York on 1 November, committed) and an import of one order each, paid yesterday, for 2% of the members. Its candidates are found by index (docs/scheduling.md, "Who a daily evaluation touches"); a run takes them in batches of up to the batch size (here one batch), not 100,000 member ids at a time. The target floor is the same-result one: over the same candidates, with the same indexes and settings, one hand-written statement writes what the engine writes for the day's moves — tier_id, tier_since, anchor/evidence/expiry and the fields a move clears, a history row, the outbox notification (the template rendered), upgrade-point grants, birthday grants due by a move, and the watermark (last_evaluated_seq) — its result was checked equal to the engine's when it was written (digests of the members' rows and of the history, outbox and grant rows written, at 250,000 members); the bench does not re-check it each run. "vs floor" divides by it. The tier-only floor (kept from before, not weakened) writes tier_id and last_evaluated_seq only; each engine row gives its ratio to it too. Both floors' "members moved" equal the engine's. The full-recompute floor is the old reference: every member's window re-added.`,
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
 * The CTEs both incremental floors share (parameters $1–$9 as they bind them): the candidates
 * (`cand`), their eligible spend in the window (`s`) and their newest import since the mark (`w`).
 */
function candidatesAndSpend(): string {
  const start = (t: string): string => `((((${t} AT TIME ZONE $4::text)::date - make_interval(months => $5::int))::date)::timestamp AT TIME ZONE $4::text)`;
  return `WITH cand AS (
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
w AS (SELECT member_id, max(import_seq) AS seq FROM orders WHERE merchant_id = $1 AND import_seq > $8::bigint GROUP BY member_id),`;
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
  const cases = [...rules.tiers]
    .filter((t) => t.enabled)
    .reverse()
    .map((t) => {
      values.push(t.threshold.amountMinor!.toString(), t.id);
      return `WHEN s.amt >= $${values.length - 1}::bigint THEN $${values.length}::text`;
    });
  const text = `
${candidatesAndSpend()}
x AS (SELECT s.member_id, CASE ${cases.join(' ')} END AS tier, w.seq FROM s LEFT JOIN w ON w.member_id = s.member_id),
u AS (
  UPDATE members m SET tier_id = x.tier, last_evaluated_seq = GREATEST(m.last_evaluated_seq, coalesce(x.seq, 0))
  FROM x WHERE m.merchant_id = $1 AND m.member_id = x.member_id AND (m.tier_id IS DISTINCT FROM x.tier OR x.seq > m.last_evaluated_seq)
  RETURNING (x.tier IS DISTINCT FROM (SELECT p.tier_id FROM members p WHERE p.merchant_id = $1 AND p.member_id = m.member_id))::int AS moved
)
SELECT coalesce(sum(moved), 0)::int AS moved FROM u`;
  return { text, values };
}

/**
 * The same-result floor, hand-written for the bench's rules like incrementalFloor (accumulated, a
 * rolling window in months, mode recompute, no validity, no consumed orders, no welcome, no paid
 * memberships in the data, notifications upgrade and downgrade with no send time): over the same
 * candidates, one statement writes what the engine writes for the day's moves — tier_id,
 * tier_since, anchor_at, expires_at, evidence_at and the fields a move clears; a history row per
 * move; its outbox row (the template rendered as the engine renders it: key `history:<id>`, the
 * same payload, deliver_after = created_at); upgrade-point grants for a tier never held before;
 * the birthday grant of a member who moved into a tier carrying it in their birth month; and the
 * watermark (last_evaluated_seq) of every candidate with a new import.
 */
export function sameResultFloor(b: DailyBench, mark: { seq: string; history: string }, document: unknown): Statement {
  const { rules } = b;
  if (rules.window.kind !== 'rolling' || !('months' in rules.window.length)) throw new Error('the floor is written for a rolling window in months');
  if (rules.basis !== 'accumulated' || rules.downgrade.mode !== 'recompute' || rules.downgrade.validity !== null) {
    throw new Error('the floor is written for accumulated spend in mode recompute without validity');
  }
  const enabled = [...rules.tiers].filter((t) => t.enabled);
  const names = tiersOf(document);
  const today = localDateOf(b.at, rules.timezone);
  const values: unknown[] = [
    b.merchant, b.at, b.previous, rules.timezone, rules.window.length.months, rules.activeFrom, [...rules.exclude], mark.seq, mark.history,
    enabled.map((t) => t.id), enabled.map((t) => t.threshold.amountMinor!.toString()), enabled.map((t) => t.upgradePoints),
    JSON.stringify(names), enabled.filter((t) => t.birthdayDiscount).map((t) => t.id),
    `birthday_discount:${today.slice(0, 4)}`, localMidnight(`${today.slice(0, 7)}-01`, rules.timezone), today.slice(5, 7), 1,
  ];
  // The highest enabled tier whose threshold the amount meets: its rank (1-based in $10), or 0.
  const rank = `(SELECT coalesce(max(i), 0) FROM generate_subscripts($11::bigint[], 1) i WHERE s.amt >= ($11::bigint[])[i])`;
  const rankOf = (tier: string): string => `coalesce(array_position($10::text[], ${tier}), 0)`;
  const text = `
${candidatesAndSpend()}
x AS (
  SELECT s.member_id, ${rank} AS to_rank, ${rankOf('m.tier_id')} AS from_rank, m.tier_id AS from_tier, coalesce(m.name, m.member_id) AS name,
    m.birthday, m.anchor_at, w.seq
  FROM s JOIN members m ON m.merchant_id = $1 AND m.member_id = s.member_id AND (m.pinned_until IS NULL OR m.pinned_until <= $2::timestamptz)
    LEFT JOIN w ON w.member_id = s.member_id
),
mv AS (SELECT x.*, ($10::text[])[x.to_rank] AS to_tier, CASE WHEN x.to_rank > x.from_rank THEN 'upgrade' ELSE 'requalify' END AS reason FROM x WHERE x.to_rank <> x.from_rank),
u AS (
  UPDATE members m SET last_evaluated_seq = GREATEST(m.last_evaluated_seq, coalesce(x.seq, 0)),
    tier_id = CASE WHEN mv.member_id IS NULL THEN m.tier_id ELSE mv.to_tier END,
    tier_since = CASE WHEN mv.member_id IS NULL THEN m.tier_since ELSE $2::timestamptz END,
    anchor_at = CASE WHEN mv.member_id IS NULL THEN m.anchor_at ELSE $2::timestamptz END,
    expires_at = CASE WHEN mv.member_id IS NULL THEN m.expires_at END,
    evidence_at = CASE WHEN mv.member_id IS NULL THEN m.evidence_at ELSE $2::timestamptz END,
    previous_anchor_at = CASE WHEN mv.member_id IS NULL THEN m.previous_anchor_at ELSE m.anchor_at END,
    extended_tier = CASE WHEN mv.member_id IS NULL THEN m.extended_tier END,
    fell_from = CASE WHEN mv.member_id IS NULL THEN m.fell_from END,
    fell_period_end = CASE WHEN mv.member_id IS NULL THEN m.fell_period_end END,
    manual_tier = CASE WHEN mv.member_id IS NULL THEN m.manual_tier END,
    trigger_order_id = CASE WHEN mv.member_id IS NULL THEN m.trigger_order_id END
  FROM x LEFT JOIN mv ON mv.member_id = x.member_id
  WHERE m.merchant_id = $1 AND m.member_id = x.member_id AND (mv.member_id IS NOT NULL OR x.seq > m.last_evaluated_seq)
  RETURNING 1
),
h AS (
  INSERT INTO member_history (merchant_id, member_id, from_tier, to_tier, at, reason, version, run_id)
  SELECT $1, mv.member_id, mv.from_tier, mv.to_tier, $2::timestamptz, mv.reason, $18::int, NULL FROM mv
  RETURNING history_id, member_id, from_tier, to_tier, reason
),
n AS (
  INSERT INTO outbox (merchant_id, idempotency_key, event, member_id, message, payload, version, created_at, deliver_after)
  SELECT $1, 'history:' || h.history_id, CASE WHEN mv.to_rank > mv.from_rank THEN 'upgrade' ELSE 'downgrade' END, h.member_id,
    CASE WHEN mv.to_rank > mv.from_rank
      THEN 'Hi ' || mv.name || ', you are now ' || t.name || '! Benefits: ' || coalesce(t.benefits, '')
      ELSE 'Hi ' || mv.name || ', your level is now ' || t.name || '.' END,
    jsonb_build_object('from', h.from_tier, 'to', h.to_tier, 'reason', h.reason, 'at', $2::timestamptz, 'expiresAt', NULL, 'plan', NULL, 'historyId', h.history_id),
    $18::int, $2::timestamptz, $2::timestamptz
  FROM h JOIN mv ON mv.member_id = h.member_id
    CROSS JOIN LATERAL (SELECT coalesce($13::jsonb -> h.to_tier ->> 'name', 'basic') AS name, $13::jsonb -> h.to_tier ->> 'benefits' AS benefits) t
  RETURNING 1
),
p AS (
  INSERT INTO grants (merchant_id, member_id, grant_key, type, tier_id, due_at, at, points, version, run_id)
  SELECT $1, mv.member_id, 'upgrade_points:' || mv.to_tier, 'upgrade_points', mv.to_tier, $2::timestamptz, $2::timestamptz, ($12::int[])[mv.to_rank], $18::int, NULL
  FROM mv
  WHERE mv.to_rank > mv.from_rank AND ($12::int[])[mv.to_rank] IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM member_history e WHERE e.merchant_id = $1 AND e.member_id = mv.member_id AND e.to_tier = mv.to_tier)
  ON CONFLICT DO NOTHING
  RETURNING 1
),
bd AS (
  INSERT INTO grants (merchant_id, member_id, grant_key, type, tier_id, due_at, at, points, version, run_id)
  SELECT $1, mv.member_id, $15::text, 'birthday_discount', mv.to_tier, $16::timestamptz, $2::timestamptz, NULL, $18::int, NULL
  FROM mv
  WHERE mv.to_tier = ANY($14::text[]) AND mv.birthday IS NOT NULL
    AND (CASE WHEN length(mv.birthday) = 5 THEN substr(mv.birthday, 1, 2) ELSE substr(mv.birthday, 6, 2) END) = $17::text
  ON CONFLICT DO NOTHING
  RETURNING 1
)
SELECT (SELECT count(*) FROM mv)::int AS moved, (SELECT count(*) FROM n)::int AS notified, (SELECT count(*) FROM p)::int AS points,
  (SELECT count(*) FROM bd)::int AS birthdays, (SELECT count(*) FROM u)::int AS updated`;
  return { text, values };
}
