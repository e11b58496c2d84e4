/**
 * What is due for one merchant at an instant (pure): scheduled versions whose `at` has come, the
 * daily evaluation whose fire time has passed, and runs that were started and never finished.
 */
import { formatLocalInstant, latestFireAtOrBefore } from '../model/cronTimes.js';
import { recalculationKey } from './store.js';

export const DEFAULT_EVALUATION_CRON = '0 3 * * *';

export type DueKind = 'recalculate' | 'evaluate';

export interface DueWork {
  kind: DueKind;
  /** The run's key: `recalculate:v<n>` or `evaluate:<local fire time>`. */
  key: string;
  /** The version taking effect; for an evaluation, the version active when it was found. */
  version: number;
  /** effective_at, or the evaluation's fire time: the instant members are judged at. */
  at: Date;
  /** A run started earlier and not finished (a crash, a stop, a failure). */
  resume: boolean;
}

export interface MerchantDueState {
  /** The pending version, if its instant has come. */
  duePending: { version: number; effectiveAt: Date } | null;
  active: { version: number; timezone: string; cron: string | null } | null;
  firstAppliedAt: Date | null;
  /** The latest fire time a daily evaluation was started for. */
  lastFireAt: Date | null;
  unfinished: { key: string; kind: DueKind; version: number; at: Date }[];
}

/**
 * The fire time of the daily evaluation due at `now`, if any: the latest fire time at or before
 * `now`, provided it is after the program was first applied and after the last one evaluated.
 * Several missed fire times give one evaluation, at the latest of them.
 */
export function dueEvaluationFire(cron: string, timezone: string, firstAppliedAt: Date, lastFireAt: Date | null, now: Date): Date | null {
  const fire = latestFireAtOrBefore(cron, timezone, now);
  if (fire === null || fire.getTime() <= firstAppliedAt.getTime()) return null;
  if (lastFireAt !== null && fire.getTime() <= lastFireAt.getTime()) return null;
  return fire;
}

export function evaluationKey(fire: Date, timezone: string): string {
  return `evaluate:${formatLocalInstant(fire, timezone)}`;
}

/**
 * The merchant's due work in the order it must run: by instant, a version taking effect before
 * an evaluation at the same instant (the evaluation then judges under the new rules).
 */
export function dueWork(state: MerchantDueState, now: Date): DueWork[] {
  const work: DueWork[] = state.unfinished.map((u) => ({ ...u, resume: true }));
  const keys = new Set(work.map((w) => w.key));
  if (state.duePending) {
    const key = recalculationKey(state.duePending.version);
    if (!keys.has(key)) work.push({ kind: 'recalculate', key, version: state.duePending.version, at: state.duePending.effectiveAt, resume: false });
  }
  if (state.active && state.firstAppliedAt) {
    const cron = state.active.cron ?? DEFAULT_EVALUATION_CRON;
    const fire = dueEvaluationFire(cron, state.active.timezone, state.firstAppliedAt, state.lastFireAt, now);
    if (fire !== null) {
      const key = evaluationKey(fire, state.active.timezone);
      if (!keys.has(key)) work.push({ kind: 'evaluate', key, version: state.active.version, at: fire, resume: false });
    }
  }
  const rank = (k: DueKind): number => (k === 'recalculate' ? 0 : 1);
  return work.sort((a, b) => a.at.getTime() - b.at.getTime() || rank(a.kind) - rank(b.kind));
}
