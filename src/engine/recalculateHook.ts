/**
 * Called by apply, inside the merchant's transaction, after an immediate rule change made
 * `version` active: every existing member is recalculated under it (SPEC §3.5), atomically
 * with the version's write.
 */
import type { Queryable } from '../store/db.js';
import { recalculateInline } from './inline.js';

export interface RecalculationOutcome {
  /** Members whose tier changed. */
  changed: number;
}

export type RecalculateMembers = (q: Queryable, merchant: string, version: number, now: Date) => Promise<RecalculationOutcome>;

export const recalculateMembers: RecalculateMembers = (q, merchant, version, now) => recalculateInline(q, merchant, version, now);
