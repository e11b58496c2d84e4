import { describe, expect, it } from 'vitest';
import { canonicalPlanJson, planDigest, sealPlanValue } from '../../src/plan/seal.js';

const plan = { formatVersion: 1, createdAt: '2026-03-01T00:00:00.000Z', options: { paths: ['programs'], merchant: null }, merchants: [{ merchant: 'acme', n: 1.5 }] };

describe('the seal of a saved plan', () => {
  it('is the same for any key order and whitespace, and ignores its own digest field', () => {
    const reordered = JSON.parse(JSON.stringify({ merchants: [{ n: 1.5, merchant: 'acme' }], options: { merchant: null, paths: ['programs'] }, createdAt: plan.createdAt, formatVersion: 1 }, null, 4)) as Record<string, unknown>;
    expect(canonicalPlanJson(reordered)).toBe(canonicalPlanJson(plan));
    expect(planDigest(reordered)).toBe(planDigest(plan));
    const sealed = sealPlanValue(plan);
    expect(sealed.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(planDigest(sealed)).toBe(sealed.digest);
    expect(Object.keys(sealed).at(-1)).toBe('digest');
  });

  it('changes with any value, an added key, or a reordered list', () => {
    const base = planDigest(plan);
    expect(planDigest({ ...plan, createdAt: '2026-03-01T00:00:01.000Z' })).not.toBe(base);
    expect(planDigest({ ...plan, extra: null })).not.toBe(base);
    expect(planDigest({ ...plan, options: { paths: ['programs', 'more'], merchant: null } })).not.toBe(base);
    expect(planDigest({ ...plan, merchants: [...plan.merchants, { merchant: 'b' }].reverse() })).not.toBe(planDigest({ ...plan, merchants: [...plan.merchants, { merchant: 'b' }] }));
    // An own `__proto__` key (JSON.parse makes one) is content like any other.
    const polluted = JSON.parse('{"formatVersion":1,"__proto__":{"x":1}}') as Record<string, unknown>;
    expect(canonicalPlanJson(polluted)).toBe('{"__proto__":{"x":1},"formatVersion":1}');
  });
});
