/**
 * The canonical form of a program document: what is stored, hashed, exported and diffed.
 *
 * Canonicalization only rewrites spellings that mean the same thing, never drops or adds meaning:
 * - object keys in the order of SPEC §1.1 (known keys), then unknown keys sorted;
 * - money (`amount`, `amountOff`, `minSpend`, `price`) as the shortest exact decimal: a JSON
 *   number when that number prints back as the same decimal, else a decimal string (huge values);
 *   `"100.50"`, `100.5` and `"100.5"` are one value;
 * - the set-like string lists `exclude`, `channels`, `collections` sorted and de-duplicated;
 * - `undefined` members dropped (they do not exist in YAML or JSON); a Date becomes its ISO text.
 * Defaults are not filled in: an exported file shows what its author wrote.
 * The function is idempotent: canonical(canonical(x)) deep-equals canonical(x).
 */
import { createHash } from 'node:crypto';

/** Keys in the order SPEC §1.1 writes them; one global ranking is enough because it only orders siblings. */
const KEY_ORDER = [
  'apiVersion', 'kind', 'metadata', 'spec',
  'id', 'merchant', 'name', 'subscription', 'timezone', 'currency',
  'type', 'enabled', 'effective', 'mode', 'at', 'existingMembers',
  'evaluation', 'cron',
  'levels', 'activeFrom', 'upgrade', 'basis', 'window', 'lifetime', 'since_last_upgrade', 'rolling', 'fixed',
  'from', 'to', 'exclude', 'downgrade', 'price', 'validity', 'retention', 'extend', 'refunds',
  'tiers', 'plans', 'threshold', 'retain', 'amount', 'orders', 'months', 'days',
  'card', 'icon', 'color',
  'benefits', 'points', 'percentOff', 'amountOff', 'minSpend', 'percent', 'collections', 'description',
  'channels', 'grant', 'every',
  'paid', 'notifications',
];
const KEY_RANK = new Map(KEY_ORDER.map((k, i) => [k, i]));

const MONEY_KEYS = new Set(['amount', 'amountOff', 'minSpend', 'price']);
const SET_KEYS = new Set(['exclude', 'channels', 'collections']);

export function compareKeys(a: string, b: string): number {
  const ra = KEY_RANK.get(a);
  const rb = KEY_RANK.get(b);
  if (ra !== undefined && rb !== undefined) return ra - rb;
  if (ra !== undefined) return -1;
  if (rb !== undefined) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

const DECIMAL = /^\s*([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d{1,4}))?\s*$/;

/** Plain decimal text without exponent, leading or trailing zeros; undefined when not a decimal. */
function plainDecimal(text: string): string | undefined {
  const m = DECIMAL.exec(text);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return undefined;
  const digits = `${m[2]}${m[3] ?? ''}`;
  const point = m[2]!.length + Number(m[4] ?? 0);
  const padded = point <= 0 ? `${'0'.repeat(1 - point)}${digits}` : digits.padEnd(point, '0');
  const at = Math.max(point, 1);
  const intPart = padded.slice(0, at).replace(/^0+(?=\d)/, '');
  const fraction = padded.slice(at).replace(/0+$/, '');
  const zero = /^0+$/.test(intPart) && fraction === '';
  return `${m[1] === '-' && !zero ? '-' : ''}${intPart}${fraction ? `.${fraction}` : ''}`;
}

/**
 * The one spelling of an amount: a JSON number when it prints back as the same exact decimal,
 * else the decimal string. Anything that is not a finite decimal is left for validation to report.
 */
export function canonicalMoney(value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) return value;
  if (typeof value !== 'number' && typeof value !== 'string') return value;
  const text = plainDecimal(String(value));
  if (text === undefined) return value;
  const asNumber = Number(text);
  return String(asNumber) === text ? asNumber : text;
}

function canonicalValue(value: unknown, key: string | undefined): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) {
    const items = value.map((v) => canonicalValue(v, undefined));
    if (key !== undefined && SET_KEYS.has(key) && items.every((v) => typeof v === 'string')) {
      return [...new Set(items as string[])].sort();
    }
    return items;
  }
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort(compareKeys)) {
      const v = value[k];
      if (v === undefined) continue;
      out[k] = canonicalValue(v, k);
    }
    return out;
  }
  if (key !== undefined && MONEY_KEYS.has(key)) return canonicalMoney(value);
  return value;
}

export function canonicalDocument<T>(doc: T): T {
  return canonicalValue(doc, undefined) as T;
}

/** Canonical JSON text: the canonical document serialized without whitespace. */
export function canonicalJson(doc: unknown): string {
  return JSON.stringify(canonicalDocument(doc));
}

/** sha256 (hex) of the canonical JSON; equal for any two spellings of the same program. */
export function hashDocument(doc: unknown): string {
  return createHash('sha256').update(canonicalJson(doc)).digest('hex');
}
