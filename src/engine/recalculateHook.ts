/**
 * Called by apply, inside the merchant's transaction, after an immediate rule change made
 * `version` active: every existing member is recalculated under it (SPEC §3.5).
 */
import type { Queryable } from '../store/db.js';

export interface RecalculationOutcome {
  /** Members whose tier changed. */
  changed: number;
}

export type RecalculateMembers = (q: Queryable, merchant: string, version: number, now: Date) => Promise<RecalculationOutcome>;

// The level engine (members, orders and recalculation issue) replaces this.
export const recalculateMembers: RecalculateMembers = async () => ({ changed: 0 });
