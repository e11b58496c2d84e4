/**
 * A rule change taking effect at T (§3.5) as set-based statements, the reference model's
 * recalculateMember (src/rules/recalculate.ts) for all members of a scope at once. The same
 * derivation feeds plan's impact, which only counts it.
 */
import type { ExistingMembers } from '../rules/index.js';
import type { Statement } from '../store/statement.js';
import { bind, type Bound, type StepInput } from './scope.js';
import { writeMoves } from './moves.js';
import { evidenceDerivation } from './evidence.js';

/**
 * CTEs `m`, `ranks` (preceded by `agg` unless the orders are grouped first), `d` and `moves`
 * (comma-terminated): every member's derived tier at T (mode recompute: what steps 1 and 2 give;
 * modes never and validity: the higher of qualified(m, T) and, for a member who holds a tier, the
 * tier as of evidenceAt under the new rules), and the members who move under `existingMembers`. `up` moves start a fresh period; those justified by
 * qualified(m, T) (`via_evidence` false) also take T as their evidence.
 */
function derivation(b: Bound, existingMembers: ExistingMembers): string {
  const { r } = b;
  const recompute = r.rules.downgrade.mode === 'recompute';
  const single = r.rules.basis === 'single_order';
  const evidence = recompute ? null : evidenceDerivation(b, 'm');
  const hold = recompute && single;
  const measures = (): string =>
    [
      r.measureColumns('w', single ? 'NOT o.consumed' : 'TRUE', r.rules.basis, 'w', recompute),
      ...(hold ? [r.measureColumns('h', 'TRUE', r.rules.basis, 'w', true)] : []),
      ...(evidence ? [evidence.measures] : []),
    ].join(', ');
  const asOfRank = evidence ? `CASE WHEN m.tier_id IS NULL THEN -1 ELSE ${evidence.rank('agg')} END` : '-1';
  // Orders grouped per member first, then joined to the members (see RulesSql.sharedWindows):
  // the grouped measures and the member columns meet in one row source, `mx`.
  const shared = recompute && r.sharedWindows;
  const src = shared ? 'mx' : 'agg';
  const held = `${shared ? 'mx' : 'm'}.held_rank`;
  const nowRank = recompute
    ? `CASE WHEN ${r.qualifiedRankOf(src, 'w')} > ${held} THEN ${r.qualifiedRankOf(src, 'w')}
        ELSE ${r.qualifiedRankOf(src, hold ? 'h' : 'w', held)} END`
    : r.qualifiedRankOf(src, 'w');
  const ranks = shared
    ? `ranks AS (
  SELECT mx.*, ${nowRank} AS n_rank, -1 AS a_rank
  FROM (
    SELECT m.*, ${r.sharedMeasureValues('w', 'a')}${hold ? `, ${r.sharedMeasureValues('h', 'a')}` : ''}
    FROM m LEFT JOIN (
      SELECT o.member_id, ${r.sharedMeasureColumns('w', b.t, single ? 'NOT o.consumed' : 'TRUE')}${hold ? `, ${r.sharedMeasureColumns('h', b.t, 'TRUE')}` : ''}
      FROM ${r.eligibleOrders(b.merchant, b.orders, r.sharedWindow(b.t))} o
      GROUP BY o.member_id
    ) a ON a.member_id = m.member_id
  ) mx
),`
    : `agg AS (
  SELECT m.member_id, ${measures()}
  FROM m LEFT JOIN ${r.eligibleOrders(b.merchant, b.orders, recompute ? r.sharedWindow(b.t) : undefined)} o
    ON o.member_id = m.member_id${recompute ? ` AND ${r.withinWindows('w')}` : ''}
  GROUP BY m.member_id
),
ranks AS (
  SELECT m.*, ${nowRank} AS n_rank, ${asOfRank} AS a_rank
  FROM m JOIN agg ON agg.member_id = m.member_id
),`;
  const moves =
    existingMembers === 'recalculate'
      ? 'TRUE'
      : existingMembers === 'upgrade_only'
        ? `(d.must_move OR d.q_rank > d.held_rank)`
        : `d.must_move`;
  return `
WITH m AS (
  SELECT mb.member_id, mb.tier_id, ${r.rankOf('mb.tier_id')} AS cur_rank, ${r.heldRank('mb.tier_id')} AS held_rank,
    (mb.tier_id IS NOT NULL AND NOT ${r.heldTierEnabled('mb.tier_id')}) AS must_move,
    (mb.pinned_until IS NOT NULL AND mb.pinned_until > ${b.t}) AS pinned,
    ${r.windowColumns('w', b.t, 'mb.anchor_at', r.upwardFloor('mb.fell_at'))}${evidence ? `, ${evidence.columns}` : ''}
  FROM members mb WHERE ${b.members}
),
${ranks}
d AS (
  SELECT ranks.member_id, ranks.tier_id, ranks.cur_rank, ranks.held_rank, ranks.must_move, ranks.pinned,
    (ranks.a_rank > ranks.n_rank) AS via_evidence,
    GREATEST(ranks.n_rank, ranks.a_rank) AS q_rank,
    ${r.windowBoundOfRank('ranks.n_rank', 'ranks', 'w', 'from')} AS w_from, ${r.windowBoundOfRank('ranks.n_rank', 'ranks', 'w', 'to')} AS w_to
  FROM ranks
),
moves AS (
  SELECT d.*, 'rule_change'::text AS reason, (d.q_rank > d.held_rank) AS up FROM d
  WHERE ${r.idOf('d.q_rank')} IS DISTINCT FROM d.tier_id AND (d.must_move OR (NOT d.pinned AND ${moves}))
),`;
}

/** Moves every member whose tier the new rules change; returns `moved`. */
export function recalculateStep(input: StepInput, existingMembers: ExistingMembers): Statement {
  const b = bind(input);
  const text = `${derivation(b, existingMembers)}
${writeMoves(b, {
  triggerWhen: 'mv.up AND NOT mv.via_evidence',
  triggerOrders: 'NOT o.consumed',
  // Every W(m, T) lies within the shared window, so the trigger search reads only its orders.
  triggerBounds: () => b.r.sharedWindow(b.t),
  grantWhen: 'mv.up',
  fresh: 'mv.up',
  evidence: 'mv.up AND NOT mv.via_evidence',
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
  FROM d LEFT JOIN moves mv ON mv.member_id = d.member_id
)
SELECT COALESCE(before_tier, 'basic') AS from_tier, COALESCE(after_tier, 'basic') AS to_tier, count(*)::int AS n
FROM final GROUP BY 1, 2`;
  return { text, values: b.p.values };
}
