import type { Queryable } from '../store/db.js';
import type { ExistingMembers, LevelRules } from '../rules/index.js';
import { run } from '../store/statement.js';
import { impactQuery, movesQuery } from './recalculateSteps.js';

/** Members per tier before and after a recalculation, and the moves between them. `basic` is the key for no tier. */
export interface Impact {
  before: Record<string, number>;
  after: Record<string, number>;
  transitions: { from: string; to: string; count: number }[];
}

/**
 * What recalculating `merchant`'s members under `rules` at `at` would do, computed by the same
 * SQL as the recalculation, writing nothing.
 */
export async function recalculationImpact(
  q: Queryable,
  merchant: string,
  rules: LevelRules,
  at: Date,
  existingMembers: ExistingMembers,
): Promise<Impact> {
  const impact: Impact = { before: {}, after: {}, transitions: [] };
  if (!rules.active) return impact;
  const input = { merchant, rules, version: 0, runId: null, at, scope: { lo: null, hi: null } };
  const { rows } = await run<{ from_tier: string; to_tier: string; n: number }>(q, impactQuery(input, existingMembers));
  for (const row of rows) {
    impact.before[row.from_tier] = (impact.before[row.from_tier] ?? 0) + row.n;
    impact.after[row.to_tier] = (impact.after[row.to_tier] ?? 0) + row.n;
    if (row.from_tier !== row.to_tier) impact.transitions.push({ from: row.from_tier, to: row.to_tier, count: row.n });
  }
  impact.transitions.sort((a, b) => b.count - a.count || a.from.localeCompare(b.from) || a.to.localeCompare(b.to));
  return impact;
}

/** One member a recalculation would move. `basic` is the key for no tier. */
export interface MemberMove {
  member: string;
  from: string;
  to: string;
  /** The member's tier is disabled under these rules: they must leave it. */
  mustMove: boolean;
}

/** The members recalculating under `rules` at `at` would move, by member id, writing nothing. */
export async function recalculationMoves(q: Queryable, merchant: string, rules: LevelRules, at: Date, existingMembers: ExistingMembers): Promise<MemberMove[]> {
  if (!rules.active) return [];
  const input = { merchant, rules, version: 0, runId: null, at, scope: { lo: null, hi: null } };
  const { rows } = await run<{ member_id: string; from_tier: string; to_tier: string; must_move: boolean }>(q, movesQuery(input, existingMembers));
  return rows.map((r) => ({ member: r.member_id, from: r.from_tier, to: r.to_tier, mustMove: r.must_move === true }));
}
