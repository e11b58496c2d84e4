/**
 * Values in PostgreSQL's COPY text format: columns separated by tabs, `\N` for null, and
 * backslash, tab, newline and carriage return escaped with a backslash.
 */
const SPECIAL = /[\\\t\n\r]/;
const SPECIAL_ALL = /[\\\t\n\r]/g;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

export const COPY_NULL = '\\N';

/** A text value escaped for COPY; most ids need no escaping and are returned as they are. */
export function copyText(value: string): string {
  return SPECIAL.test(value) ? value.replace(SPECIAL_ALL, (c) => ESCAPES[c]!) : value;
}

export function copyTextOrNull(value: string | undefined | null): string {
  return value === undefined || value === null ? COPY_NULL : copyText(value);
}

const ARRAY_ELEMENT_SPECIAL = /[\\"]/g;

/** A text[] value as an array literal (`{"a","b"}`), escaped for COPY. */
export function copyTextArray(values: readonly string[]): string {
  if (values.length === 0) return '{}';
  let literal = '{';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) literal += ',';
    literal += `"${values[i]!.replace(ARRAY_ELEMENT_SPECIAL, '\\$&')}"`;
  }
  return copyText(`${literal}}`);
}

const UNESCAPES: Record<string, string> = { '\\\\': '\\', '\\t': '\t', '\\n': '\n', '\\r': '\r' };

/** A value written by `copyText`, back as it was. */
export function uncopyText(text: string): string {
  return text.indexOf('\\') === -1 ? text : text.replace(/\\[\\tnr]/g, (e) => UNESCAPES[e]!);
}
