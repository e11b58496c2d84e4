/** What a plan amounts to: counts for summaries and the answers behind exit codes. */
import type { Plan } from './types.js';

export interface PlanCounts {
  create: number;
  update: number;
  noop: number;
  unmanaged: number;
  errors: number;
}

export function planCounts(plan: Plan): PlanCounts {
  const counts: PlanCounts = { create: 0, update: 0, noop: 0, unmanaged: 0, errors: 0 };
  for (const m of plan.merchants) {
    counts[m.action] += 1;
    counts.errors += m.errors.length;
  }
  return counts;
}

/** For `--detailed-exitcode`: a merchant would be created or updated. */
export function planHasChanges(plan: Plan): boolean {
  return plan.merchants.some((m) => m.action === 'create' || m.action === 'update');
}

export function planHasErrors(plan: Plan): boolean {
  return plan.merchants.some((m) => m.errors.length > 0);
}

/** "Plan: 1 to create, 2 to update, 3 unchanged, 1 unmanaged; 1 error." */
export function planSummaryLine(plan: Plan): string {
  const c = planCounts(plan);
  return `Plan: ${c.create} to create, ${c.update} to update, ${c.noop} unchanged, ${c.unmanaged} unmanaged; ${c.errors} error${c.errors === 1 ? '' : 's'}.`;
}
