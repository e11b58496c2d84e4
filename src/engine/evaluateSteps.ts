/**
 * The daily evaluation (§3.3) as set-based statements over the members of a scope, run in the
 * reference model's order (src/rules/evaluate.ts): upgrade/requalify, extend, fall, refunds,
 * birthday, then the import watermark. Each reads what the one before it wrote.
 */
import type { Statement } from '../store/statement.js';
import { localDateOf, localMidnight } from '../model/localDate.js';
import { bind, listedMembers, membersOf, type Bound, type StepInput } from './scope.js';
import { writeMoves } from './moves.js';
import { evidenceDerivation } from './evidence.js';
import { BIRTH_MONTH_SQL } from './candidates.js';

/** The filter on orders `o` that single_order's amount leaves out when moving up: consumed ones. */
export function notConsumed(input: StepInput): string {
  return input.rules.basis === 'single_order' ? 'NOT o.consumed' : 'TRUE';
}

/** The largest import_seq among the orders and points entries of member `mb` (null for none). */
function seenSeq(b: Bound): string {
  return `GREATEST((SELECT max(o.import_seq) FROM orders o WHERE o.merchant_id = ${b.merchant} AND o.member_id = mb.member_id),
    (SELECT max(l.import_seq) FROM points_ledger l WHERE l.merchant_id = ${b.merchant} AND l.member_id = mb.member_id))`;
}

/**
 * Steps 1 and 2: up to qualified(m, t) without consumed orders; with recompute otherwise down to
 * the highest tier at or below the current one that all orders hold (requalify, v1.1 §3.2).
 * With `watermark`, it also moves the import watermark (watermarkStep) of the members it judges,
 * in the same writes: for a caller whose later steps do not read it (the refund step does).
 */
export function upgradeStep(input: StepInput, opts: { watermark?: boolean } = {}): Statement {
  const b = bind(input);
  const { r } = b;
  const watermark = opts.watermark === true;
  const recompute = input.rules.downgrade.mode === 'recompute';
  // Consumed orders count for holding only: a second measure when they can make a difference.
  const hold = recompute && notConsumed(input) !== 'TRUE';
  const text = `
WITH m AS (
  SELECT mb.member_id, mb.tier_id, ${r.rankOf('mb.tier_id')} AS cur_rank, ${r.windowColumns('w', b.t, 'mb.anchor_at', r.upwardFloor('mb.fell_at'))}${
    watermark ? `,
    mb.last_evaluated_seq AS lev, ${seenSeq(b)} AS seen_seq` : ''
  }
  FROM ${membersOf(b)} AND ${b.unpinned}
),
agg AS (
  SELECT m.member_id, ${r.measureColumns('w', notConsumed(input), input.rules.basis, 'w', true)}${hold ? `, ${r.measureColumns('h', 'TRUE', input.rules.basis, 'w', true)}` : ''}
  FROM m LEFT JOIN ${r.eligibleOrders(b.merchant, b.orders, r.sharedWindow(b.t))} o
    ON o.member_id = m.member_id AND ${r.withinWindows('w')}
  GROUP BY m.member_id
),
q AS (
  SELECT m.*, ${r.qualifiedRankOf('agg', 'w')} AS up_rank${recompute ? `, ${r.qualifiedRankOf('agg', hold ? 'h' : 'w', 'm.cur_rank')} AS hold_rank` : ''}
  FROM m JOIN agg ON agg.member_id = m.member_id
),
moves AS (
  SELECT q.*, CASE WHEN q.up_rank > q.cur_rank THEN q.up_rank ELSE ${recompute ? 'q.hold_rank' : 'q.cur_rank'} END AS q_rank,
    CASE WHEN q.up_rank > q.cur_rank THEN 'upgrade' ELSE 'requalify' END AS reason,
    ${r.windowBoundOfRank('q.up_rank', 'q', 'w', 'from')} AS w_from, ${r.windowBoundOfRank('q.up_rank', 'q', 'w', 'to')} AS w_to
  FROM q WHERE q.up_rank > q.cur_rank ${recompute ? 'OR q.hold_rank < q.cur_rank' : ''}
),
${writeMoves(b, { triggerWhen: `mv.reason = 'upgrade'`, triggerOrders: 'NOT o.consumed', grantWhen: `mv.reason = 'upgrade'`, triggerBounds: () => r.sharedWindow(b.t), watermark })}
SELECT (SELECT count(*) FROM moves)::int AS moved`;
  return { text, values: b.p.values };
}

/**
 * Step 3, first half (mode validity): expired members of an enabled tier whose extension standard
 * (its retain with retention, else its threshold) is met in [anchorAt, expiresAt) by the retention
 * basis, consumed orders left out, are extended. The caller repeats it until it extends nobody.
 */
export function extendStep(input: StepInput): Statement {
  const b = bind(input);
  const { r } = b;
  const text = `
WITH m AS (
  SELECT mb.member_id, mb.tier_id, mb.anchor_at, mb.expires_at, ${r.rankOf('mb.tier_id')} AS cur_rank
  FROM ${membersOf(b)} AND ${b.unpinned} AND ${r.heldTierEnabled('mb.tier_id')} AND mb.expires_at <= ${b.t}
),
agg AS (
  SELECT m.member_id, ${r.amountAggregateBy(input.rules.downgrade.retentionBasis, 'NOT o.consumed')} AS amt,
    count(o.member_id) FILTER (WHERE NOT o.consumed) AS cnt
  FROM m LEFT JOIN ${r.eligibleOrders(b.merchant, b.orders, { from: null, to: b.t })} o
    ON o.member_id = m.member_id AND ${r.inWindow('m.anchor_at', 'm.expires_at')}
  GROUP BY m.member_id
),
ext AS (SELECT m.* FROM m JOIN agg ON agg.member_id = m.member_id WHERE ${r.extensionMet('m.cur_rank', 'agg.amt', 'agg.cnt')}),
upd AS (
  UPDATE members u SET anchor_at = ext.expires_at, evidence_at = ext.expires_at, previous_anchor_at = u.anchor_at,
    extended_tier = u.tier_id, fell_from = NULL, fell_period_end = NULL, manual_tier = NULL, trigger_order_id = NULL, expires_at = ${r.extendedExpiry('ext.expires_at')}
  FROM ext WHERE u.merchant_id = ${b.merchant} AND u.member_id = ext.member_id
  RETURNING 1
),
hist AS (
  INSERT INTO member_history (merchant_id, member_id, from_tier, to_tier, at, reason, version, run_id)
  SELECT ${b.merchant}, ext.member_id, ext.tier_id, ext.tier_id, ${b.t}, 'extend', ${b.version}, ${b.run} FROM ext
  RETURNING 1
)
SELECT (SELECT count(*) FROM ext)::int AS moved`;
  return { text, values: b.p.values };
}

/**
 * Step 3, second half: members still expired fall sequentially: the highest tier below their own
 * that qualifies at t on its upgrade conditions, else basic (reason expire). No renewal. The fall
 * is recorded (fell_at, fell_from): orders paid before it never move the member up again.
 */
export function fallStep(input: StepInput): Statement {
  const b = bind(input);
  const { r } = b;
  const text = `
WITH m AS (
  SELECT mb.member_id, mb.tier_id, ${r.rankOf('mb.tier_id')} AS cur_rank, ${r.windowColumns('w', b.t, 'mb.anchor_at')}
  FROM ${membersOf(b)} AND ${b.unpinned} AND mb.tier_id IS NOT NULL AND mb.expires_at <= ${b.t}
),
agg AS (
  SELECT m.member_id, ${r.measureColumns('w', notConsumed(input), input.rules.basis, 'w', true)}
  FROM m LEFT JOIN ${r.eligibleOrders(b.merchant, b.orders, r.sharedWindow(b.t))} o
    ON o.member_id = m.member_id AND ${r.withinWindows('w')}
  GROUP BY m.member_id
),
moves AS (
  SELECT m.*, ${r.qualifiedRankOf('agg', 'w', 'm.cur_rank - 1')} AS q_rank, 'expire'::text AS reason
  FROM m JOIN agg ON agg.member_id = m.member_id
),
${writeMoves(b, { triggerWhen: null, triggerOrders: 'FALSE', grantWhen: 'FALSE', fall: true })}
SELECT (SELECT count(*) FROM moves)::int AS moved`;
  return { text, values: b.p.values };
}

/**
 * Step 4 (refunds: recalculate, modes never and validity): a member with a refund or
 * cancellation imported since their last evaluation is re-derived as of evidenceAt (and never
 * below qualified(m, t), which then becomes their evidence); a lower result demotes, keeping
 * tierSince, evidenceAt and expiresAt.
 */
export function refundStep(input: StepInput): Statement {
  const b = bind(input);
  const { r } = b;
  const asOf = evidenceDerivation(b, 'm');
  const text = `
WITH m AS (
  SELECT mb.member_id, mb.tier_id, ${r.rankOf('mb.tier_id')} AS cur_rank, ${r.windowColumns('w', b.t, 'mb.anchor_at', r.upwardFloor('mb.fell_at'))},
    ${asOf.columns}
  FROM ${membersOf(b)} AND ${b.unpinned} AND mb.tier_id IS NOT NULL
    AND EXISTS (SELECT 1 FROM orders x WHERE x.merchant_id = ${b.merchant} AND x.member_id = mb.member_id
      AND x.import_seq > mb.last_evaluated_seq AND (x.status <> 'paid' OR x.refunded_minor > 0))
),
agg AS (
  SELECT m.member_id, ${r.measureColumns('w', notConsumed(input))}, ${asOf.measures}
  FROM m LEFT JOIN ${r.eligibleOrders(b.merchant, b.orders)} o ON o.member_id = m.member_id
  GROUP BY m.member_id
),
ranks AS (
  SELECT m.member_id, m.tier_id, m.cur_rank, ${r.qualifiedRankOf('agg', 'w')} AS now_rank, ${asOf.rank('agg')} AS a_rank
  FROM m JOIN agg ON agg.member_id = m.member_id
),
moves AS (SELECT ranks.*, GREATEST(ranks.now_rank, ranks.a_rank) AS d_rank FROM ranks WHERE GREATEST(ranks.now_rank, ranks.a_rank) < ranks.cur_rank),
upd AS (
  UPDATE members u SET tier_id = mv.to_tier, anchor_at = ${b.t},
    expires_at = CASE WHEN mv.d_rank < 0 THEN NULL ELSE u.expires_at END,
    evidence_at = CASE WHEN mv.now_rank > mv.a_rank THEN ${b.t} ELSE u.evidence_at END,
    previous_anchor_at = CASE WHEN mv.now_rank > mv.a_rank THEN u.anchor_at ELSE u.previous_anchor_at END,
    extended_tier = CASE WHEN mv.now_rank > mv.a_rank THEN NULL ELSE u.extended_tier END,
    fell_from = CASE WHEN mv.now_rank > mv.a_rank THEN NULL ELSE u.fell_from END,
    fell_period_end = CASE WHEN mv.now_rank > mv.a_rank THEN NULL ELSE u.fell_period_end END,
    manual_tier = CASE WHEN mv.now_rank > mv.a_rank THEN NULL ELSE u.manual_tier END,
    trigger_order_id = CASE WHEN mv.now_rank > mv.a_rank THEN NULL ELSE u.trigger_order_id END
  FROM (SELECT moves.*, ${r.idOf('moves.d_rank')} AS to_tier FROM moves) mv WHERE u.merchant_id = ${b.merchant} AND u.member_id = mv.member_id
  RETURNING 1
),
hist AS (
  INSERT INTO member_history (merchant_id, member_id, from_tier, to_tier, at, reason, version, run_id)
  SELECT ${b.merchant}, mv.member_id, mv.tier_id, ${r.idOf('mv.d_rank')}, ${b.t}, 'refund', ${b.version}, ${b.run} FROM moves mv
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
  const dueAt = localMidnight(`${year}-${today.slice(5, 7)}-01`, input.rules.timezone);
  const text = `
INSERT INTO grants (merchant_id, member_id, grant_key, type, tier_id, due_at, at, points, version, run_id)
SELECT ${b.merchant}, mb.member_id, ${b.p.add(`birthday_discount:${year}`, '::text')}, 'birthday_discount', mb.tier_id,
  ${b.p.add(dueAt, '::timestamptz')}, ${b.t}, NULL, ${b.version}, ${b.run}
FROM ${membersOf(b)} AND mb.birthday IS NOT NULL AND mb.tier_id = ANY(${b.r.birthdayTiers()})
  AND ${BIRTH_MONTH_SQL} = ${b.p.add(today.slice(5, 7), '::text')}
ON CONFLICT DO NOTHING`;
  return { text, values: b.p.values };
}

/**
 * The largest import_seq among each member's orders and points entries becomes their
 * last_evaluated_seq (pinned members' imports wait for the pin's end). An incremental evaluation
 * moves its candidates' only: every other member has nothing imported since the last evaluation
 * (or is pinned).
 */
export function watermarkStep(input: StepInput): Statement {
  const b = bind(input);
  const source = b.listed === null ? 'members mb' : listedMembers(b);
  const text = `
UPDATE members u SET last_evaluated_seq = x.seq
FROM (
  SELECT mb.member_id, GREATEST(s.seq, pl.seq) AS seq
  FROM ${source} CROSS JOIN LATERAL (SELECT max(o.import_seq) AS seq FROM orders o
    WHERE o.merchant_id = ${b.merchant} AND o.member_id = mb.member_id) s
  CROSS JOIN LATERAL (SELECT max(l.import_seq) AS seq FROM points_ledger l
    WHERE l.merchant_id = ${b.merchant} AND l.member_id = mb.member_id) pl
  WHERE ${b.membersUnlisted} AND ${b.unpinned} AND GREATEST(s.seq, pl.seq) > mb.last_evaluated_seq
) x
WHERE u.merchant_id = ${b.merchant} AND u.member_id = x.member_id`;
  return { text, values: b.p.values };
}
