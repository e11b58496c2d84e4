/** The membership running at an instant, for `members show` (judged by its period, not by the program type). */
import type { Queryable } from '../../store/db.js';

export interface RunningMembership {
  membershipId: string;
  plan: string;
  since: Date;
  expiresAt: Date;
}

export async function readMembershipAt(q: Queryable, merchant: string, member: string, at: Date): Promise<RunningMembership | null> {
  const res = await q.query<{ membership_id: string; plan_id: string; since: Date; expires_at: Date }>(
    `SELECT membership_id, plan_id, since, expires_at FROM paid_memberships
      WHERE merchant_id = $1 AND member_id = $2 AND since <= $3 AND $3 < expires_at
      ORDER BY since DESC LIMIT 1`,
    [merchant, member, at],
  );
  const r = res.rows[0];
  return r ? { membershipId: r.membership_id, plan: r.plan_id, since: r.since, expiresAt: r.expires_at } : null;
}
