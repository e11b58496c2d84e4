/**
 * The paid side of a member's standing (SPEC §3.6, §3.8): the membership running at `now` and the
 * continuous benefits of its plan. Judged by the membership's period, not by the program type:
 * a membership running when the type became levels keeps its benefits until it expires (§3.4).
 */
import type { Queryable } from '../store/db.js';
import type { MembershipProgram } from '../generated/types.js';
import { entitlementOf, type Entitlement } from './entitlements.js';
import { loadVersionPaidRules, readMembershipAt } from '../engine/paid/index.js';
import type { PaidPlanSection } from '../rules/paid.js';

export interface PaidPeriod {
  plan: string;
  /** ISO instant the running membership started (renewals extend it). */
  since: string;
  /** ISO instant it ends unless renewed. */
  expiresAt: string;
}

/**
 * The definition of the period's plan when the active version no longer defines it (the newest
 * earlier live version's), kept beside the period without becoming part of its JSON.
 */
const resolvedPlans = new WeakMap<PaidPeriod, PaidPlanSection>();

/** The member's paid membership running at `now`, or null. */
export async function readPaidPeriod(q: Queryable, merchant: string, member: string, now: Date): Promise<PaidPeriod | null> {
  const running = await readMembershipAt(q, merchant, member, now);
  if (running === null) return null;
  const period: PaidPeriod = { plan: running.plan, since: running.since.toISOString(), expiresAt: running.expiresAt.toISOString() };
  const active = await q.query<{ version: number }>("SELECT version FROM program_versions WHERE merchant_id = $1 AND status = 'active'", [merchant]);
  const version = active.rows[0]?.version;
  if (version !== undefined) {
    const definition = (await loadVersionPaidRules(q, merchant, Number(version))).plans.get(running.plan)?.definition;
    if (definition) resolvedPlans.set(period, definition);
  }
  return period;
}

/** The continuous benefits of the member's paid plan under the active version (none without a period). */
export function paidEntitlements(document: MembershipProgram | null, period: PaidPeriod | null): Entitlement[] {
  if (!document || !period) return [];
  const plan = (document.spec.paid?.plans.find((p) => p.id === period.plan) as PaidPlanSection | undefined) ?? resolvedPlans.get(period);
  if (!plan) return [];
  return (plan.benefits ?? [])
    .filter((b) => b.type !== 'join_points' && b.type !== 'birthday_discount' && (b.grant === undefined || b.grant === 'continuous'))
    .map((b) => entitlementOf(b as Record<string, unknown>, document.metadata.currency, { plan: plan.id }));
}
