/**
 * What a simulation reads back from its scratch copy: members per tier, the moves the replayed
 * evaluations made, and the grants they performed. `basic` is the key for no tier.
 */
import type { Queryable } from '../store/db.js';
import { rankOf, type LevelRules } from '../rules/index.js';

export type TierCounts = Record<string, number>;

export interface MoveCount {
  from: string;
  to: string;
  reason: string;
  count: number;
}

export interface Moves {
  up: number;
  down: number;
  /** Entries that kept the tier (an extension of the validity period). */
  same: number;
  byReason: Record<string, number>;
  transitions: MoveCount[];
}

export interface BenefitTotal {
  type: string;
  count: number;
  /** Sum of the points granted (null: the grant carries none). */
  points: number | null;
  /** Sum of the fixed amounts off, in major units of the program's currency (null: none is fixed). */
  amountOff: number | null;
}

/** Members per tier, every tier of `rules` listed (lowest first), then basic. */
export async function tierCounts(q: Queryable, merchant: string, rules: LevelRules): Promise<TierCounts> {
  const { rows } = await q.query<{ tier_id: string | null; n: number }>(
    'SELECT tier_id, count(*)::int AS n FROM members WHERE merchant_id = $1 GROUP BY tier_id',
    [merchant],
  );
  const counts: TierCounts = {};
  for (const tier of rules.tiers) counts[tier.id] = 0;
  counts.basic = 0;
  for (const row of rows) counts[row.tier_id ?? 'basic'] = (counts[row.tier_id ?? 'basic'] ?? 0) + Number(row.n);
  return counts;
}

/** The moves recorded after `after` (the starting derivation is not a move of the replay). */
export async function replayMoves(q: Queryable, merchant: string, rules: LevelRules, after: Date): Promise<Moves> {
  const { rows } = await q.query<{ from_tier: string | null; to_tier: string | null; reason: string; n: number }>(
    `SELECT from_tier, to_tier, reason, count(*)::int AS n FROM member_history
      WHERE merchant_id = $1 AND at > $2 GROUP BY from_tier, to_tier, reason`,
    [merchant, after],
  );
  const moves: Moves = { up: 0, down: 0, same: 0, byReason: {}, transitions: [] };
  for (const row of rows) {
    const n = Number(row.n);
    const delta = rankOf(rules, row.to_tier) - rankOf(rules, row.from_tier);
    if (delta > 0) moves.up += n;
    else if (delta < 0) moves.down += n;
    else moves.same += n;
    moves.byReason[row.reason] = (moves.byReason[row.reason] ?? 0) + n;
    moves.transitions.push({ from: row.from_tier ?? 'basic', to: row.to_tier ?? 'basic', reason: row.reason, count: n });
  }
  moves.transitions.sort((a, b) => b.count - a.count || a.from.localeCompare(b.from) || a.to.localeCompare(b.to) || a.reason.localeCompare(b.reason));
  return moves;
}

/**
 * The grants performed after `after`, by type. A fixed amount off comes from the benefit of the
 * same type on the tier the grant names, in the simulated program.
 */
export async function replayBenefits(q: Queryable, merchant: string, after: Date, amountOffOf: (type: string, tier: string | null) => number | null): Promise<BenefitTotal[]> {
  const { rows } = await q.query<{ type: string; tier_id: string | null; n: number; points: string | null }>(
    `SELECT type, tier_id, count(*)::int AS n, sum(points)::text AS points FROM grants
      WHERE merchant_id = $1 AND at > $2 GROUP BY type, tier_id`,
    [merchant, after],
  );
  const byType = new Map<string, BenefitTotal>();
  for (const row of rows) {
    const total = byType.get(row.type) ?? { type: row.type, count: 0, points: null, amountOff: null };
    const n = Number(row.n);
    total.count += n;
    if (row.points !== null) total.points = (total.points ?? 0) + Number(row.points);
    const off = amountOffOf(row.type, row.tier_id);
    if (off !== null) total.amountOff = (total.amountOff ?? 0) + off * n;
    byType.set(row.type, total);
  }
  return [...byType.values()].sort((a, b) => a.type.localeCompare(b.type));
}
