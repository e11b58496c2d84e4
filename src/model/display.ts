/**
 * Text for people: the one escaping of values that come from files and data (ids, names, paths,
 * messages that quote them, notification bodies) and the one number format (`2,070`). Every
 * text, table and markdown renderer goes through these, so a value can never move the cursor,
 * recolour a terminal, reorder a line (bidi), hide itself (zero-width) or start a new line that a
 * CI log would read as a workflow command. JSON output needs neither: JSON escapes itself.
 */

/**
 * C0 and C1 controls and DEL, bidi embeddings/overrides/isolates and marks, zero-width
 * characters, line/paragraph separators, and lone surrogates (the `u` flag matches only unpaired
 * ones).
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ud800-\udfff]/gu;
/** The same minus CR and LF, for formats that escape line breaks their own way. */
const UNSAFE_INLINE = /[\u0000-\u0009\u000b\u000c\u000e-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ud800-\udfff]/gu;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function visible(ch: string): string {
  return NAMED[ch] ?? `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** A value as it may be printed on one line of a terminal or a log: unsafe characters as `\n`, `\u001b`, `\u202e`. */
export function escapeText(value: string): string {
  return value.replace(UNSAFE, visible);
}

/** Like escapeText, but keeps CR and LF for the caller to encode (GitHub's `%0A`). */
export function escapeTextKeepingLineBreaks(value: string): string {
  return value.replace(UNSAFE_INLINE, visible);
}

const UNSAFE_ONE = new RegExp(UNSAFE.source, 'u');

/**
 * The first unsafe character of `value` that `allowed` (when given) refuses, and its 1-based
 * column in code points; null when there is none.
 */
export function findUnsafeCharacter(value: string, allowed?: (ch: string) => boolean): { codePoint: string; column: number } | null {
  let column = 0;
  for (const ch of value) {
    column += 1;
    if (UNSAFE_ONE.test(ch) && !(allowed?.(ch) ?? false)) {
      return { codePoint: `U+${ch.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`, column };
    }
  }
  return null;
}

/**
 * A count for people: `2,070` (rounded to a whole number, halves away from zero). Grouped by
 * hand: an Intl.NumberFormat costs tens of milliseconds to create (ICU), at the start of every
 * command that prints a count.
 */
export function formatCount(n: number | bigint): string {
  const whole = typeof n === 'bigint' ? n.toString() : Number.isFinite(n) ? String(Math.sign(n) * Math.round(Math.abs(n))) : String(n);
  const negative = whole.startsWith('-');
  const digits = negative ? whole.slice(1) : whole;
  if (!/^\d+$/.test(digits)) return whole;
  const grouped = digits.replace(/\B(?=(\d{3})+$)/g, ',');
  return negative && grouped !== '0' ? `-${grouped}` : grouped;
}

/** A share for people: `41%` (whole percent, floored so 99.6% never reads as done). */
export function formatPercent(done: number, total: number): string {
  if (total <= 0) return '0%';
  return `${Math.floor((Math.min(done, total) / total) * 100)}%`;
}
