/** The plan as JSON (SPEC §5.1, formatVersion 1); also the saved plan file that `apply` reads. */
import type { MerchantPlan, Plan } from '../types.js';
import { sealPlanValue } from '../seal.js';

/** Keys in the SPEC's order, then the additive ones, so the file reads the way the SPEC does. */
function merchantJson(m: MerchantPlan): Record<string, unknown> {
  const out: Record<string, unknown> = {
    merchant: m.merchant,
    action: m.action,
    baseVersion: m.baseVersion,
    changes: m.changes.map((c) => ({ pointer: c.pointer, op: c.op, before: c.before ?? null, after: c.after ?? null, class: c.class })),
    recalculation: m.recalculation,
    switch: m.switch,
    impact: m.impact,
    errors: m.errors.map((e) => ({ code: e.code, message: e.message })),
  };
  if (m.path !== undefined) out.path = m.path;
  if (m.document !== undefined) out.document = m.document;
  return out;
}

/**
 * A plan with recorded options is sealed: its digest covers exactly the JSON written here, so
 * `apply` and `show` can tell an edited file from the reviewed one.
 */
export function renderPlanJson(plan: Plan): string {
  const value = {
    formatVersion: plan.formatVersion,
    createdAt: plan.createdAt,
    ...(plan.options ? { options: plan.options } : {}),
    merchants: plan.merchants.map(merchantJson),
  };
  return `${JSON.stringify(plan.options ? sealPlanValue(value) : value, null, 2)}\n`;
}
