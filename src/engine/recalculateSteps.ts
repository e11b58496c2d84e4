/**
 * A rule change taking effect at T (§3.5) as set-based statements, the reference model's
 * recalculateMember (src/rules/recalculate.ts) for all members of a scope at once. The same
 * derivation feeds plan's impact, which only counts it.
 */
import type { ExistingMembers } from '../rules/index.js';
import type { Statement } from '../store/statement.js';
import { bind, type Bound, type StepInput } from './scope.js';
import { writeMoves } from './moves.js';

/**
 * CTEs `m`, `agg`, `d` and `moves` (comma-terminated): every member's derived tier at T (the
 * higher of qualified(m, T) and, in modes never and validity, the tier reached as of tierSince
 * under the new rules), and the members who move under `existingMembers`.
 */
function derivation(b: Bound, existingMembers: ExistingMembers): string {
  const { r } = b;
  const recompute = r.rules.downgrade.mode === 'recompute';
  const single = r.rules.basis === 'single_order';
  const now = r.window(b.t, 'mb.anchor_at');
  const asOf = recompute ? { from: null, to: 'NULL::timestamptz' } : r.window('mb.tier_since', 'mb.previous_anchor_at');
  const free = single && !recompute ? 'NOT o.consumed' : 'TRUE';
  const asOfFree = single ? '(NOT o.consumed OR o.order_id = m.trigger_order_id)' : 'TRUE';
  const inNow = r.inWindow('m.w_from', 'm.w_to');
  const inAsOf = r.inWindow('m.a_from', 'm.a_to');
  const asOfColumns = recompute
    ? ''
    : `, ${r.amountAggregate(`${inAsOf} AND ${asOfFree}`)} AS a_amt, count(o.member_id) FILTER (WHERE ${inAsOf}) AS a_cnt`;
  const asOfRank = recompute
    ? '-1'
    : `CASE WHEN m.tier_id IS NULL OR m.tier_since IS NULL THEN -1 ELSE ${r.qualifiedRank('agg.a_amt', 'agg.a_cnt')} END`;
  const moves =
    existingMembers === 'recalculate'
      ? 'TRUE'
      : existingMembers === 'upgrade_only'
        ? `(d.must_move OR d.q_rank > d.cur_rank)`
        : `d.must_move`;
  return `
WITH m AS (
  SELECT mb.merchant_id, mb.member_id, mb.tier_id, mb.tier_since, mb.trigger_order_id, ${r.rankOf('mb.tier_id')} AS cur_rank,
    (mb.tier_id IS NOT NULL AND NOT ${r.heldTierEnabled('mb.tier_id')}) AS must_move,
    ${now.from ?? 'NULL::timestamptz'} AS w_from, ${now.to} AS w_to,
    ${asOf.from ?? 'NULL::timestamptz'} AS a_from, ${asOf.to} AS a_to
  FROM members mb WHERE ${b.members}
),
agg AS (
  SELECT m.merchant_id, m.member_id,
    ${r.amountAggregate(`${inNow} AND ${free}`)} AS n_amt, count(o.member_id) FILTER (WHERE ${inNow}) AS n_cnt${asOfColumns}
  FROM m LEFT JOIN ${r.eligibleOrders(b.merchant, b.orders, recompute ? r.sharedWindow(b.t) : undefined)} o ON o.merchant_id = m.merchant_id AND o.member_id = m.member_id
  GROUP BY m.merchant_id, m.member_id
),
ranks AS (
  SELECT m.*, ${r.qualifiedRank('agg.n_amt', 'agg.n_cnt')} AS n_rank, ${asOfRank} AS a_rank
  FROM m JOIN agg ON agg.merchant_id = m.merchant_id AND agg.member_id = m.member_id
),
d AS (
  SELECT ranks.merchant_id, ranks.member_id, ranks.tier_id, ranks.cur_rank, ranks.must_move, ranks.trigger_order_id,
    (ranks.a_rank > ranks.n_rank) AS via_asof,
    GREATEST(ranks.n_rank, ranks.a_rank) AS q_rank,
    CASE WHEN ranks.a_rank > ranks.n_rank THEN ranks.a_from ELSE ranks.w_from END AS w_from,
    CASE WHEN ranks.a_rank > ranks.n_rank THEN ranks.a_to ELSE ranks.w_to END AS w_to
  FROM ranks
),
moves AS (
  SELECT d.*, 'rule_change'::text AS reason FROM d
  WHERE ${r.idOf('d.q_rank')} IS DISTINCT FROM d.tier_id AND ${moves}
),`;
}

/** Moves every member whose tier the new rules change; returns `moved`. */
export function recalculateStep(input: StepInput, existingMembers: ExistingMembers): Statement {
  const b = bind(input);
  const up = 'mv.q_rank > mv.cur_rank AND mv.q_rank >= 0';
  const text = `${derivation(b, existingMembers)}
${writeMoves(b, {
  triggerWhen: up,
  triggerOrders: '(NOT o.consumed OR (mv.via_asof AND o.order_id = mv.trigger_order_id))',
  grantWhen: up,
})}
SELECT (SELECT count(*) FROM moves)::int AS moved`;
  return { text, values: b.p.values };
}

/**
 * Members who keep their tier keep expiresAt, except that the new rules' validity starts one at
 * T for a member who had none, and rules without validity drop it.
 */
export function fitExpiryStep(input: StepInput): Statement {
  const b = bind(input);
  const text =
    input.rules.downgrade.mode === 'validity'
      ? `UPDATE members mb SET expires_at = ${b.r.freshExpiry(b.t)} WHERE ${b.members} AND mb.tier_id IS NOT NULL AND mb.expires_at IS NULL`
      : `UPDATE members mb SET expires_at = NULL WHERE ${b.members} AND mb.expires_at IS NOT NULL`;
  return { text, values: b.p.values };
}

/**
 * The members the recalculation would move, one row each, not written: plan's impact pairs the
 * moves of the new rules with those of the current ones (drift) member by member.
 */
export function movesQuery(input: StepInput, existingMembers: ExistingMembers): Statement {
  const b = bind(input);
  const text = `${derivation(b, existingMembers)}
listed AS (SELECT mv.member_id, mv.tier_id AS before_tier, ${b.r.idOf('mv.q_rank')} AS after_tier, mv.must_move FROM moves mv)
SELECT member_id, COALESCE(before_tier, 'basic') AS from_tier, COALESCE(after_tier, 'basic') AS to_tier, must_move
FROM listed ORDER BY member_id`;
  return { text, values: b.p.values };
}

/** The recalculation's effect, counted and not written: before, after and transitions. */
export function impactQuery(input: StepInput, existingMembers: ExistingMembers): Statement {
  const b = bind(input);
  const text = `${derivation(b, existingMembers)}
final AS (
  SELECT d.tier_id AS before_tier,
    CASE WHEN mv.member_id IS NULL THEN d.tier_id ELSE ${b.r.idOf('mv.q_rank')} END AS after_tier
  FROM d LEFT JOIN moves mv ON mv.merchant_id = d.merchant_id AND mv.member_id = d.member_id
)
SELECT COALESCE(before_tier, 'basic') AS from_tier, COALESCE(after_tier, 'basic') AS to_tier, count(*)::int AS n
FROM final GROUP BY 1, 2`;
  return { text, values: b.p.values };
}
