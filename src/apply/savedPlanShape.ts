/**
 * The shape of a saved plan file (SPEC §5.1): what apply and show rely on before they look at
 * anything else. A problem is reported with its JSON pointer; the program documents inside are
 * checked later, in full, by the same code that checks a program file.
 */
import type { Plan } from '../plan/types.js';

const ACTIONS = ['create', 'update', 'noop', 'unmanaged'];
const OPS = ['add', 'remove', 'replace'];
const CLASSES = ['cosmetic', 'benefit', 'rule', 'type_switch', 'schedule', 'subscription'];
const MODES = ['none', 'immediate', 'scheduled'];

type Check = (value: unknown, at: string) => string | null;

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const str: Check = (v, at) => (typeof v === 'string' ? null : `${at} must be a string`);
const strOrNull: Check = (v, at) => (v === null || typeof v === 'string' ? null : `${at} must be a string or null`);
const bool: Check = (v, at) => (typeof v === 'boolean' ? null : `${at} must be true or false`);
const count: Check = (v, at) => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? null : `${at} must be a whole number`);
const oneOf =
  (values: string[]): Check =>
  (v, at) =>
    typeof v === 'string' && values.includes(v) ? null : `${at} must be one of ${values.join(', ')}`;
const nullable =
  (check: Check): Check =>
  (v, at) =>
    v === null || v === undefined ? null : check(v, at);
const optional =
  (check: Check): Check =>
  (v, at) =>
    v === undefined ? null : check(v, at);
const list =
  (item: Check): Check =>
  (v, at) => {
    if (!Array.isArray(v)) return `${at} must be a list`;
    for (const [i, x] of v.entries()) {
      const problem = item(x, `${at}/${i}`);
      if (problem) return problem;
    }
    return null;
  };
const object =
  (fields: Record<string, Check>): Check =>
  (v, at) => {
    if (!isRecord(v)) return `${at || '/'} must be an object`;
    for (const [key, check] of Object.entries(fields)) {
      const problem = check(v[key], `${at}/${key}`);
      if (problem) return problem;
    }
    return null;
  };
const counts: Check = (v, at) => {
  if (!isRecord(v)) return `${at} must be an object`;
  for (const [k, n] of Object.entries(v)) {
    const problem = count(n, `${at}/${k}`);
    if (problem) return problem;
  }
  return null;
};
const document: Check = (v, at) => (isRecord(v) ? null : `${at} must be a program document (an object)`);

const transition = object({ from: str, to: str, count });
const impact = object({ asOf: str, before: counts, after: counts, transitions: list(transition), drift: optional(list(transition)) });

const merchant = object({
  merchant: str,
  action: oneOf(ACTIONS),
  baseVersion: nullable(count),
  changes: list(object({ pointer: str, op: oneOf(OPS), class: oneOf(CLASSES) })),
  recalculation: object({ mode: oneOf(MODES), at: strOrNull }),
  switch: nullable(object({ from: strOrNull, to: str, used: count, limit: count, allowed: bool, nextAllowedAt: strOrNull })),
  impact: nullable(impact),
  errors: list(object({ code: str, message: str })),
  path: optional(str),
  document: optional(document),
});

const options = object({
  paths: list(str),
  merchant: strOrNull,
  supersede: bool,
  maxDowngrades: strOrNull,
  maxDowngradesSource: strOrNull,
  rollbackTo: optional(count),
});

// A sealed plan always records its options: without them apply could not know its limits.
const plan = object({ formatVersion: count, createdAt: str, options, merchants: list(merchant) });

/** The first problem with the value as a saved plan (`/merchants/0/action must be …`), or null. */
export function savedPlanProblem(value: unknown): string | null {
  const problem = plan(value, '');
  if (problem) return problem;
  const { merchants, options: saved } = value as Plan;
  const seen = new Set<string>();
  for (const [i, m] of merchants.entries()) {
    if ((m.action === 'create' || m.action === 'update') && m.document === undefined) {
      return `/merchants/${i} (${m.merchant}) carries no program document`;
    }
    if (seen.has(m.merchant)) return `/merchants/${i}: merchant ${m.merchant} has more than one entry`;
    seen.add(m.merchant);
    if (saved?.merchant != null && m.merchant !== saved.merchant) {
      return `/merchants/${i}: the plan was made for merchant ${saved.merchant} only (--merchant), it cannot carry ${m.merchant}`;
    }
  }
  return null;
}
