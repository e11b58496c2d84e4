import type { Queryable } from '../store/db.js';
import type { ExistingMembers } from '../rules/index.js';

/**
 * Recalculates every member of `merchant` under `version` at `at`, in the caller's transaction
 * (§3.5). Returns how many members changed tier.
 */
export async function recalculateInline(
  _q: Queryable,
  _merchant: string,
  _version: number,
  _at: Date,
  _existingMembers?: ExistingMembers,
): Promise<{ changed: number }> {
  throw new Error('engine: not built yet');
}

/** One daily evaluation of every member of `merchant` at `at`, in the caller's transaction (§3.3). */
export async function evaluateInline(_q: Queryable, _merchant: string, _at: Date): Promise<{ changed: number }> {
  throw new Error('engine: not built yet');
}
