/** Applying the downgrade guardrail to a plan whose impacts are filled (SPEC §4.2). */
import type { Queryable } from '../store/db.js';
import type { MerchantPlan, Plan, PlanError } from '../plan/types.js';
import { checkDowngradeGuardrail, type DowngradeLimit } from '../plan/guardrail.js';
import { impactOf, recalculates } from './planImpact.js';

/** The plan with `plan.guardrail` added to every merchant whose impact demotes more than `limit`. */
export function withGuardrail(plan: Plan, limit: DowngradeLimit | null): Plan {
  if (!limit) return plan;
  return {
    ...plan,
    merchants: plan.merchants.map((m) => {
      const error = m.impact ? checkDowngradeGuardrail(m.merchant, m.impact, m.document, limit) : null;
      return error ? { ...m, errors: [...m.errors, error] } : m;
    }),
  };
}

/**
 * For apply, under the merchant's lock: the guardrail judged on a fresh dry run over the state
 * as it is inside the apply's transaction, whatever the saved plan showed.
 */
export function guardrailUnderLock(limit: DowngradeLimit | null, now: Date): ((q: Queryable, fresh: MerchantPlan) => Promise<PlanError | null>) | undefined {
  if (!limit) return undefined;
  return async (q, fresh) => {
    if (!recalculates(fresh)) return null;
    return checkDowngradeGuardrail(fresh.merchant, await impactOf(q, fresh, now), fresh.document, limit);
  };
}
