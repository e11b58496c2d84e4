/**
 * An instant written in a merchant's zone with its offset (`2026-03-01T08:00:00+08:00`): what a
 * person reads for windows and expiries, still an exact instant for a tool (SPEC v1.1: every
 * instant a message shows is in the merchant's timezone).
 */
import { offsetAt, wallClock } from './localDate.js';

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

export function formatInZone(instant: Date, timezone: string): string {
  const w = wallClock(instant.getTime(), timezone);
  const offsetMin = Math.round(offsetAt(instant.getTime(), timezone) / 60_000);
  const sign = offsetMin < 0 ? '-' : '+';
  const abs = Math.abs(offsetMin);
  const year = w.y >= 0 && w.y <= 9999 ? pad(w.y, 4) : String(w.y);
  return `${year}-${pad(w.m)}-${pad(w.d)}T${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}
