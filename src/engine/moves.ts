/**
 * The write half shared by every engine statement: given a CTE `moves` of members changing tier
 * (member_id, tier_id, q_rank, reason, w_from, w_to…), it builds the CTEs that pick
 * the triggering order (single_order), update the members, mark the trigger consumed, append
 * history and grant upgrade points once per member per tier ever (§3.3, §3.5, §3.6).
 *
 * Citus (13.2) shapes, harmless on one server: no UPDATE sets a column straight from an array
 * subscript (it crashed the coordinator; the tier id comes from a subquery), and `pts` precedes
 * `hist` with a join for its first-time check, because Citus runs an INSERT in a CTE as a
 * statement of its own: it must not see the history this statement writes.
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
  /**
   * Rule changes only (v1.1 §3.5), SQL predicates on `mv`: which moves start a fresh period
   * (anchorAt = t, a fresh expiresAt; the others keep both) and which set the evidence instant
   * to t (the others keep evidenceAt, its anchor, extended tier and trigger). Default: all do.
   */
  fresh?: string;
  evidence?: string;
  /** The moves are falls at expiry: fell_at = t and fell_from = the tier left (decision 3). */
  fall?: boolean;
  /**
   * Also move the import watermark of the judged members, CTE `m` with `lev` (last_evaluated_seq)
   * and `seen_seq` (their largest import_seq): the moved ones in the same row write as their move,
   * the others in one UPDATE of their own (upgradeStep only; a row written twice in one
   * statement would keep one of the writes).
   */
  watermark?: boolean;
}

/** `CASE WHEN when THEN then ELSE otherwise END`, or `then` alone when `when` is absent (always). */
function when(predicate: string | undefined, then: string, otherwise: string): string {
  return predicate === undefined ? then : `CASE WHEN ${predicate} THEN ${then} ELSE ${otherwise} END`;
}

/** CTEs (comma-terminated) writing the moves in CTE `moves`. */
export function writeMoves(b: Bound, w: MoveWrites): string {
  const { r } = b;
  // The batch's member range on each table the writes join, so the planner reads only that range
  // (through the primary key) rather than every member of the merchant.
  // With a list of ids (an incremental evaluation) the moves are listed members already: the join on
  // member_id is the bound, and the list as a filter made the planner scan every member for it.
  const inScope = (alias: string): string => (b.orders === '' || b.listed !== null ? '' : ` AND ${b.orders.replaceAll('{m}', `${alias}.member_id`)}`);
  const trigger =
    w.triggerWhen !== null && r.rules.basis === 'single_order'
      ? `trig AS (
  SELECT DISTINCT ON (mv.member_id) mv.member_id, o.order_id, o.net, mv.q_rank
  FROM moves mv JOIN ${r.eligibleOrders(b.merchant, b.orders, w.triggerBounds?.())} o
    ON o.member_id = mv.member_id AND ${r.inWindow('mv.w_from', 'mv.w_to')} AND ${w.triggerOrders}
      AND o.net >= ${r.thresholdAmount('mv.q_rank')}
  WHERE ${w.triggerWhen}
  ORDER BY mv.member_id, o.net DESC, o.paid_at, o.order_id COLLATE "C"
),
tg AS (
  SELECT trig.member_id, trig.order_id AS trigger_id FROM trig
  WHERE ${r.thresholdAmount('trig.q_rank')} > 0 AND trig.net >= ${r.thresholdAmount('trig.q_rank')}
),`
      : `tg AS (SELECT NULL::text AS member_id, NULL::text AS trigger_id WHERE FALSE),`;
  return `${trigger}
upd AS (
  UPDATE members u SET tier_id = mv.to_tier, tier_since = ${b.t},
    anchor_at = ${when(w.fresh, b.t, 'u.anchor_at')},
    expires_at = CASE WHEN mv.q_rank >= 0 THEN ${when(w.fresh, r.freshExpiry(b.t), 'u.expires_at')} END,
    evidence_at = ${when(w.evidence, b.t, 'u.evidence_at')},
    previous_anchor_at = ${when(w.evidence, 'u.anchor_at', 'u.previous_anchor_at')},
    extended_tier = ${when(w.evidence, 'NULL', 'u.extended_tier')},
    ${w.fall ? `fell_at = ${b.t}, fell_from = mv.tier_id, fell_period_end = u.expires_at` : `fell_from = ${when(w.evidence, 'NULL', 'u.fell_from')}, fell_period_end = ${when(w.evidence, 'NULL', 'u.fell_period_end')}`},
    manual_tier = ${when(w.evidence, 'NULL', 'u.manual_tier')},
    trigger_order_id = ${when(w.evidence, 'tg.trigger_id', 'u.trigger_order_id')}${w.watermark ? ',\n    last_evaluated_seq = GREATEST(u.last_evaluated_seq, mv.seen_seq)' : ''}
  FROM (SELECT moves.*, ${r.idOf('moves.q_rank')} AS to_tier FROM moves) mv LEFT JOIN tg ON tg.member_id = mv.member_id
  WHERE u.merchant_id = ${b.merchant} AND u.member_id = mv.member_id${inScope('u')}
  RETURNING 1
),${
    w.watermark
      ? `
wm AS (
  UPDATE members u SET last_evaluated_seq = m.seen_seq
  FROM m LEFT JOIN moves mv ON mv.member_id = m.member_id
  WHERE u.merchant_id = ${b.merchant} AND u.member_id = m.member_id${inScope('u')} AND m.seen_seq > m.lev AND mv.member_id IS NULL
  RETURNING 1
),`
      : ''
  }
cons AS (
  UPDATE orders o SET consumed = true FROM tg
  WHERE o.merchant_id = ${b.merchant} AND o.order_id = tg.trigger_id
  RETURNING 1
),
${
  // No tier grants points: nothing to check against the history.
  r.rules.tiers.every((t) => t.upgradePoints === null)
    ? ''
    : `pts AS (
  INSERT INTO grants (merchant_id, member_id, grant_key, type, tier_id, due_at, at, points, version, run_id)
  SELECT ${b.merchant}, mv.member_id, 'upgrade_points:' || ${r.idOf('mv.q_rank')}, 'upgrade_points', ${r.idOf('mv.q_rank')},
    ${b.t}, ${b.t}, ${r.upgradePoints('mv.q_rank')}, ${b.version}, ${b.run}
  FROM moves mv
    LEFT JOIN member_history h ON h.merchant_id = ${b.merchant} AND h.member_id = mv.member_id AND h.to_tier = ${r.idOf('mv.q_rank')}${inScope('h')}
  WHERE (${w.grantWhen}) AND ${r.upgradePoints('mv.q_rank')} IS NOT NULL AND h.member_id IS NULL
  ON CONFLICT DO NOTHING
  RETURNING 1
),`
}
hist AS (
  INSERT INTO member_history (merchant_id, member_id, from_tier, to_tier, at, reason, version, run_id)
  SELECT ${b.merchant}, mv.member_id, mv.tier_id, ${r.idOf('mv.q_rank')}, ${b.t}, mv.reason, ${b.version}, ${b.run} FROM moves mv
  RETURNING 1
)`;
}
