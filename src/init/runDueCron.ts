/**
 * The cron lines (UTC, as CI schedulers read them) that run `run-due` shortly after every
 * merchant's daily evaluation fires, instead of every 15 minutes. Pure: the year searched
 * starts at `from`, an argument.
 */
import { nextFireAfter } from '../model/cronTimes.js';

export interface EvaluationSchedule {
  /** The program's `spec.evaluation.cron` (default "0 3 * * *"), in `timezone`. */
  cron: string;
  timezone: string;
}

/** Run-due that often when the evaluations fire at too many distinct times to list. */
export const HOURLY_RUN_DUE = '7 * * * *';
/** More distinct UTC times than this and one hourly line is shorter and as cheap. */
const MAX_TIMES = 12;
/** A daily cron fires ~366 times a year; a cron that fires far more often is not daily. */
const MAX_FIRES = 800;

/**
 * One line per distinct UTC minute, listing the hours: a year of fires is searched so that both
 * sides of each clock change are covered (03:00 Europe/Berlin is 01:00 or 02:00 UTC).
 * `delayMinutes` after each fire, so the evaluation is due when the job starts.
 */
export function runDueCrons(schedules: readonly EvaluationSchedule[], from: Date, delayMinutes = 5): string[] {
  const times = new Set<number>();
  const end = from.getTime() + 366 * 86_400_000;
  for (const s of schedules) {
    let at: Date | null = from;
    for (let n = 0; at !== null; n++) {
      try {
        at = nextFireAfter(s.cron, s.timezone, at);
      } catch {
        // An invalid cron or zone: validate reports it; it sets no run time.
        break;
      }
      if (at === null || at.getTime() > end) break;
      if (n >= MAX_FIRES) return [HOURLY_RUN_DUE];
      times.add((at.getUTCHours() * 60 + at.getUTCMinutes() + delayMinutes) % 1440);
      if (times.size > MAX_TIMES) return [HOURLY_RUN_DUE];
    }
  }
  if (times.size === 0 || times.size > MAX_TIMES) return [HOURLY_RUN_DUE];
  const byMinute = new Map<number, number[]>();
  for (const t of [...times].sort((a, b) => a - b)) {
    const minute = t % 60;
    byMinute.set(minute, [...(byMinute.get(minute) ?? []), Math.floor(t / 60)]);
  }
  return [...byMinute.entries()].sort((a, b) => a[0] - b[0]).map(([minute, hours]) => `${minute} ${hours.join(',')} * * *`);
}
