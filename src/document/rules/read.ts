/**
 * Total readers over untyped documents. Meaning rules run even when the schema failed, so
 * they read the document as `unknown` and skip whatever is missing or of the wrong type.
 */

export type Json = Record<string, unknown>;

export function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The record at a path of keys, or undefined when any step is missing or not a record. */
export function recordAt(value: unknown, ...keys: string[]): Json | undefined {
  let current: unknown = value;
  for (const key of keys) {
    if (!isRecord(current) || !Object.hasOwn(current, key)) return undefined;
    current = current[key];
  }
  return isRecord(current) ? current : undefined;
}

/** A property of a record (own properties only), or undefined. */
export function prop(value: unknown, key: string): unknown {
  return isRecord(value) && Object.hasOwn(value, key) ? value[key] : undefined;
}

export function stringProp(value: unknown, key: string): string | undefined {
  const v = prop(value, key);
  return typeof v === 'string' ? v : undefined;
}

/** Whether a property is set (present and not null). */
export function isSet(value: unknown, key: string): boolean {
  const v = prop(value, key);
  return v !== undefined && v !== null;
}

export function arrayProp(value: unknown, key: string): unknown[] | undefined {
  const v = prop(value, key);
  return Array.isArray(v) ? v : undefined;
}

/** A display name for an entry of tiers or plans: its id when it has one, else its position. */
export function entryName(entry: unknown, index: number, noun: string): string {
  const id = stringProp(entry, 'id');
  return id !== undefined ? `'${id}'` : `${noun} #${index + 1}`;
}
