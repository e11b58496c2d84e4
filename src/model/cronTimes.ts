/**
 * When a cron expression fires, in a time zone: the latest fire time at or before an instant and
 * the next one after it. Pure: the instants are arguments.
 *
 * Fields are matched as node-cron matches them (all fields must match; day of month AND day of
 * week when both are restricted). Local times a clock change makes special:
 * - a time that happens twice (clock set back) fires once, at its first occurrence;
 * - a time that is skipped (clock set forward) fires at the transition itself, so a daily
 *   02:30 in America/New_York still fires once on the spring-forward day, at 03:00 EDT.
 * With these two rules the mapping from local time to instant never runs backwards, which lets
 * a day be searched by bisection.
 */
import { checkCron } from './cron.js';
import { offsetAt, wallClock, wallClockMs } from './localDate.js';

export interface CronFields {
  /** Sorted seconds, minutes and hours that match. */
  seconds: number[];
  minutes: number[];
  hours: number[];
  /** null: any. */
  days: Set<number> | null;
  months: Set<number> | null;
  /** 0–6, Sunday 0. */
  weekdays: Set<number> | null;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** How far to search for a date the fields allow (Feb 29 on a given weekday recurs within 28 years). */
const SEARCH_DAYS = 366 * 60;

/** Parses an expression `checkCron` accepts; throws RangeError with its reason otherwise. */
export function parseCronFields(expr: string): CronFields {
  const check = checkCron(expr);
  if (!check.ok) throw new RangeError(`invalid cron expression '${expr}': ${check.message}`);
  const fields = expr.trim().split(/ +/);
  const all = fields.length === 6 ? fields : ['0', ...fields];
  const [s, mi, h, d, mo, wd] = all as [string, string, string, string, string, string];
  const weekdays = field(wd, 0, 7, WEEKDAYS, 0);
  return {
    seconds: sorted(field(s, 0, 59) ?? range(0, 59)),
    minutes: sorted(field(mi, 0, 59) ?? range(0, 59)),
    hours: sorted(field(h, 0, 23) ?? range(0, 23)),
    days: field(d, 1, 31),
    months: field(mo, 1, 12, MONTHS, 1),
    weekdays: weekdays === null ? null : new Set([...weekdays].map((v) => v % 7)),
  };
}

function range(lo: number, hi: number): Set<number> {
  const out = new Set<number>();
  for (let v = lo; v <= hi; v++) out.add(v);
  return out;
}

function sorted(values: Set<number>): number[] {
  return [...values].sort((a, b) => a - b);
}

/** The values a (validated) field allows; null for `*`. */
function field(text: string, min: number, max: number, names?: string[], nameBase = 0): Set<number> | null {
  if (text === '*') return null;
  const value = (t: string): number => (/^\d+$/.test(t) ? Number(t) : names!.indexOf(t.toLowerCase()) + nameBase);
  const out = new Set<number>();
  for (const item of text.split(',')) {
    const [rangeText, stepText] = item.split('/') as [string, string | undefined];
    let lo = min;
    let hi = max;
    if (rangeText !== '*') {
      const [a, b] = rangeText.split('-') as [string, string | undefined];
      lo = value(a);
      hi = b === undefined ? lo : value(b);
    }
    const step = stepText === undefined ? 1 : Number(stepText);
    for (let v = lo; v <= hi; v += step) out.add(v);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Local wall time ↔ instants

/**
 * The instant of a local wall time (given as UTC-like ms): its first occurrence when it happens
 * twice, the transition when it is skipped.
 */
function instantOfWall(wall: number, tz: string): number {
  const offsets = new Set([-15 * HOUR_MS, 0, 15 * HOUR_MS].map((delta) => offsetAt(wall + delta, tz)));
  offsets.add(offsetAt(wall - offsetAt(wall, tz), tz));
  let best: number | undefined;
  for (const offset of offsets) {
    const candidate = wall - offset;
    if (offsetAt(candidate, tz) === offset && (best === undefined || candidate < best)) best = candidate;
  }
  if (best !== undefined) return best;
  // Skipped: the transition lies between wall − (larger offset) and wall − (smaller offset).
  const list = [...offsets];
  let lo = wall - Math.max(...list);
  let hi = wall - Math.min(...list);
  while (hi - lo > 1000) {
    const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
    if (wallClockMs(mid, tz) >= wall) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** `2026-11-23T03:00+08:00` (seconds shown only when not zero): an instant as the zone's clock showed it. */
export function formatLocalInstant(instant: Date, tz: string): string {
  const ms = instant.getTime();
  const w = wallClock(ms, tz);
  const offsetMin = Math.round(offsetAt(ms, tz) / 60_000);
  const sign = offsetMin < 0 ? '-' : '+';
  const abs = Math.abs(offsetMin);
  const p = (n: number): string => String(n).padStart(2, '0');
  const seconds = w.second === 0 ? '' : `:${p(w.second)}`;
  return `${String(w.y).padStart(4, '0')}-${p(w.m)}-${p(w.d)}T${p(w.hour)}:${p(w.minute)}${seconds}${sign}${p(Math.floor(abs / 60))}:${p(abs % 60)}`;
}

// ---------------------------------------------------------------------------------------------
// Fire times

class Firing {
  private readonly fields: CronFields;
  private readonly perHour: number;
  private readonly perMinute: number;
  private readonly count: number;

  constructor(
    expr: string,
    private readonly tz: string,
  ) {
    this.fields = parseCronFields(expr);
    this.perMinute = this.fields.seconds.length;
    this.perHour = this.fields.minutes.length * this.perMinute;
    this.count = this.fields.hours.length * this.perHour;
  }

  /** Whether the day (days since 1970-01-01) is one the fields allow. */
  dayMatches(dayNo: number): boolean {
    const date = new Date(dayNo * DAY_MS);
    const { days, months, weekdays } = this.fields;
    return (
      (months === null || months.has(date.getUTCMonth() + 1)) &&
      (days === null || days.has(date.getUTCDate())) &&
      (weekdays === null || weekdays.has(date.getUTCDay()))
    );
  }

  /** The instant of the i-th time of day on a day. */
  at(dayNo: number, i: number): number {
    const h = this.fields.hours[Math.floor(i / this.perHour)]!;
    const m = this.fields.minutes[Math.floor(i / this.perMinute) % this.fields.minutes.length]!;
    const s = this.fields.seconds[i % this.perMinute]!;
    return instantOfWall(dayNo * DAY_MS + ((h * 60 + m) * 60 + s) * 1000, this.tz);
  }

  localDay(ms: number): number {
    return Math.floor(wallClockMs(ms, this.tz) / DAY_MS);
  }

  /** Latest time on the day at or before `limit`, if any (times are non-decreasing in i). */
  latestOnDay(dayNo: number, limit: number): number | null {
    if (this.at(dayNo, 0) > limit) return null;
    let lo = 0;
    let hi = this.count - 1;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (this.at(dayNo, mid) <= limit) lo = mid;
      else hi = mid - 1;
    }
    return this.at(dayNo, lo);
  }

  /** Earliest time on the day strictly after `limit`, if any. */
  earliestOnDay(dayNo: number, limit: number): number | null {
    if (this.at(dayNo, this.count - 1) <= limit) return null;
    let lo = 0;
    let hi = this.count - 1;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if (this.at(dayNo, mid) > limit) hi = mid;
      else lo = mid + 1;
    }
    return this.at(dayNo, lo);
  }
}

/** The latest instant at or before `now` at which `expr` fires in `tz`; null when none within 60 years. */
export function latestFireAtOrBefore(expr: string, tz: string, now: Date): Date | null {
  const firing = new Firing(expr, tz);
  const limit = now.getTime();
  // A skipped time fires at the transition, which can fall on the next local day: start one day later.
  const start = firing.localDay(limit) + 1;
  for (let day = start; day > start - SEARCH_DAYS; day--) {
    if (!firing.dayMatches(day)) continue;
    const found = firing.latestOnDay(day, limit);
    if (found !== null) return new Date(found);
  }
  return null;
}

/** The earliest instant strictly after `after` at which `expr` fires in `tz`; null when none within 60 years. */
export function nextFireAfter(expr: string, tz: string, after: Date): Date | null {
  const firing = new Firing(expr, tz);
  const limit = after.getTime();
  const start = firing.localDay(limit) - 1;
  for (let day = start; day < start + SEARCH_DAYS; day++) {
    if (!firing.dayMatches(day)) continue;
    const found = firing.earliestOnDay(day, limit);
    if (found !== null) return new Date(found);
  }
  return null;
}
