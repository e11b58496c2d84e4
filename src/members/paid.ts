/**
 * The paid side of a member's standing (SPEC §3.6, §3.8): the running paid period and the
 * entitlements of its plan. Paid membership is not stored yet, so both are empty; these two
 * functions are the one place to extend when it is (read the member's purchases, judge the
 * period as of `now`, and list the plan's `grant: continuous` benefits of the ACTIVE version).
 */
import type { Queryable } from '../store/db.js';
import type { MembershipProgram } from '../generated/types.js';
import type { Entitlement } from './entitlements.js';

export interface PaidPeriod {
  plan: string;
  /** ISO instant the running period started. */
  since: string;
  /** ISO instant it ends unless renewed. */
  expiresAt: string;
}

/** The member's paid period active at `now`, or null. */
export async function readPaidPeriod(_q: Queryable, _merchant: string, _member: string, _now: Date): Promise<PaidPeriod | null> {
  return null;
}

/** The continuous benefits of the member's paid plan under the active version (none without a period). */
export function paidEntitlements(_document: MembershipProgram | null, _period: PaidPeriod | null): Entitlement[] {
  return [];
}
