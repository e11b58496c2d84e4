/**
 * Durations: `{ months: N }` (calendar months, end-of-month clamped) or `{ days: N }`.
 * See docs/decisions.md, "Comparing durations", for how months and days compare.
 */
import { addDays, addMonths, daysInMonth, type LocalDate } from './localDate.js';

export type Duration = { months: number } | { days: number };

/** A duration as written in a document: exactly one of months/days, a non-negative integer. */
export function parseDuration(value: unknown): Duration | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const keys = Object.keys(value);
  if (keys.length !== 1) return undefined;
  const n = (value as Record<string, unknown>)[keys[0]!];
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) return undefined;
  if (keys[0] === 'months') return { months: n };
  if (keys[0] === 'days') return { days: n };
  return undefined;
}

export function addDuration(date: LocalDate, d: Duration): LocalDate {
  return 'months' in d ? addMonths(date, d.months) : addDays(date, d.days);
}

export function formatDuration(d: Duration): string {
  const [n, unit] = 'months' in d ? [d.months, 'month'] : [d.days, 'day'];
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

/**
 * Shortest and longest length in days of `months` calendar months over every possible start
 * date (the Gregorian calendar repeats every 400 years, so one cycle covers them all).
 */
const monthSpans = new Map<number, { min: number; max: number }>();

export function monthSpanInDays(months: number): { min: number; max: number } {
  let span = monthSpans.get(months);
  if (span) return span;
  let min = Infinity;
  let max = -Infinity;
  // Extremes occur at the first of a month or on the days that clamp (28–31).
  for (let year = 2000; year < 2400; year++) {
    for (let month = 1; month <= 12; month++) {
      const index = year * 12 + month - 1 + months;
      const endYear = Math.floor(index / 12);
      const endMonth = index - endYear * 12 + 1;
      for (const day of [1, 28, 29, 30, 31]) {
        if (day > daysInMonth(year, month)) continue;
        const end = civilDay(endYear, endMonth, Math.min(day, daysInMonth(endYear, endMonth)));
        const length = end - civilDay(year, month, day);
        if (length < min) min = length;
        if (length > max) max = length;
      }
    }
  }
  span = { min, max };
  monthSpans.set(months, span);
  return span;
}

/** A day count for a proleptic Gregorian date, any fixed epoch (only differences are used). */
function civilDay(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const shifted = (month + 9) % 12; // March = 0
  const dayOfYear = Math.floor((153 * shifted + 2) / 5) + day - 1;
  return y * 365 + Math.floor(y / 4) - Math.floor(y / 100) + Math.floor(y / 400) + dayOfYear;
}

function span(d: Duration): { min: number; max: number } {
  if ('days' in d) return { min: d.days, max: d.days };
  return monthSpanInDays(d.months);
}

/**
 * Compare `d` with a minimum: negative when `d` may be shorter than `min`, zero or positive
 * when `d` is never shorter, whatever the start date. Same units compare by count; across units
 * `d`'s shortest possible length is compared with `min`'s longest ({days: 30} is shorter than
 * {months: 1}, because March 1 + 30 days falls before April 1; {days: 31} is not).
 */
export function compareDurationMinimum(d: Duration, min: Duration): number {
  if ('months' in d && 'months' in min) return Math.sign(d.months - min.months);
  if ('days' in d && 'days' in min) return Math.sign(d.days - min.days);
  const shortest = span(d).min;
  const longest = span(min).max;
  return shortest < longest ? -1 : 0;
}
