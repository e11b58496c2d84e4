/**
 * Reading one field of an import record. NDJSON gives typed JSON values, CSV gives strings; each
 * reader accepts both where a user would expect it (an amount as 12.5 or "12.50", an id as "A1"
 * or 1001). A reader returns the value, or throws a FieldError naming the field.
 */
import { parseInstant } from '../model/instant.js';
import { parseMoney } from '../model/money.js';

export class FieldError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FieldError';
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/**
 * The longest id, in characters: ids are keys of btree indexes, whose entries must stay under
 * about 2,700 bytes; 256 characters of up to 4 bytes each, twice in a key, stay well within.
 */
export const MAX_ID_LENGTH = 256;
/** The longest free text (a member's name), in characters. */
export const MAX_TEXT_LENGTH = 1000;

/** A lone surrogate (a JSON escape such as \ud800 without its pair) is not text: stored, it turns into U+FFFD. */
const LONE_SURROGATE = /\p{Cs}/u;

function checkText(value: string, field: string, max: number): void {
  if (value.length > max) throw new FieldError(`${field} is ${value.length} characters long; at most ${max} are allowed`);
  if (LONE_SURROGATE.test(value)) throw new FieldError(`${field} contains a lone surrogate (an escape such as \\ud800 without its pair), which is not text`);
}

/** An identifier: a non-empty string without control characters, or a non-negative integer. */
export function readId(value: unknown, field: string): string {
  if (typeof value === 'string') {
    if (value.length === 0 || value.trim() !== value) throw new FieldError(`${field} must be a non-empty id without surrounding spaces (got ${JSON.stringify(value.slice(0, 80))})`);
    if (/[\u0000-\u001f]/.test(value)) throw new FieldError(`${field} contains a control character`);
    checkText(value, field, MAX_ID_LENGTH);
    return value;
  }
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return String(value);
  throw new FieldError(`${field} must be a string id, got ${describe(value)}`);
}

/** Free text (a name): any string without NUL. */
export function readText(value: unknown, field: string): string {
  if (typeof value !== 'string') throw new FieldError(`${field} must be a string, got ${describe(value)}`);
  if (value.indexOf('\u0000') !== -1) throw new FieldError(`${field} contains a NUL character`);
  checkText(value, field, MAX_TEXT_LENGTH);
  return value;
}

const INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(?:Z|[+-](\d{2}):(\d{2}))$/;

/**
 * An instant with offset, the grammar of src/model/instant.ts; returns the text as written,
 * which PostgreSQL reads as it is. Checked without building a Date (this runs once per row of
 * a file of millions); offsets beyond ±15:59 are refused, as PostgreSQL refuses them.
 */
export function readInstant(value: unknown, field: string): { text: string } {
  if (typeof value !== 'string') throw new FieldError(`${field} must be an instant such as 2026-03-01T10:00:00+08:00, got ${describe(value)}`);
  if (!isInstant(value)) throw new FieldError(`${field} ${JSON.stringify(value)} is not an instant with offset, such as 2026-03-01T10:00:00+08:00`);
  return { text: value };
}

export function isInstant(text: string): boolean {
  const m = INSTANT.exec(text);
  if (!m) return false;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (year < 1 || month < 1 || month > 12 || day < 1 || Number(m[4]) > 23 || Number(m[5]) > 59 || Number(m[6] ?? 0) > 59) return false;
  if (day > (month === 2 ? (isLeap(year) ? 29 : 28) : DAYS_IN_MONTH[month - 1]!)) return false;
  if (m[8] !== undefined && (Number(m[8]) > 15 || Number(m[9]) > 59)) return false;
  return true;
}

function isLeap(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

/** An instant with offset as a Date (src/model/instant.ts), for the few fields that need one. */
export function readInstantDate(value: unknown, field: string): Date {
  const { text } = readInstant(value, field);
  const date = parseInstant(text);
  if (!date) throw new FieldError(`${field} ${JSON.stringify(value)} is not an instant with offset, such as 2026-03-01T10:00:00+08:00`);
  return date;
}

/** An amount in major units of `currency` as bigint minor units (src/model/money.ts). */
export function readAmount(value: unknown, field: string, currency: string): bigint {
  if (typeof value !== 'number' && typeof value !== 'string') throw new FieldError(`${field} must be an amount such as 12.50, got ${describe(value)}`);
  const result = parseMoney(value, currency);
  if (!result.ok) throw new FieldError(`${field}: ${result.message}`);
  return result.minor;
}

/** One of `allowed`. */
export function readEnum<T extends string>(value: unknown, field: string, allowed: readonly T[]): T {
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw new FieldError(`${field} must be one of ${allowed.join(', ')} (got ${typeof value === 'string' ? JSON.stringify(value) : describe(value)})`);
}

/** A list of non-empty strings (CSV cells arrive already split on `|`). */
export function readStringList(value: unknown, field: string): string[] {
  if (!Array.isArray(value)) throw new FieldError(`${field} must be a list of strings, got ${describe(value)}`);
  for (const item of value) {
    if (typeof item !== 'string' || item.length === 0) throw new FieldError(`${field} must hold non-empty strings, got ${typeof item === 'string' ? 'an empty one' : describe(item)}`);
    if (item.indexOf('\u0000') !== -1) throw new FieldError(`${field} contains a NUL character`);
    checkText(item, field, MAX_ID_LENGTH);
  }
  return value as string[];
}

const BIRTHDAY = /^(?:(\d{4})-)?(\d{2})-(\d{2})$/;
const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** A birthday `MM-DD` (29 February allowed) or `YYYY-MM-DD`, a real calendar date. */
export function readBirthday(value: unknown, field: string): string {
  const m = typeof value === 'string' ? BIRTHDAY.exec(value) : null;
  if (!m) throw new FieldError(`${field} must be MM-DD or YYYY-MM-DD (got ${typeof value === 'string' ? JSON.stringify(value) : describe(value)})`);
  const year = m[1] === undefined ? undefined : Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const leap = year === undefined || isLeap(year);
  const max = month === 2 ? (leap ? 29 : 28) : DAYS_IN_MONTH[month - 1];
  if (month < 1 || month > 12 || max === undefined || day < 1 || day > max || year === 0) {
    throw new FieldError(`${field} ${JSON.stringify(value)} is not a calendar date`);
  }
  return value as string;
}
