/**
 * The recalculation's same-result floor (bench only; SPEC §6, issue #18): the best hand-written
 * SQL we can write that leaves exactly what a recalculation in mode recompute leaves, in one
 * statement over the whole merchant. For every member whose tier the new rules change: tier_id,
 * tier_since, anchor, expiry, evidence and the columns a move up resets; the triggering order
 * marked consumed (single_order); a history row; upgrade points for a tier the member never held
 * (anti-join on the history before the statement); the upgrade/downgrade notification rendered
 * into the outbox from the history rows the statement returns. For every member: expiry dropped
 * (mode recompute keeps none) and the birthday grant of the month for a tier that carries one.
 * The evaluation mark is forgotten as the engine forgets it.
 *
 * Written for the benches' rules (rolling window in months, amount or points thresholds, mode
 * recompute, no paid plan with benefits, notification templates with member and tier
 * placeholders): it refuses anything else rather than compute something else. `sameResultCheck`
 * runs the engine and this floor on the same data in one rolled-back transaction and compares
 * what each left.
 */
import type { Db, Transaction } from '../src/store/db.js';
import type { LevelRules } from '../src/rules/index.js';
import type { Statement } from '../src/store/statement.js';
import { describeBenefits } from '../src/outbox/render.js';
import { localDateOf, localMidnight } from '../src/model/localDate.js';
import { useEngineSettings } from '../src/engine/settings.js';
import { rolledBack } from './dbBench.js';

interface DocumentLike {
  metadata: { currency: string };
  spec: {
    levels?: {
      tiers: {
        id: string;
        name: string;
        benefits?: (Record<string, unknown> & { type: string })[];
      }[];
    };
    notifications?: Record<string, string | undefined>;
  };
}

/** A template as a `||` chain over the floor's columns (member and tier placeholders only). */
function render(template: string | undefined, values: unknown[]): string | null {
  if (template === undefined) return null;
  const columns: Record<string, string> = {
    'member.name': 'coalesce(mv.name, mv.member_id)',
    'member.id': 'mv.member_id',
    'tier.name': `CASE WHEN mv.to_tier IS NULL THEN 'basic' ELSE ($12::text[])[mv.to_rank + 1] END`,
    'tier.benefits': `($13::text[])[mv.to_rank + 1]`,
  };
  const parts: string[] = [];
  let last = 0;
  for (const m of template.matchAll(/\{([^{}]*)\}/g)) {
    const column = columns[m[1]!];
    if (column === undefined) {
      if (['plan.name', 'expiresAt', 'program.rules'].includes(m[1]!)) throw new Error(`the recalculation floor does not render {${m[1]}}`);
      continue;
    }
    if (m.index > last) {
      values.push(template.slice(last, m.index));
      parts.push(`$${values.length}::text`);
    }
    parts.push(`coalesce(${column}, '')`);
    last = m.index + m[0].length;
  }
  if (last < template.length) {
    values.push(template.slice(last));
    parts.push(`$${values.length}::text`);
  }
  return parts.length === 0 ? `''` : parts.join(' || ');
}

/**
 * The floor statement: `merchant`'s members recalculated under `rules` (version `version`, its
 * program `document`) at `at`, as inline (run_id null). Returns `moved`.
 */
export function sameResultFloor(merchant: string, rules: LevelRules, document: unknown, at: Date, version: number): Statement {
  if (rules.window.kind !== 'rolling' || !('months' in rules.window.length)) throw new Error('the floor is written for a rolling window in months');
  if (rules.downgrade.mode !== 'recompute' || rules.restartOnMove || rules.tiers.some((t) => t.window !== rules.window || t.threshold.orders !== null)) {
    throw new Error('the floor is written for mode recompute with one window and amount (or points) thresholds');
  }
  const doc = document as DocumentLike;
  const tiers = rules.tiers;
  const today = localDateOf(at, rules.timezone);
  const values: unknown[] = [
    merchant, // $1
    at, // $2
    rules.timezone, // $3
    rules.window.length.months, // $4
    rules.activeFrom, // $5
    [...rules.exclude], // $6
    tiers.map((t) => t.id), // $7
    tiers.map((t) => t.threshold.amountMinor!.toString()), // $8
    tiers.map((t) => t.upgradePoints), // $9
    version, // $10
    tiers.filter((t) => t.enabled && t.birthdayDiscount).map((t) => t.id), // $11
    (doc.spec.levels?.tiers ?? []).map((t) => t.name), // $12
    (doc.spec.levels?.tiers ?? []).map((t) => describeBenefits(t.benefits, doc.metadata.currency)), // $13
    `birthday_discount:${today.slice(0, 4)}`, // $14
    localMidnight(`${today.slice(0, 7)}-01`, rules.timezone), // $15
    Number(today.slice(5, 7)), // $16
  ];
  const notifications = doc.spec.notifications ?? {};
  if (notifications.sendAt !== undefined) throw new Error('the floor is written without notifications.sendAt');
  const upgrade = render(notifications.upgrade, values);
  const downgrade = render(notifications.downgrade, values);
  const points = rules.basis === 'points';
  const single = rules.basis === 'single_order';
  const since = `GREATEST(
        ((($2::timestamptz AT TIME ZONE $3::text)::date - make_interval(months => $4::int))::date::timestamp AT TIME ZONE $3::text),
        coalesce(($5::date)::timestamp AT TIME ZONE $3::text, '-infinity'))`;
  const window = `o.merchant_id = $1 AND o.status = 'paid' AND o.amount_minor > o.refunded_minor
      AND o.paid_at < $2::timestamptz AND o.paid_at >= ${since} AND NOT (o.tags && $6::text[])`;
  const measure = points
    ? `SELECT l.member_id, sum(l.points) AS amt FROM points_ledger l
    WHERE l.merchant_id = $1 AND l.points > 0 AND l.at < $2::timestamptz AND l.at >= ${since}
      AND cardinality($6::text[]) >= 0 -- always true: excluded tags are for orders; this types $6
    GROUP BY l.member_id`
    : `SELECT o.member_id, ${single ? 'max' : 'sum'}(o.amount_minor - o.refunded_minor) AS amt FROM orders o WHERE ${window} GROUP BY o.member_id`;
  const rankCases = tiers
    .filter((t) => t.enabled)
    .reverse()
    .map((t) => `WHEN coalesce(a.amt, 0) >= ($8::bigint[])[${t.rank + 1}] THEN ${t.rank}`)
    .join(' ');
  const events = [
    ...(upgrade === null ? [] : [{ when: 'mv.up', event: 'upgrade', message: upgrade }]),
    ...(downgrade === null ? [] : [{ when: 'NOT mv.up', event: 'downgrade', message: downgrade }]),
  ];
  const text = `
WITH a AS (
  ${measure}
),
x AS (
  SELECT mb.member_id, mb.tier_id, mb.name, mb.birthday, mb.anchor_at,
    coalesce(array_position($7::text[], mb.tier_id) - 1, -1) AS from_rank, CASE ${rankCases} ELSE -1 END AS to_rank
  FROM members mb LEFT JOIN a ON a.member_id = mb.member_id WHERE mb.merchant_id = $1
),
mv AS (
  SELECT x.*, x.to_rank > x.from_rank AS up, ($7::text[])[x.to_rank + 1] AS to_tier FROM x WHERE x.to_rank <> x.from_rank
),
${
  single
    ? `trig AS (
  SELECT DISTINCT ON (mv.member_id) mv.member_id, o.order_id
  FROM mv JOIN orders o ON o.merchant_id = $1 AND o.member_id = mv.member_id AND ${window} AND NOT o.consumed
  WHERE mv.up AND o.amount_minor - o.refunded_minor >= ($8::bigint[])[mv.to_rank + 1]
  ORDER BY mv.member_id, o.amount_minor - o.refunded_minor DESC, o.paid_at, o.order_id COLLATE "C"
),
cons AS (UPDATE orders o SET consumed = true FROM trig WHERE o.merchant_id = $1 AND o.order_id = trig.order_id),`
    : ''
}
upd AS (
  UPDATE members u SET tier_id = mv.to_tier, tier_since = $2::timestamptz, expires_at = NULL,
    anchor_at = CASE WHEN mv.up THEN $2::timestamptz ELSE u.anchor_at END,
    evidence_at = CASE WHEN mv.up THEN $2::timestamptz ELSE u.evidence_at END,
    previous_anchor_at = CASE WHEN mv.up THEN u.anchor_at ELSE u.previous_anchor_at END,
    extended_tier = CASE WHEN mv.up THEN NULL ELSE u.extended_tier END,
    fell_from = CASE WHEN mv.up THEN NULL ELSE u.fell_from END,
    fell_period_end = CASE WHEN mv.up THEN NULL ELSE u.fell_period_end END,
    manual_tier = CASE WHEN mv.up THEN NULL ELSE u.manual_tier END,
    trigger_order_id = CASE WHEN mv.up THEN ${single ? 'trig.order_id' : 'NULL'} ELSE u.trigger_order_id END
  FROM mv${single ? ' LEFT JOIN trig ON trig.member_id = mv.member_id' : ''}
  WHERE u.merchant_id = $1 AND u.member_id = mv.member_id
),
fit AS (
  UPDATE members u SET expires_at = NULL
  WHERE u.merchant_id = $1 AND u.expires_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM mv WHERE mv.member_id = u.member_id)
),
pts AS (
  INSERT INTO grants (merchant_id, member_id, grant_key, type, tier_id, due_at, at, points, version, run_id)
  SELECT $1, mv.member_id, 'upgrade_points:' || mv.to_tier, 'upgrade_points', mv.to_tier,
    $2::timestamptz, $2::timestamptz, ($9::int[])[mv.to_rank + 1], $10::int, NULL
  FROM mv
  WHERE mv.up AND ($9::int[])[mv.to_rank + 1] IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM member_history h WHERE h.merchant_id = $1 AND h.member_id = mv.member_id AND h.to_tier = mv.to_tier)
  ON CONFLICT DO NOTHING
),
bd AS (
  INSERT INTO grants (merchant_id, member_id, grant_key, type, tier_id, due_at, at, points, version, run_id)
  SELECT $1, x.member_id, $14::text, 'birthday_discount', x.now_tier, $15::timestamptz, $2::timestamptz, NULL, $10::int, NULL
  FROM (SELECT x.member_id, x.birthday, CASE WHEN x.to_rank <> x.from_rank THEN ($7::text[])[x.to_rank + 1] ELSE x.tier_id END AS now_tier FROM x) x
  WHERE x.birthday IS NOT NULL AND x.now_tier = ANY($11::text[])
    AND (CASE WHEN length(x.birthday) = 5 THEN substr(x.birthday, 1, 2) ELSE substr(x.birthday, 6, 2) END)::int = $16::int
  ON CONFLICT DO NOTHING
),
hist AS (
  INSERT INTO member_history (merchant_id, member_id, from_tier, to_tier, at, reason, version, run_id)
  SELECT $1, mv.member_id, mv.tier_id, mv.to_tier, $2::timestamptz, 'rule_change', $10::int, NULL FROM mv
  RETURNING member_id, history_id
)${
    events.length === 0
      ? ''
      : `,
ob AS (
  INSERT INTO outbox (merchant_id, idempotency_key, event, member_id, message, payload, version, created_at, deliver_after)
  SELECT $1, 'history:' || h.history_id, CASE ${events.map((e) => `WHEN ${e.when} THEN '${e.event}'`).join(' ')} END, mv.member_id,
    CASE ${events.map((e) => `WHEN ${e.when} THEN ${e.message}`).join(' ')} END,
    jsonb_build_object('from', mv.tier_id, 'to', mv.to_tier, 'reason', 'rule_change', 'at', $2::timestamptz,
      'expiresAt', NULL::timestamptz, 'plan', pm.plan_id, 'historyId', h.history_id),
    $10::int, $2::timestamptz, $2::timestamptz
  FROM hist h JOIN mv ON mv.member_id = h.member_id
    LEFT JOIN LATERAL (
      SELECT x.plan_id FROM paid_memberships x
      WHERE x.merchant_id = $1 AND x.member_id = mv.member_id AND x.since <= $2::timestamptz AND $2::timestamptz < x.expires_at
      ORDER BY x.since DESC LIMIT 1
    ) pm ON true
  WHERE ${events.map((e) => e.when).join(' OR ')}
  ON CONFLICT (merchant_id, idempotency_key) DO NOTHING
)`
  },
forget AS (DELETE FROM evaluation_marks WHERE merchant_id = $1)
SELECT (SELECT count(*) FROM mv)::int AS moved`;
  return { text, values };
}

/**
 * What a recalculation left for `merchant` at `at`, as one digest per table: members (every
 * column), the history, grants and outbox rows it wrote (ids, keys and run ids left out: the
 * engine's and the floor's identities differ; the outbox key is history:<id>).
 */
async function digest(tx: Transaction, merchant: string, at: Date, historyAfter: string): Promise<Record<string, string>> {
  const of = async (sql: string): Promise<string> => {
    const { rows } = await tx.query<{ d: string | null; n: number }>(
      `SELECT md5(string_agg(r, E'\\n' ORDER BY r)) AS d, count(*)::int AS n FROM (${sql}) q(r)`,
      [merchant, at, historyAfter],
    );
    return `${rows[0]?.n ?? 0} rows ${rows[0]?.d ?? '-'}`;
  };
  const queries: [string, string][] = [
    ['members', `SELECT (to_jsonb(m))::text FROM members m WHERE m.merchant_id = $1 AND $2::timestamptz IS NOT NULL AND $3::bigint IS NOT NULL`],
    [
      'history',
      `SELECT (to_jsonb(h) - 'history_id' - 'run_id')::text FROM member_history h WHERE h.merchant_id = $1 AND h.history_id > $3::bigint AND $2::timestamptz IS NOT NULL`,
    ],
    ['grants', `SELECT (to_jsonb(g) - 'run_id')::text FROM grants g WHERE g.merchant_id = $1 AND g.at = $2::timestamptz AND $3::bigint IS NOT NULL`],
    [
      'outbox',
      `SELECT (jsonb_set(to_jsonb(o) - 'outbox_id' - 'idempotency_key', '{payload,historyId}', 'null'))::text FROM outbox o
       WHERE o.merchant_id = $1 AND o.created_at = $2::timestamptz AND $3::bigint IS NOT NULL`,
    ],
  ];
  const out: Record<string, string> = {};
  for (const [name, sql] of queries) out[name] = await of(sql);
  return out;
}

/**
 * The engine (`engine`, e.g. recalculateInline) and the floor statement on the same data, each
 * from the same savepoint of one rolled-back transaction: the digests of what each left. Throws
 * when they differ.
 */
export async function sameResultCheck(db: Db, merchant: string, at: Date, floor: Statement, engine: (tx: Transaction) => Promise<unknown>): Promise<string> {
  return rolledBack(db, async (tx) => {
    const before = await tx.query<{ id: string | null }>('SELECT coalesce(max(history_id), 0)::text AS id FROM member_history WHERE merchant_id = $1', [
      merchant,
    ]);
    const after = before.rows[0]!.id!;
    await tx.query('SAVEPOINT same_result');
    await engine(tx);
    const byEngine = await digest(tx, merchant, at, after);
    await tx.query('ROLLBACK TO SAVEPOINT same_result');
    await useEngineSettings(tx);
    await tx.query(floor.text, [...floor.values]);
    const byFloor = await digest(tx, merchant, at, after);
    const differ = Object.keys(byEngine).filter((k) => byEngine[k] !== byFloor[k]);
    if (differ.length > 0) {
      throw new Error(`the same-result floor and the engine differ on ${differ.map((k) => `${k} (engine ${byEngine[k]}, floor ${byFloor[k]})`).join(', ')}`);
    }
    return Object.entries(byEngine)
      .map(([k, v]) => `${k} ${v.split(' ')[0]}`)
      .join(', ');
  });
}
