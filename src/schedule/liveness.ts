/**
 * Is run-due still running? Each merchant's last successful scheduled run (a daily evaluation or
 * a scheduled change taking effect) against the clock. Pure: `now` is an argument.
 */

/** A daily evaluation runs once a day: a last success older than this means run-due stopped. */
export const RUN_DUE_STALE_MS = 86_400_000;

export interface LastRun {
  kind: 'evaluate' | 'recalculate';
  version: number;
  /** The instant the run was for: the evaluation's fire time or the change's effective instant. */
  at: string;
  finishedAt: string;
}

/**
 * Stale when the last success finished more than a day before `now`, or, with none yet, when the
 * program was first applied more than a day before (its first evaluation was due within a day).
 */
export function runDueStale(last: LastRun | null, firstAppliedAt: Date | null, now: Date): boolean {
  const since = last ? Date.parse(last.finishedAt) : firstAppliedAt?.getTime();
  return since !== undefined && now.getTime() - since > RUN_DUE_STALE_MS;
}
