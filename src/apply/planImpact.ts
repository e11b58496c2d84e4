/**
 * The impact of each merchant's rule change (SPEC §4.2, §4.7, §5.1), from the engine's dry run
 * over the live data at `now`. For a scheduled change it is the data as of now, labelled so by
 * `asOf` and the plan's recalculation instant. The planner stays pure; this is its I/O shell.
 *
 * The change is told apart from drift (SPEC §4.7): each member's tier is derived at the same
 * instant, on the same data, under the current rules (A) and under the new ones (B), both with
 * the new version's existingMembers treatment. `drift` counts the moves stored → A the current
 * rules would make anyway; `transitions` counts A → B, the moves the change causes; `before` is
 * the stored tiers and `after` what the recalculation leaves (B), so before + drift + transitions
 * = after, and `after` is what the apply's recalculation then does.
 *
 * Queries: one count of members per tier over every merchant with a recalculation; per such
 * merchant with members, the active version's document and the moved members under each rule
 * set (only members who move come back).
 */
import type { Queryable } from '../store/db.js';
import { run } from '../store/statement.js';
import type { Impact, MerchantPlan, Plan } from '../plan/types.js';
import { compileRules, type LevelRules, type ProgramDocument } from '../rules/program.js';
import { recalculationMoves, type Impact as EngineImpact, type MemberMove } from '../engine/impact.js';
import { tierRanks } from '../plan/render/values.js';

/** A member the change would move: from the tier the current rules give them to the new rules' one. */
export interface Mover {
  merchant: string;
  member: string;
  from: string;
  to: string;
  reason: 'upgrade' | 'downgrade' | 'tier-disabled';
}

export interface ImpactOptions {
  /** Called with each merchant's movers (plan --movers). */
  onMovers?: (merchant: string, movers: Mover[]) => void;
}

/** The plan with `impact` filled for every merchant whose plan recalculates. */
export async function withImpacts(q: Queryable, plan: Plan, now: Date, opts: ImpactOptions = {}): Promise<Plan> {
  const wanted = plan.merchants.filter(recalculates);
  if (wanted.length === 0) return plan;
  const counts = await countMembersPerTier(q, wanted.map((m) => m.merchant));
  const impacts = new Map<string, Impact>();
  for (const m of wanted) {
    const computed = await computeImpact(q, m, now, counts.get(m.merchant) ?? {});
    impacts.set(m.merchant, computed.impact);
    opts.onMovers?.(m.merchant, computed.movers);
  }
  return { ...plan, merchants: plan.merchants.map((m) => (impacts.has(m.merchant) ? { ...m, impact: impacts.get(m.merchant)! } : m)) };
}

/** Whether the merchant's plan recalculates members (a rule change, a type switch, a create). */
export function recalculates(m: MerchantPlan): boolean {
  return (m.action === 'create' || m.action === 'update') && m.recalculation.mode !== 'none' && m.document !== undefined;
}

/** One merchant's impact (apply's guardrail under the lock uses it on the state as it is then). */
export async function impactOf(q: Queryable, m: MerchantPlan, now: Date, current?: Record<string, number>): Promise<Impact> {
  return (await computeImpact(q, m, now, current ?? (await countMembersPerTier(q, [m.merchant])).get(m.merchant) ?? {})).impact;
}

/**
 * `current` is the merchant's members per tier. Without members the engine is not asked; when
 * the new version runs no level evaluation (type paid or disabled) the engine judges nobody, so
 * every member keeps its tier (SPEC §3.4) and nothing is drift either.
 */
async function computeImpact(q: Queryable, m: MerchantPlan, now: Date, current: Record<string, number>): Promise<{ impact: Impact; movers: Mover[] }> {
  const rules = compileRules(m.document as unknown as ProgramDocument);
  const members = Object.values(current).reduce((a, b) => a + b, 0);
  const tierIds = rules.tiers.map((t) => t.id);
  if (members === 0 || !rules.active) return { impact: normalizeImpact({ before: current, after: current, transitions: [] }, tierIds, now, []), movers: [] };

  const policy = rules.existingMembers;
  const changed = await recalculationMoves(q, m.merchant, rules, now, policy);
  const currentRules = await activeRules(q, m.merchant);
  const drifted = currentRules ? await recalculationMoves(q, m.merchant, currentRules, now, policy) : [];
  const { impact, movers } = pairMoves(m.merchant, current, drifted, changed, m.document);
  return { impact: normalizeImpact(impact, tierIds, now, impact.drift), movers };
}

/**
 * Member by member: stored S, current rules A, new rules B (a member neither rule set moves
 * keeps S under both). Drift is S → A, the change A → B.
 */
export function pairMoves(
  merchant: string,
  current: Record<string, number>,
  drifted: readonly MemberMove[],
  changed: readonly MemberMove[],
  document: unknown,
): { impact: EngineImpact & { drift: EngineImpact['transitions'] }; movers: Mover[] } {
  const byDrift = new Map(drifted.map((d) => [d.member, d]));
  const byChange = new Map(changed.map((c) => [c.member, c]));
  const after: Record<string, number> = { ...current };
  for (const c of changed) {
    after[c.from] = (after[c.from] ?? 0) - 1;
    after[c.to] = (after[c.to] ?? 0) + 1;
  }
  const ranks = tierRanks(document);
  const transitions = new Map<string, number>();
  const movers: Mover[] = [];
  const members = [...new Set([...byDrift.keys(), ...byChange.keys()])].sort();
  for (const member of members) {
    const d = byDrift.get(member);
    const c = byChange.get(member);
    const stored = (d ?? c)!.from;
    const a = d?.to ?? stored;
    const b = c?.to ?? stored;
    if (a === b) continue;
    transitions.set(`${a}\u0000${b}`, (transitions.get(`${a}\u0000${b}`) ?? 0) + 1);
    const from = ranks.get(a);
    const to = ranks.get(b);
    const reason = c?.mustMove ? 'tier-disabled' : from !== undefined && to !== undefined && to > from ? 'upgrade' : 'downgrade';
    movers.push({ merchant, member, from: a, to: b, reason });
  }
  return {
    impact: { before: current, after, transitions: counted(transitions), drift: counted(countPairs(drifted)) },
    movers,
  };
}

function countPairs(moves: readonly MemberMove[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of moves) out.set(`${m.from}\u0000${m.to}`, (out.get(`${m.from}\u0000${m.to}`) ?? 0) + 1);
  return out;
}

function counted(pairs: Map<string, number>): EngineImpact['transitions'] {
  return [...pairs].map(([key, count]) => {
    const [from, to] = key.split('\u0000') as [string, string];
    return { from, to, count };
  });
}

/** The rules of the merchant's active version, or null (none yet, or a stored document that no longer compiles). */
async function activeRules(q: Queryable, merchant: string): Promise<LevelRules | null> {
  const { rows } = await run<{ document: ProgramDocument }>(q, {
    text: "SELECT document FROM program_versions WHERE merchant_id = $1 AND status = 'active'",
    values: [merchant],
  });
  const document = rows[0]?.document;
  if (!document) return null;
  try {
    const rules = compileRules(document);
    return rules.active ? rules : null;
  } catch {
    return null;
  }
}

/**
 * Every tier of the desired document and `basic` appear in before and after (zeros included),
 * in rank order with basic first, then tiers only the live state still has; transitions and
 * drift list only members who move, in the same order.
 */
export function normalizeImpact(raw: EngineImpact, tierIds: readonly string[], asOf: Date, drift: EngineImpact['transitions'] = []): Impact {
  const keys = ['basic', ...tierIds];
  const extra = [...new Set([...Object.keys(raw.before), ...Object.keys(raw.after)])].filter((k) => !keys.includes(k)).sort();
  const order = [...keys, ...extra];
  const counts = (source: Record<string, number>): Record<string, number> => Object.fromEntries(order.map((k) => [k, Number(source[k] ?? 0)]));
  const index = (k: string): number => {
    const i = order.indexOf(k);
    return i < 0 ? order.length : i;
  };
  const moves = (list: EngineImpact['transitions']): Impact['transitions'] =>
    list
      .filter((t) => t.from !== t.to && t.count > 0)
      .map((t) => ({ from: t.from, to: t.to, count: Number(t.count) }))
      .sort((a, b) => index(a.from) - index(b.from) || index(a.to) - index(b.to) || a.from.localeCompare(b.from) || a.to.localeCompare(b.to));
  return { asOf: asOf.toISOString(), before: counts(raw.before), after: counts(raw.after), transitions: moves(raw.transitions), drift: moves(drift) };
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
