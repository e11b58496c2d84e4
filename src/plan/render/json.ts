/** The plan as JSON (SPEC §5.1, formatVersion 1); also the saved plan file that `apply` reads. */
import type { MerchantPlan, Plan } from '../types.js';

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

export function renderPlanJson(plan: Plan): string {
  const value = { formatVersion: plan.formatVersion, createdAt: plan.createdAt, merchants: plan.merchants.map(merchantJson) };
  return `${JSON.stringify(value, null, 2)}\n`;
}
