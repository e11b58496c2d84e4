/**
 * The points a member earned in their current window (v1.1 §3.2), for `members show` under a
 * program whose upgrade basis is points: the positive ledger entries in W(m, now) of
 * `upgrade.window` (the member's stored anchor; activeFrom and restartOnMove as the engine
 * applies them). Redemptions are left out, as qualification leaves them out.
 */
import type { Queryable } from '../store/db.js';
import { compileRules, windowFor, type ProgramDocument } from '../rules/index.js';

export interface PointsEarned {
  earned: number;
  /** The window's bounds: `from` null means no lower bound. */
  window: { from: string | null; to: string };
}

/** Null when the active version does not measure members by points. */
export async function readPointsEarned(
  q: Queryable,
  merchant: string,
  member: string,
  anchorAt: Date | null,
  document: ProgramDocument | null,
  now: Date,
): Promise<PointsEarned | null> {
  if (document === null || document.spec.levels?.upgrade?.basis !== 'points') return null;
  const rules = compileRules(document);
  const window = windowFor({ anchorAt }, now, rules);
  const res = await q.query<{ earned: string }>(
    `SELECT COALESCE(sum(points), 0)::text AS earned FROM points_ledger
      WHERE merchant_id = $1 AND member_id = $2 AND points > 0 AND at < $3 AND ($4::timestamptz IS NULL OR at >= $4)`,
    [merchant, member, window.to, window.from],
  );
  return { earned: Number(res.rows[0]!.earned), window: { from: window.from?.toISOString() ?? null, to: window.to.toISOString() } };
}
