/**
 * The write half shared by every engine statement: given a CTE `moves` of members changing tier
 * (merchant_id, member_id, tier_id, q_rank, reason, w_from, w_to, trig_filter…), it builds the CTEs that pick
 * the triggering order (single_order), update the members, mark the trigger consumed, append
 * history and grant upgrade points once per member per tier ever (§3.3, §3.5, §3.6).
 *
 * On Citus every engine statement must stay a router query (one shard group, run on its worker):
 * every CTE carries merchant_id, every join and write matches on it, and no UPDATE sets a column
 * straight from an array subscript (Citus 13.2 crashes planning that; the tier id is computed in
 * a subquery instead). Citus runs an INSERT in a CTE as a statement of its own after the CTEs it
 * reads, so `pts` comes before `hist`: it must not see the history rows this statement writes
 * (on one server every CTE sees the same snapshot, so the order changes nothing there), and the
 * first-time check is a join, not a correlated subquery (which Citus cannot plan there).
 */
import type { Bound } from './scope.js';
import type { Window } from './sqlRules.js';

export interface MoveWrites {
  /** Which moves may consume a triggering order (SQL predicate on `mv`), or null for none. */
  triggerWhen: string | null;
  /** Extra predicate on the candidate trigger orders `o` (besides the window `mv.w_from/w_to`). */
  triggerOrders: string;
  /** Which moves are upgrades that grant one-time benefits (SQL predicate on `mv`). */
  grantWhen: string;
  /** Bounds every trigger window lies within, when known (the shared part of W(m, t)); called only when used. */
  triggerBounds?: () => Window;
}

/** CTEs (comma-terminated) writing the moves in CTE `moves`. */
export function writeMoves(b: Bound, w: MoveWrites): string {
  const { r } = b;
  const trigger =
    w.triggerWhen !== null && r.rules.basis === 'single_order'
      ? `trig AS (
  SELECT DISTINCT ON (mv.member_id) mv.merchant_id, mv.member_id, o.order_id, o.net, mv.q_rank
  FROM moves mv JOIN ${r.eligibleOrders(b.merchant, b.orders, w.triggerBounds?.())} o
    ON o.merchant_id = mv.merchant_id AND o.member_id = mv.member_id AND ${r.inWindow('mv.w_from', 'mv.w_to')} AND ${w.triggerOrders}
  WHERE ${w.triggerWhen}
  ORDER BY mv.member_id, o.net DESC, o.paid_at, o.order_id COLLATE "C"
),
tg AS (
  SELECT trig.merchant_id, trig.member_id, trig.order_id AS trigger_id FROM trig
  WHERE ${r.thresholdAmount('trig.q_rank')} > 0 AND trig.net >= ${r.thresholdAmount('trig.q_rank')}
),`
      : `tg AS (SELECT NULL::text AS merchant_id, NULL::text AS member_id, NULL::text AS trigger_id WHERE FALSE),`;
  return `${trigger}
upd AS (
  UPDATE members u SET tier_id = mv.to_tier, tier_since = ${b.t}, previous_anchor_at = u.anchor_at,
    anchor_at = ${b.t}, expires_at = CASE WHEN mv.q_rank >= 0 THEN ${r.freshExpiry(b.t)} END, trigger_order_id = tg.trigger_id
  FROM (SELECT moves.*, ${r.idOf('moves.q_rank')} AS to_tier FROM moves) mv
    LEFT JOIN tg ON tg.merchant_id = mv.merchant_id AND tg.member_id = mv.member_id
  WHERE u.merchant_id = ${b.merchant} AND u.merchant_id = mv.merchant_id AND u.member_id = mv.member_id
  RETURNING 1
),
cons AS (
  UPDATE orders o SET consumed = true FROM tg
  WHERE o.merchant_id = ${b.merchant} AND o.merchant_id = tg.merchant_id AND o.order_id = tg.trigger_id
  RETURNING 1
),
pts AS (
  INSERT INTO grants (merchant_id, member_id, grant_key, type, tier_id, due_at, at, points, version, run_id)
  SELECT mv.merchant_id, mv.member_id, 'upgrade_points:' || ${r.idOf('mv.q_rank')}, 'upgrade_points', ${r.idOf('mv.q_rank')},
    ${b.t}, ${b.t}, ${r.upgradePoints('mv.q_rank')}, ${b.version}, ${b.run}
  FROM moves mv
    LEFT JOIN member_history h ON h.merchant_id = ${b.merchant} AND h.merchant_id = mv.merchant_id AND h.member_id = mv.member_id AND h.to_tier = ${r.idOf('mv.q_rank')}
  WHERE (${w.grantWhen}) AND ${r.upgradePoints('mv.q_rank')} IS NOT NULL AND h.member_id IS NULL
  ON CONFLICT DO NOTHING
  RETURNING 1
),
hist AS (
  INSERT INTO member_history (merchant_id, member_id, from_tier, to_tier, at, reason, version, run_id)
  SELECT mv.merchant_id, mv.member_id, mv.tier_id, ${r.idOf('mv.q_rank')}, ${b.t}, mv.reason, ${b.version}, ${b.run} FROM moves mv
  RETURNING 1
)`;
}
