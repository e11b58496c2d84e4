/**
 * Local dates and time zones. A local date is a calendar date in the merchant's timezone,
 * written 'YYYY-MM-DD'. Time zones are IANA names resolved through Intl (no offsets).
 */

export type LocalDate = string;

const LOCAL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;

/** True for a real calendar date 'YYYY-MM-DD' (2024-02-29 yes, 2023-02-29 no). */
export function isLocalDate(text: unknown): boolean {
  if (typeof text !== 'string') return false;
  const m = LOCAL_DATE.exec(text);
  if (!m) return false;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  return mo >= 1 && mo <= 12 && d >= 1 && d <= daysInMonth(y, mo);
}

export function parseLocalDate(text: unknown): LocalDate | undefined {
  return isLocalDate(text) ? (text as LocalDate) : undefined;
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** Days in a month, month 1–12. */
export function daysInMonth(year: number, month: number): number {
  return month === 2 ? (isLeapYear(year) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
}

interface Ymd {
  y: number;
  m: number;
  d: number;
}

function split(date: LocalDate): Ymd {
  if (!isLocalDate(date)) throw new RangeError(`not a local date (YYYY-MM-DD): ${JSON.stringify(date)}`);
  return { y: Number(date.slice(0, 4)), m: Number(date.slice(5, 7)), d: Number(date.slice(8, 10)) };
}

function join({ y, m, d }: Ymd): LocalDate {
  if (y < 0 || y > 9999) throw new RangeError(`year ${y} is outside 0000–9999`);
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** Days since 1970-01-01 (negative before). */
export function dayNumber(date: LocalDate): number {
  const { y, m, d } = split(date);
  return Math.round(utcMs(y, m, d) / DAY_MS);
}

export function fromDayNumber(n: number): LocalDate {
  const t = new Date(n * DAY_MS);
  return join({ y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() });
}

function utcMs(y: number, m: number, d: number): number {
  const t = new Date(0);
  t.setUTCFullYear(y, m - 1, d); // setUTCFullYear keeps years 0–99 literal, unlike Date.UTC
  return t.getTime();
}

export function addDays(date: LocalDate, days: number): LocalDate {
  return fromDayNumber(dayNumber(date) + days);
}

/** Calendar months, clamped to the end of the month: 2024-01-31 + 1 = 2024-02-29. */
export function addMonths(date: LocalDate, months: number): LocalDate {
  const { y, m, d } = split(date);
  const index = y * 12 + (m - 1) + months;
  const ny = Math.floor(index / 12);
  const nm = index - ny * 12 + 1;
  return join({ y: ny, m: nm, d: Math.min(d, daysInMonth(ny, nm)) });
}

/** Negative, zero or positive as a is before, equal to or after b. */
export function compareLocalDates(a: LocalDate, b: LocalDate): number {
  return a < b ? -1 : a > b ? 1 : 0; // zero-padded ISO dates sort as text
}

// ---------------------------------------------------------------------------------------------
// Time zones

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      era: 'short',
    });
    formatters.set(tz, f);
  }
  return f;
}

const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/;

/**
 * True for an IANA time zone name the runtime knows ('Asia/Shanghai', 'UTC', 'Etc/GMT+8',
 * and links such as 'US/Eastern'). Offsets ('+08:00'), abbreviations Intl does not know, and
 * names in the wrong case ('asia/shanghai') are refused: the name is stored and compared as written.
 */
// Building an Intl formatter costs about half a millisecond; a repository names few zones.
const zoneVerdicts = new Map<string, boolean>();

export function isTimeZone(name: unknown): boolean {
  if (typeof name !== 'string' || name.length > 64 || !ZONE_NAME.test(name)) return false;
  let verdict = zoneVerdicts.get(name);
  if (verdict === undefined) {
    verdict = checkTimeZone(name);
    if (zoneVerdicts.size < 1000) zoneVerdicts.set(name, verdict);
  }
  return verdict;
}

function checkTimeZone(name: string): boolean {
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return false;
  }
  // Intl folds case; a name that differs from its resolution only by case is a misspelling.
  return !(resolved !== name && resolved.toLowerCase() === name.toLowerCase());
}

export interface WallClock extends Ymd {
  hour: number;
  minute: number;
  second: number;
}

/** The wall clock of `tz` at an instant, to the second. */
export function wallClock(instantMs: number, tz: string): WallClock {
  const parts = formatter(tz).formatToParts(new Date(instantMs));
  const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value);
  const era = parts.find((p) => p.type === 'era')?.value;
  const year = get('year');
  return {
    y: era === 'BC' || era === 'B' ? 1 - year : year,
    m: get('month'),
    d: get('day'),
    hour: get('hour'),
    minute: get('minute'),
    second: get('second'),
  };
}

/** The local date of an instant in a time zone. */
export function localDateOf(instant: Date, tz: string): LocalDate {
  const w = wallClock(instant.getTime(), tz);
  return join(w);
}

/** The wall clock of `tz` at an instant (to the second), as the same wall time read as UTC, in ms. */
export function wallClockMs(instantMs: number, tz: string): number {
  const w = wallClock(instantMs, tz);
  return utcMs(w.y, w.m, w.d) + ((w.hour * 60 + w.minute) * 60 + w.second) * 1000;
}

/** Offset of `tz` from UTC at an instant, in milliseconds (wall clock minus UTC). */
export function offsetAt(instantMs: number, tz: string): number {
  const whole = Math.floor(instantMs / 1000) * 1000;
  const w = wallClock(whole, tz);
  return utcMs(w.y, w.m, w.d) + ((w.hour * 60 + w.minute) * 60 + w.second) * 1000 - whole;
}

/**
 * The instant at which local date `date` starts in `tz`. When midnight happens twice (a clock
 * set back across it) this is the first one; when midnight is skipped (a clock set forward at
 * 00:00) it is the first instant that belongs to the date, i.e. the transition itself. For a
 * date the zone skipped entirely (Pacific/Apia, 2011-12-30) it is the start of the next date.
 */
export function localMidnight(date: LocalDate, tz: string): Date {
  const { y, m, d } = split(date);
  const wallMidnight = utcMs(y, m, d);
  const hour = 3_600_000;
  // Real offsets lie within ±15 h; any offset in force at the day's start is seen at one of these.
  const offsets = new Set([-15 * hour, 0, 15 * hour].map((delta) => offsetAt(wallMidnight + delta, tz)));
  offsets.add(offsetAt(wallMidnight - offsetAt(wallMidnight, tz), tz));
  let best: number | undefined;
  for (const offset of offsets) {
    const candidate = wallMidnight - offset;
    if (offsetAt(candidate, tz) === offset && (best === undefined || candidate < best)) best = candidate;
  }
  if (best !== undefined) return new Date(best);
  // Midnight was skipped: search for the first instant whose local date is `date` (to the second).
  let lo = wallMidnight - 16 * hour; // surely the previous day
  let hi = wallMidnight + 16 * hour; // surely `date` or later
  while (hi - lo > 1000) {
    const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
    if (localDateOf(new Date(mid), tz) >= date) hi = mid;
    else lo = mid;
  }
  return new Date(hi);
}
