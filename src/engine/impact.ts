import type { Queryable } from '../store/db.js';
import type { ExistingMembers, LevelRules } from '../rules/index.js';

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
  _q: Queryable,
  _merchant: string,
  _rules: LevelRules,
  _at: Date,
  _existingMembers: ExistingMembers,
): Promise<Impact> {
  throw new Error('engine impact: not built yet');
}
