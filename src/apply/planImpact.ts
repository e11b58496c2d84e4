/**
 * The impact of each merchant's rule change (SPEC §4.2, §5.1): members per tier before and after
 * and the moves between tiers, from the engine's dry run of the recalculation over the live data
 * at `now`. For a scheduled change it is the data as of now, labelled so by `asOf` and the
 * plan's recalculation instant. The planner stays pure; this is its I/O shell, beside planFiles.
 *
 * Queries: one count of members per tier over every merchant with a recalculation, then one dry
 * run per such merchant that has members. A merchant without members (a create, typically) gets
 * an impact of zeros without asking the engine.
 */
import type { Queryable } from '../store/db.js';
import { run } from '../store/statement.js';
import type { Impact, MerchantPlan, Plan } from '../plan/types.js';
import { compileRules, type ProgramDocument } from '../rules/program.js';
import { recalculationImpact, type Impact as EngineImpact } from '../engine/impact.js';

/** The plan with `impact` filled for every merchant whose plan recalculates. */
export async function withImpacts(q: Queryable, plan: Plan, now: Date): Promise<Plan> {
  const wanted = plan.merchants.filter(recalculates);
  if (wanted.length === 0) return plan;
  const counts = await countMembersPerTier(q, wanted.map((m) => m.merchant));
  const impacts = new Map<string, Impact>();
  for (const m of wanted) impacts.set(m.merchant, await impactOf(q, m, now, counts.get(m.merchant) ?? {}));
  return { ...plan, merchants: plan.merchants.map((m) => (impacts.has(m.merchant) ? { ...m, impact: impacts.get(m.merchant)! } : m)) };
}

/** Whether the merchant's plan recalculates members (a rule change, a type switch, a create). */
export function recalculates(m: MerchantPlan): boolean {
  return (m.action === 'create' || m.action === 'update') && m.recalculation.mode !== 'none' && m.document !== undefined;
}

/**
 * One merchant's impact. `current` is the merchant's members per tier when known: without
 * members the engine is not asked; and when the new version runs no level evaluation (type paid
 * or disabled) the engine judges nobody, so every member keeps its tier (SPEC §3.4).
 */
export async function impactOf(q: Queryable, m: MerchantPlan, now: Date, current?: Record<string, number>): Promise<Impact> {
  const document = m.document as unknown as ProgramDocument;
  const rules = compileRules(document);
  const members = current === undefined ? undefined : Object.values(current).reduce((a, b) => a + b, 0);
  let raw: EngineImpact =
    members === 0 ? { before: {}, after: {}, transitions: [] } : await recalculationImpact(q, m.merchant, rules, now, rules.existingMembers);
  if (current !== undefined && Object.keys(raw.before).length === 0) raw = { before: current, after: current, transitions: [] };
  return normalizeImpact(raw, rules.tiers.map((t) => t.id), now);
}

/**
 * Every tier of the desired document and `basic` appear in before and after (zeros included),
 * in rank order with basic first, then tiers only the live state still has; transitions list
 * only members who move, in the same order.
 */
export function normalizeImpact(raw: EngineImpact, tierIds: readonly string[], asOf: Date): Impact {
  const keys = ['basic', ...tierIds];
  const extra = [...new Set([...Object.keys(raw.before), ...Object.keys(raw.after)])].filter((k) => !keys.includes(k)).sort();
  const order = [...keys, ...extra];
  const counts = (source: Record<string, number>): Record<string, number> => Object.fromEntries(order.map((k) => [k, Number(source[k] ?? 0)]));
  const index = (k: string): number => {
    const i = order.indexOf(k);
    return i < 0 ? order.length : i;
  };
  const transitions = raw.transitions
    .filter((t) => t.from !== t.to && t.count > 0)
    .map((t) => ({ from: t.from, to: t.to, count: Number(t.count) }))
    .sort((a, b) => index(a.from) - index(b.from) || index(a.to) - index(b.to));
  return { asOf: asOf.toISOString(), before: counts(raw.before), after: counts(raw.after), transitions };
}

async function countMembersPerTier(q: Queryable, merchants: readonly string[]): Promise<Map<string, Record<string, number>>> {
  const rows = await run<{ merchant_id: string; tier_id: string | null; n: number }>(q, {
    text: 'SELECT merchant_id, tier_id, count(*)::int AS n FROM members WHERE merchant_id = ANY($1::text[]) GROUP BY merchant_id, tier_id',
    values: [merchants],
  });
  const out = new Map<string, Record<string, number>>();
  for (const r of rows.rows) {
    const m = out.get(r.merchant_id) ?? {};
    m[r.tier_id ?? 'basic'] = Number(r.n);
    out.set(r.merchant_id, m);
  }
  return out;
}
