/**
 * The seal of a saved plan (SPEC §4.7): sha256 of the plan's canonical JSON — every field but
 * `digest`, object keys sorted, no whitespace — so any edit of the file, a reordering of keys
 * aside, breaks it. Pure: no I/O.
 */
import { createHash } from 'node:crypto';

export const DIGEST_PREFIX = 'sha256:';

/** JSON with object keys sorted at every level; arrays keep their order; undefined members dropped. */
export function canonicalPlanJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalPlanJson(v))).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record)
      .filter((k) => record[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalPlanJson(record[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The digest of a plan's JSON value, ignoring its own `digest` field. */
export function planDigest(value: Record<string, unknown>): string {
  const { digest: _ignored, ...content } = value;
  return `${DIGEST_PREFIX}${createHash('sha256').update(canonicalPlanJson(content)).digest('hex')}`;
}

/** The value with its digest as the last key. */
export function sealPlanValue<T extends Record<string, unknown>>(value: T): T & { digest: string } {
  const { digest: _old, ...content } = value;
  return { ...(content as T), digest: planDigest(content) };
}
