import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalDocument, canonicalMoney, hashDocument } from '../../src/plan/canonical.js';
import { deepEqual, diffDocuments } from '../../src/plan/diff.js';
import { program, setAt } from './fixtures.js';

describe('canonicalDocument', () => {
  it('orders keys as the SPEC writes them, whatever the input order', () => {
    const shuffled = { spec: { enabled: true, type: 'levels' }, metadata: { currency: 'USD', merchant: 'acme' }, kind: 'MembershipProgram', apiVersion: 'tierform.dev/v1' };
    const canonical = canonicalDocument(shuffled);
    expect(Object.keys(canonical)).toEqual(['apiVersion', 'kind', 'metadata', 'spec']);
    expect(Object.keys(canonical.spec)).toEqual(['type', 'enabled']);
    expect(Object.keys(canonical.metadata)).toEqual(['merchant', 'currency']);
    const tier = (canonicalDocument(program()) as unknown as { spec: { levels: { tiers: object[] } } }).spec.levels.tiers[0]!;
    expect(Object.keys(tier)).toEqual(['id', 'name', 'enabled', 'threshold', 'card', 'benefits']);
  });

  it('spells money one way, exactly', () => {
    expect(canonicalMoney('100.50')).toBe(100.5);
    expect(canonicalMoney('0100')).toBe(100);
    expect(canonicalMoney('0.10')).toBe(0.1);
    expect(canonicalMoney(99.9)).toBe(99.9);
    expect(canonicalMoney('-0.00')).toBe(0);
    expect(canonicalMoney('123456789012345678.25')).toBe('123456789012345678.25');
    expect(canonicalMoney('abc')).toBe('abc');
    expect(canonicalMoney('125e-2')).toBe(1.25);
    expect(canonicalMoney('1E3')).toBe(1000);
    expect(canonicalMoney(1e21)).toBe('1000000000000000000000');
    expect(canonicalMoney('.5')).toBe(0.5);
    for (const v of ['100.50', '125e-2', 1e21, '0.000', '-3.10', 7]) expect(canonicalMoney(canonicalMoney(v))).toEqual(canonicalMoney(v));
  });

  it('sorts set-like lists and keeps ordered ones', () => {
    const doc = program('acme', ['/spec/levels/upgrade/exclude', ['z', 'a', 'z']], ['/spec/levels/tiers/0/benefits', [{ type: 'free_shipping' }, { type: 'discount', percentOff: 5 }]]);
    const c = canonicalDocument(doc) as unknown as { spec: { levels: { upgrade: { exclude: string[] }; tiers: { benefits: { type: string }[] }[] } } };
    expect(c.spec.levels.upgrade.exclude).toEqual(['a', 'z']);
    expect(c.spec.levels.tiers[0]!.benefits.map((b) => b.type)).toEqual(['free_shipping', 'discount']);
  });

  it('is idempotent and survives a JSON round trip (what export prints plans to noop)', () => {
    const once = canonicalDocument(program('acme', ['/spec/paid/plans/0/price', '99.90']));
    expect(canonicalDocument(once)).toEqual(once);
    expect(JSON.parse(JSON.stringify(once))).toEqual(once);
    expect(diffDocuments(once, JSON.parse(JSON.stringify(once)))).toEqual([]);
  });
});

describe('hashDocument', () => {
  it('is a stable sha256 of the canonical form', () => {
    const h = hashDocument(program());
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(hashDocument(program())).toBe(h);
    expect(hashDocument(canonicalDocument(program()))).toBe(h);
    expect(hashDocument(program('acme', ['/spec/levels/tiers/0/threshold/amount', '100.0']))).toBe(h);
    expect(hashDocument(program('acme', ['/spec/levels/tiers/0/threshold/amount', 101]))).not.toBe(h);
  });
});

// Random edits of a valid document: set or delete at paths that exist in it or next to it.
const pointers = [
  '/metadata/timezone', '/metadata/subscription', '/spec/type', '/spec/enabled', '/spec/effective/at', '/spec/evaluation/cron',
  '/spec/levels/activeFrom', '/spec/levels/upgrade/exclude', '/spec/levels/upgrade/window', '/spec/levels/tiers/0/name',
  '/spec/levels/tiers/1/threshold/amount', '/spec/levels/tiers/2/threshold/orders', '/spec/levels/tiers/1/card',
  '/spec/levels/tiers/0/benefits', '/spec/levels/tiers/2/id', '/spec/levels/tiers/3', '/spec/levels/tiers/1',
  '/spec/paid/plans/0/price', '/spec/paid/plans/1', '/spec/notifications/upgrade', '/spec/notifications',
];
const values = fc.oneof(
  fc.constantFrom('bronze', 'silver', 'gold', 'paid', 'levels', 'x'),
  fc.integer({ min: 0, max: 2000 }),
  fc.constantFrom('100.00', '100', '99.5', '0'),
  fc.boolean(),
  fc.constant({}),
  fc.constant([]),
  fc.array(fc.constantFrom('a', 'b', 'c'), { maxLength: 3 }),
  fc.record({ id: fc.constantFrom('bronze', 'silver', 'gold', 'plus', 'vip'), name: fc.constantFrom('A', 'B') }),
  fc.record({ type: fc.constantFrom('discount', 'free_shipping'), percentOff: fc.integer({ min: 1, max: 99 }) }),
);
const edit = fc.tuple(fc.constantFrom(...pointers), fc.option(values, { nil: undefined }));
const edited = fc.array(edit, { maxLength: 6 }).map((edits) => {
  const doc = structuredClone(program()) as unknown;
  for (const [pointer, value] of edits) {
    try {
      if (value === undefined) setAt(doc, pointer);
      else setAt(doc, pointer, structuredClone(value)); // a fresh copy: a document is a tree, never a cycle
    } catch {
      // an edit below a scalar does not apply; the document stays as it was
    }
  }
  return doc;
});

describe('diff properties', () => {
  it('diff(a, a) is empty', () => {
    fc.assert(fc.property(edited, (a) => diffDocuments(a, structuredClone(a)).length === 0));
  });

  it('diff is empty iff the canonical forms are equal', () => {
    fc.assert(
      fc.property(edited, edited, (a, b) => {
        const same = deepEqual(canonicalDocument(a), canonicalDocument(b));
        return (diffDocuments(a, b).length === 0) === same && (hashDocument(a) === hashDocument(b)) === same;
      }),
      { numRuns: 500 },
    );
  });

  it('every change points at a place where the documents differ', () => {
    fc.assert(
      fc.property(edited, (b) => {
        const a = program();
        return diffDocuments(a, b).every((c) => !deepEqual(c.before, c.after));
      }),
    );
  });
});
