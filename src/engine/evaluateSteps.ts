/**
 * The daily evaluation (§3.3) as set-based statements over the members of a scope, run in the
 * reference model's order (src/rules/evaluate.ts): upgrade/requalify, extend, fall, refunds,
 * birthday, then the import watermark. Each reads what the one before it wrote.
 */
import type { Statement } from '../store/statement.js';
import { localDateOf, localMidnight } from '../model/localDate.js';
import { bind, type StepInput } from './scope.js';
import { writeMoves } from './moves.js';

/** The filter on orders `o` that single_order's amount leaves out (consumedFor). */
function notConsumed(input: StepInput): string {
  return input.rules.basis === 'single_order' && input.rules.downgrade.mode !== 'recompute' ? 'NOT o.consumed' : 'TRUE';
}

/** Steps 1 and 2: up to qualified(m, t); with recompute also down to it (requalify). */
export function upgradeStep(input: StepInput): Statement {
  const b = bind(input);
  const { r } = b;
  const recompute = input.rules.downgrade.mode === 'recompute';
  const w = r.window(b.t, 'mb.anchor_at');
  const text = `
WITH m AS (
  SELECT mb.merchant_id, mb.member_id, mb.tier_id, ${r.rankOf('mb.tier_id')} AS cur_rank,
    ${w.from ?? 'NULL::timestamptz'} AS w_from, ${w.to} AS w_to
  FROM members mb WHERE ${b.members}
),
agg AS (
  SELECT m.merchant_id, m.member_id, ${r.amountAggregate(notConsumed(input))} AS amt, count(o.member_id) AS cnt
  FROM m LEFT JOIN ${r.eligibleOrders(b.merchant, b.orders, r.sharedWindow(b.t))} o
    ON o.merchant_id = m.merchant_id AND o.member_id = m.member_id AND ${r.inWindow('m.w_from', 'm.w_to')}
  GROUP BY m.merchant_id, m.member_id
),
q AS (SELECT m.*, ${r.qualifiedRank('agg.amt', 'agg.cnt')} AS q_rank FROM m JOIN agg ON agg.merchant_id = m.merchant_id AND agg.member_id = m.member_id),
moves AS (
  SELECT q.*, CASE WHEN q.q_rank > q.cur_rank THEN 'upgrade' ELSE 'requalify' END AS reason
  FROM q WHERE q.q_rank > q.cur_rank ${recompute ? 'OR q.q_rank < q.cur_rank' : ''}
),
${writeMoves(b, { triggerWhen: `mv.reason = 'upgrade'`, triggerOrders: 'NOT o.consumed', grantWhen: `mv.reason = 'upgrade'`, triggerBounds: () => r.sharedWindow(b.t) })}
SELECT (SELECT count(*) FROM moves)::int AS moved`;
  return { text, values: b.p.values };
}

/** Ids of tiers with a retention standard, when the rules extend at all. */
export function retainedTiers(input: StepInput): string[] {
  if (input.rules.downgrade.extend === null) return [];
  return input.rules.tiers.filter((t) => t.retain !== null).map((t) => t.id);
}

/**
 * Step 3, first half: expired members whose retention is met in [anchorAt, expiresAt) (eligible,
 * triggers excluded) are extended. The caller repeats it until it extends nobody.
 */
export function extendStep(input: StepInput): Statement {
  const b = bind(input);
  const { r } = b;
  const text = `
WITH m AS (
  SELECT mb.merchant_id, mb.member_id, mb.tier_id, mb.anchor_at, mb.expires_at, ${r.rankOf('mb.tier_id')} AS cur_rank
  FROM members mb
  WHERE ${b.members} AND mb.tier_id = ANY(${b.p.add(retainedTiers(input), '::text[]')}) AND mb.expires_at <= ${b.t}
),
agg AS (
  SELECT m.merchant_id, m.member_id, ${r.amountAggregate('NOT o.consumed')} AS amt, count(o.member_id) FILTER (WHERE NOT o.consumed) AS cnt
  FROM m LEFT JOIN ${r.eligibleOrders(b.merchant, b.orders, { from: null, to: b.t })} o
    ON o.merchant_id = m.merchant_id AND o.member_id = m.member_id AND ${r.inWindow('m.anchor_at', 'm.expires_at')}
  GROUP BY m.merchant_id, m.member_id
),
ext AS (SELECT m.* FROM m JOIN agg ON agg.merchant_id = m.merchant_id AND agg.member_id = m.member_id WHERE ${r.retentionMet('m.cur_rank', 'agg.amt', 'agg.cnt')}),
upd AS (
  UPDATE members u SET anchor_at = ext.expires_at, expires_at = ${r.extendedExpiry('ext.expires_at')}
  FROM ext WHERE u.merchant_id = ${b.merchant} AND u.merchant_id = ext.merchant_id AND u.member_id = ext.member_id
  RETURNING 1
),
hist AS (
  INSERT INTO member_history (merchant_id, member_id, from_tier, to_tier, at, reason, version, run_id)
  SELECT ext.merchant_id, ext.member_id, ext.tier_id, ext.tier_id, ${b.t}, 'extend', ${b.version}, ${b.run} FROM ext
  RETURNING 1
)
SELECT (SELECT count(*) FROM ext)::int AS moved`;
  return { text, values: b.p.values };
}

/**
 * Step 3, second half: members still expired fall sequentially: the highest tier at or below
 * their own that qualifies at t (their own: renew), else basic (expire).
 */
export function fallStep(input: StepInput): Statement {
  const b = bind(input);
  const { r } = b;
  const w = r.window(b.t, 'mb.anchor_at');
  const text = `
WITH m AS (
  SELECT mb.merchant_id, mb.member_id, mb.tier_id, ${r.rankOf('mb.tier_id')} AS cur_rank,
    ${w.from ?? 'NULL::timestamptz'} AS w_from, ${w.to} AS w_to
  FROM members mb WHERE ${b.members} AND mb.tier_id IS NOT NULL AND mb.expires_at <= ${b.t}
),
agg AS (
  SELECT m.merchant_id, m.member_id, ${r.amountAggregate(notConsumed(input))} AS amt, count(o.member_id) AS cnt
  FROM m LEFT JOIN ${r.eligibleOrders(b.merchant, b.orders, r.sharedWindow(b.t))} o
    ON o.merchant_id = m.merchant_id AND o.member_id = m.member_id AND ${r.inWindow('m.w_from', 'm.w_to')}
  GROUP BY m.merchant_id, m.member_id
),
q AS (SELECT m.*, ${r.qualifiedRank('agg.amt', 'agg.cnt', 'm.cur_rank')} AS q_rank FROM m JOIN agg ON agg.merchant_id = m.merchant_id AND agg.member_id = m.member_id),
moves AS (
  SELECT q.*, CASE WHEN q.q_rank >= 0 AND q.q_rank = q.cur_rank THEN 'renew' ELSE 'expire' END AS reason FROM q
),
${writeMoves(b, { triggerWhen: `mv.reason = 'renew'`, triggerOrders: 'NOT o.consumed', grantWhen: 'FALSE', triggerBounds: () => r.sharedWindow(b.t) })}
SELECT (SELECT count(*) FROM moves)::int AS moved`;
  return { text, values: b.p.values };
}

/**
 * Step 4 (refunds: recalculate, modes never and validity): a member with a refund or
 * cancellation imported since their last evaluation is re-derived as of tierSince (and never
 * below qualified(m, t)); a lower result demotes, keeping tierSince and expiresAt.
 */
export function refundStep(input: StepInput): Statement {
  const b = bind(input);
  const { r } = b;
  const now = r.window(b.t, 'mb.anchor_at');
  const asOf = r.window('mb.tier_since', 'mb.previous_anchor_at');
  const free = notConsumed(input);
  const asOfFree = free === 'TRUE' ? 'TRUE' : '(NOT o.consumed OR o.order_id = m.trigger_order_id)';
  const text = `
WITH m AS (
  SELECT mb.merchant_id, mb.member_id, mb.tier_id, mb.tier_since, mb.trigger_order_id, ${r.rankOf('mb.tier_id')} AS cur_rank,
    ${now.from ?? 'NULL::timestamptz'} AS w_from, ${now.to} AS w_to,
    ${asOf.from ?? 'NULL::timestamptz'} AS a_from, ${asOf.to} AS a_to
  FROM members mb
  WHERE ${b.members} AND mb.tier_id IS NOT NULL
    AND EXISTS (SELECT 1 FROM orders x WHERE x.merchant_id = mb.merchant_id AND x.member_id = mb.member_id
      AND x.import_seq > mb.last_evaluated_seq AND (x.status <> 'paid' OR x.refunded_minor > 0))
),
agg AS (
  SELECT m.merchant_id, m.member_id, m.tier_id, m.tier_since, m.cur_rank,
    ${r.amountAggregate(`${r.inWindow('m.w_from', 'm.w_to')} AND ${free}`)} AS now_amt,
    count(o.member_id) FILTER (WHERE ${r.inWindow('m.w_from', 'm.w_to')}) AS now_cnt,
    ${r.amountAggregate(`${r.inWindow('m.a_from', 'm.a_to')} AND ${asOfFree}`)} AS a_amt,
    count(o.member_id) FILTER (WHERE ${r.inWindow('m.a_from', 'm.a_to')}) AS a_cnt
  FROM m LEFT JOIN ${r.eligibleOrders(b.merchant, b.orders)} o ON o.merchant_id = m.merchant_id AND o.member_id = m.member_id
  GROUP BY m.merchant_id, m.member_id, m.tier_id, m.tier_since, m.cur_rank
),
d AS (
  SELECT agg.*, GREATEST(${r.qualifiedRank('agg.now_amt', 'agg.now_cnt')},
    CASE WHEN agg.tier_since IS NULL THEN -1 ELSE ${r.qualifiedRank('agg.a_amt', 'agg.a_cnt')} END) AS d_rank
  FROM agg
),
moves AS (SELECT d.* FROM d WHERE d.d_rank < d.cur_rank),
upd AS (
  UPDATE members u SET tier_id = mv.to_tier, anchor_at = ${b.t},
    expires_at = CASE WHEN mv.d_rank < 0 THEN NULL ELSE u.expires_at END
  FROM (SELECT moves.*, ${r.idOf('moves.d_rank')} AS to_tier FROM moves) mv
  WHERE u.merchant_id = ${b.merchant} AND u.merchant_id = mv.merchant_id AND u.member_id = mv.member_id
  RETURNING 1
),
hist AS (
  INSERT INTO member_history (merchant_id, member_id, from_tier, to_tier, at, reason, version, run_id)
  SELECT mv.merchant_id, mv.member_id, mv.tier_id, ${r.idOf('mv.d_rank')}, ${b.t}, 'refund', ${b.version}, ${b.run} FROM moves mv
  RETURNING 1
)
SELECT (SELECT count(*) FROM moves)::int AS moved`;
  return { text, values: b.p.values };
}

/**
 * §3.6 birthday_discount: once per member per year, at the first evaluation in the birth month,
 * while the member's tier carries it. Falls due at local midnight of the 1st of the month.
 */
export function birthdayStep(input: StepInput): Statement {
  const b = bind(input);
  const today = localDateOf(input.at, input.rules.timezone);
  const year = today.slice(0, 4);
  const month = Number(today.slice(5, 7));
  const dueAt = localMidnight(`${year}-${today.slice(5, 7)}-01`, input.rules.timezone);
  const birthMonthSql = `(CASE WHEN length(mb.birthday) = 5 THEN substr(mb.birthday, 1, 2) ELSE substr(mb.birthday, 6, 2) END)::int`;
  const text = `
INSERT INTO grants (merchant_id, member_id, grant_key, type, tier_id, due_at, at, points, version, run_id)
SELECT mb.merchant_id, mb.member_id, ${b.p.add(`birthday_discount:${year}`, '::text')}, 'birthday_discount', mb.tier_id,
  ${b.p.add(dueAt, '::timestamptz')}, ${b.t}, NULL, ${b.version}, ${b.run}
FROM members mb
WHERE ${b.members} AND mb.birthday IS NOT NULL AND mb.tier_id = ANY(${b.r.birthdayTiers()})
  AND ${birthMonthSql} = ${b.p.add(month, '::int')}
ON CONFLICT DO NOTHING`;
  return { text, values: b.p.values };
}

/** The largest import_seq among each member's orders becomes their last_evaluated_seq. */
export function watermarkStep(input: StepInput): Statement {
  const b = bind(input);
  const text = `
UPDATE members u SET last_evaluated_seq = x.seq
FROM (
  SELECT mb.merchant_id, mb.member_id, s.seq
  FROM members mb CROSS JOIN LATERAL (SELECT max(o.import_seq) AS seq FROM orders o
    WHERE o.merchant_id = mb.merchant_id AND o.member_id = mb.member_id) s
  WHERE ${b.members} AND s.seq > mb.last_evaluated_seq
) x
WHERE u.merchant_id = ${b.merchant} AND u.merchant_id = x.merchant_id AND u.member_id = x.member_id`;
  return { text, values: b.p.values };
}
