/**
 * Calendar arithmetic on instants for paid periods (SPEC §3.8): a duration is added to the
 * wall-clock time of an instant in the merchant's zone (months clamped at the end of the month,
 * the time of day kept, no rounding to local midnight), and the result is read back as an
 * instant. This is PostgreSQL's `((t AT TIME ZONE tz) + interval) AT TIME ZONE tz`, which the
 * SQL engine uses, including its reading of wall times that a clock change makes ambiguous or
 * skips: a skipped time (spring forward) takes the offset in force before the change, an
 * ambiguous one (fall back) the offset in force after it.
 */
import type { Duration } from '../model/duration.js';
import { addDays, addMonths, wallClockMs } from '../model/localDate.js';

const HOUR = 3_600_000;
const DAY = 86_400_000;

/** Wall-clock time of an instant in `tz`, as milliseconds of the same wall time read as UTC. */
function wallMs(instantMs: number, tz: string): number {
  const whole = Math.floor(instantMs / 1000) * 1000;
  return wallClockMs(whole, tz) + (instantMs - whole);
}

/** Offset of `tz` at an instant: wall clock minus UTC, in milliseconds. */
function offsetAt(instantMs: number, tz: string): number {
  return wallMs(instantMs, tz) - instantMs;
}

/** The instant of a wall-clock time in `tz` (PostgreSQL's reading of skipped and repeated times). */
export function fromWallClock(wall: number, tz: string): Date {
  const valid: number[] = [];
  for (const offset of new Set([offsetAt(wall - 15 * HOUR, tz), offsetAt(wall, tz), offsetAt(wall + 15 * HOUR, tz)])) {
    if (offsetAt(wall - offset, tz) === offset) valid.push(wall - offset);
  }
  // Repeated wall time: the later instant (the offset after the change).
  if (valid.length > 0) return new Date(Math.max(...valid));
  // Skipped wall time: the offset in force before the change.
  return new Date(wall - offsetAt(wall - 15 * HOUR, tz));
}

/** `t + d` on the wall clock of `tz` (calendar months clamped at month end, or calendar days). */
export function addToInstant(t: Date, d: Duration, tz: string): Date {
  const wall = wallMs(t.getTime(), tz);
  const dayMs = Math.floor(wall / DAY) * DAY;
  const timeOfDay = wall - dayMs;
  const date = new Date(dayMs).toISOString().slice(0, 10);
  const shifted = 'months' in d ? addMonths(date, d.months) : addDays(date, d.days);
  return fromWallClock(Date.parse(`${shifted}T00:00:00Z`) + timeOfDay, tz);
}

/** Whole calendar months: `addToInstant(t, { months })`. */
export function addMonthsToInstant(t: Date, months: number, tz: string): Date {
  return addToInstant(t, { months }, tz);
}
