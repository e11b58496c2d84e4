import type { Db, Queryable } from '../store/db.js';
import type { ContinueOptions, RunRecord, RunSpec } from './index.js';

/**
 * Creates the run for `spec.key` unless one exists; returns the run either way (`created` says
 * which). A run that exists and is `done` must not be continued.
 */
export async function openRun(_q: Queryable, _spec: RunSpec, _startedAt: Date): Promise<{ run: RunRecord; created: boolean }> {
  throw new Error('engine runs: not built yet');
}

/** Runs the remaining batches of a run until it is done (or shouldStop). */
export async function continueRun(_db: Db, _merchant: string, _runId: number, _opts: ContinueOptions): Promise<RunRecord> {
  throw new Error('engine runs: not built yet');
}

export async function readRun(_q: Queryable, _merchant: string, _runId: number): Promise<RunRecord | null> {
  throw new Error('engine runs: not built yet');
}
