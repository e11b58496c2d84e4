/**
 * The level engine: SPEC §3.3/§3.5 as set-based SQL over all members of a merchant. Its
 * semantics are the reference model's (src/rules); test/engine compares the two.
 *
 * Two ways to run it:
 * - inline, inside a caller's transaction (apply's immediate recalculation): all members at once,
 *   atomic with the caller's writes;
 * - as a run (`engine_runs`): batches of members, each batch committed with the run's cursor, so
 *   a killed run resumes after the last member it finished and no member is judged twice.
 */
import type { Db, Queryable } from '../store/db.js';
import type { ExistingMembers } from '../rules/index.js';

export type RunKind = 'evaluate' | 'recalculate';

export interface RunSpec {
  merchant: string;
  kind: RunKind;
  /**
   * The version whose rules judge the members. A daily evaluation names the active version;
   * members who joined at or after a pending version's apply are judged by the pending one.
   * A recalculation names the version taking effect.
   */
  version: number;
  /** The instant the members are judged at (t of §3.3, T of §3.5). */
  at: Date;
  /** Recalculation only: the version's effective.existingMembers (default: the version's own). */
  existingMembers?: ExistingMembers;
  /** One run per key per merchant, e.g. `evaluate:2026-11-23`, `recalculate:v7`. */
  key: string;
}

export interface RunRecord {
  merchant: string;
  runId: number;
  key: string;
  kind: RunKind;
  version: number;
  at: Date;
  status: 'running' | 'done' | 'failed';
  membersDone: number;
  membersChanged: number;
  startedAt: Date;
  finishedAt: Date | null;
  error: string | null;
}

export interface RunProgress {
  done: number;
  total: number;
  changed: number;
}

export interface ContinueOptions {
  /** Members per committed batch (default 100,000). */
  batchSize?: number;
  onProgress?: (p: RunProgress) => void;
  /** Checked between batches: true stops after the current batch (the run stays `running`). */
  shouldStop?: () => boolean;
  /** Wall-clock instant for finished_at; the command layer passes its clock. */
  clock: () => Date;
}

export { openRun, continueRun, readRun, refuseClockBackwards } from './runs.js';
export { recalculateInline, evaluateInline } from './inline.js';
export { recalculationImpact, recalculationMoves, type Impact, type MemberMove } from './impact.js';
