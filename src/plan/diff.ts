/**
 * Structural diff of two program documents (SPEC §4.2), on their canonical forms.
 *
 * - One change per changed scalar leaf; an object present on one side only contributes one change
 *   per leaf (an empty object or array is itself a leaf).
 * - Arrays whose elements are all objects with a unique string `id` (tiers, paid plans) are matched
 *   by id. A matched element is diffed leaf by leaf at its index in the AFTER document; an added
 *   element is one `add` at its AFTER index; a removed element is one `remove` at its BEFORE index.
 *   When the common ids appear in another relative order, one `replace` at the array's own pointer
 *   carries the id lists before and after (a reorder of tiers changes ranks: a rule change).
 * - Every other array (benefits, exclude, channels, collections…) is compared whole: one change.
 * `before` is null for an add and `after` is null for a remove.
 */
import type { Change, ChangeClass } from './types.js';
import { canonicalDocument, compareKeys, isPlainObject } from './canonical.js';
import { encodePointerSegment, segmentsOf } from '../model/pointer.js';

export function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

/** The ids of an array of objects with unique string ids, or undefined when it is not one. */
function idsOf(value: unknown): string[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const ids: string[] = [];
  for (const item of value) {
    if (!isPlainObject(item) || typeof item.id !== 'string') return undefined;
    ids.push(item.id);
  }
  return new Set(ids).size === ids.length ? ids : undefined;
}

type Emit = (pointer: string, op: Change['op'], before: unknown, after: unknown) => void;

function walk(pointer: string, a: unknown, b: unknown, emit: Emit): void {
  if (a === undefined && b === undefined) return;
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort(compareKeys);
    for (const k of keys) walk(`${pointer}/${encodePointerSegment(k)}`, a[k], b[k], emit);
    return;
  }
  if (a === undefined && isPlainObject(b) && Object.keys(b).length > 0) {
    for (const k of Object.keys(b)) walk(`${pointer}/${encodePointerSegment(k)}`, undefined, b[k], emit);
    return;
  }
  if (b === undefined && isPlainObject(a) && Object.keys(a).length > 0) {
    for (const k of Object.keys(a)) walk(`${pointer}/${encodePointerSegment(k)}`, a[k], undefined, emit);
    return;
  }
  const idsA = a === undefined ? [] : idsOf(a);
  const idsB = b === undefined ? [] : idsOf(b);
  const nonEmpty = (Array.isArray(a) && a.length > 0) || (Array.isArray(b) && b.length > 0);
  if (idsA && idsB && nonEmpty && (a !== undefined) === (b !== undefined)) {
    diffById(pointer, (a ?? []) as Record<string, unknown>[], (b ?? []) as Record<string, unknown>[], idsA, idsB, emit);
    return;
  }
  if (idsA && idsB && nonEmpty) {
    // A whole id-array appears or disappears: one change per element, so each tier or plan is visible.
    const items = (a ?? b) as unknown[];
    items.forEach((item, i) => (a === undefined ? emit(`${pointer}/${i}`, 'add', null, item) : emit(`${pointer}/${i}`, 'remove', item, null)));
    return;
  }
  if (deepEqual(a, b)) return;
  if (a === undefined) emit(pointer, 'add', null, b);
  else if (b === undefined) emit(pointer, 'remove', a, null);
  else emit(pointer, 'replace', a, b);
}

function diffById(
  pointer: string,
  a: Record<string, unknown>[],
  b: Record<string, unknown>[],
  idsA: string[],
  idsB: string[],
  emit: Emit,
): void {
  const indexA = new Map(idsA.map((id, i) => [id, i]));
  const setB = new Set(idsB);
  const commonBefore = idsA.filter((id) => setB.has(id));
  const commonAfter = idsB.filter((id) => indexA.has(id));
  if (!deepEqual(commonBefore, commonAfter)) emit(pointer, 'replace', idsA, idsB);
  idsA.forEach((id, i) => {
    if (!setB.has(id)) emit(`${pointer}/${i}`, 'remove', a[i], null);
  });
  idsB.forEach((id, j) => {
    const i = indexA.get(id);
    if (i === undefined) emit(`${pointer}/${j}`, 'add', null, b[j]);
    else walk(`${pointer}/${j}`, a[i], b[j], emit);
  });
}

/** The changes that turn `before` into `after`; `before` null or undefined means "nothing yet" (a create). */
export function diffDocuments(before: unknown, after: unknown): Change[] {
  const a = before === null || before === undefined ? undefined : canonicalDocument(before);
  const b = after === null || after === undefined ? undefined : canonicalDocument(after);
  const changes: Change[] = [];
  walk('', a, b, (pointer, op, valueBefore, valueAfter) => {
    changes.push({ pointer, op, before: valueBefore, after: valueAfter, class: classify(pointer, valueBefore, valueAfter) });
  });
  return changes;
}

const COSMETIC_LEAVES = new Set(['name', 'card']);

/**
 * The class of one change (SPEC §3.5). Anything not named below is a `rule` change: it is the
 * conservative class (it recalculates and is guarded while a version is pending).
 */
export function classify(pointer: string, before: unknown, after: unknown): ChangeClass {
  const s = segmentsOf(pointer);
  if (s[0] === 'metadata') return s[1] === 'subscription' ? 'subscription' : 'rule';
  if (s[0] !== 'spec') return 'rule';
  switch (s[1]) {
    case 'type':
      return 'type_switch';
    case 'effective':
    case 'evaluation':
      return 'schedule';
    case 'notifications':
      return 'benefit';
    case 'levels':
    case 'paid': {
      const list = s[1] === 'levels' ? 'tiers' : 'plans';
      // Welcome benefits decide nobody's level (§3.9): like tier benefits.
      if (s[2] === 'welcome') return 'benefit';
      if (s[2] !== list) return 'rule';
      // The order of paid plans is presentation; the order of tiers is their rank.
      if (s.length === 3) return list === 'plans' && Array.isArray(before) && Array.isArray(after) ? 'cosmetic' : 'rule';
      if (s.length === 4) return 'rule';
      if (COSMETIC_LEAVES.has(s[4]!)) return 'cosmetic';
      if (s[4] === 'benefits') return 'benefit';
      return 'rule';
    }
    default:
      return 'rule';
  }
}
