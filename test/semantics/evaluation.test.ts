import { describe, expect, it } from 'vitest';
import { evaluateMember, type LevelRules, type MemberState, type Order } from '../../src/rules/index.js';
import { at, member, order, program } from './helpers.js';

/** Evaluate at each instant in turn (a daily run that happens on these days only). */
function run(rules: LevelRules, s: MemberState, orders: Order[], ...instants: Date[]): MemberState {
  return instants.reduce((state, t) => evaluateMember(state, orders, t, rules, 1), s);
}

const threeMonths = { rolling: { months: 3 } };

describe('§3.3 worked example', () => {
  const rules = program({
    upgrade: { window: threeMonths },
    downgrade: { mode: 'validity', validity: { months: 12 } },
    tiers: [
      { id: 'bronze', threshold: { amount: 500 } },
      { id: 'silver', threshold: { amount: 1000 } },
    ],
  });
  const reach = (id: string): Order[] => [order(id, '2023-04-10T12:00:00Z', 1000)];

  it('§3.3 worked example: A falls to bronze, B becomes basic', () => {
    const ordersA = [...reach('A'), order('A', '2024-02-01T12:00:00Z', 400), order('A', '2024-03-20T12:00:00Z', 500)];
    const ordersB = [...reach('B'), order('B', '2024-03-01T12:00:00Z', 400)];
    const up = at('2023-04-15T03:00:00Z');
    const a1 = run(rules, member('A'), ordersA, up);
    const b1 = run(rules, member('B'), ordersB, up);
    expect([a1.tier, b1.tier]).toEqual(['silver', 'silver']);
    expect(a1.expiresAt).toEqual(at('2024-04-15'));

    const day = at('2024-04-15T03:00:00Z');
    const a2 = run(rules, a1, ordersA, day);
    const b2 = run(rules, b1, ordersB, day);
    expect(a2).toMatchObject({ tier: 'bronze', tierSince: day, anchorAt: day, expiresAt: at('2025-04-15') });
    expect(a2.history.at(-1)).toEqual({ from: 'silver', to: 'bronze', at: day, reason: 'expire', version: 1 });
    expect(b2).toMatchObject({ tier: null, expiresAt: null });
    expect(b2.history.at(-1)).toMatchObject({ from: 'silver', to: null, reason: 'expire' });
  });

  it('the level holds through the last valid day (2024-04-14) and not at the start of 2024-04-15', () => {
    const s = run(rules, member('B'), reach('B'), at('2023-04-15T03:00:00Z'));
    expect(run(rules, s, reach('B'), at('2024-04-14T23:59:59Z')).tier).toBe('silver');
    expect(run(rules, s, reach('B'), at('2024-04-15T00:00:00Z')).tier).toBeNull();
  });
});

describe('§3.3 step 1: upgrade', () => {
  it('validity example: upgraded 2020-05-15 with 12 months expires at localMidnight(2021-05-15)', () => {
    for (const timezone of ['UTC', 'Asia/Shanghai', 'America/New_York']) {
      const rules = program(
        { downgrade: { mode: 'validity', validity: { months: 12 } }, tiers: [{ id: 'gold', threshold: { amount: 10 } }] },
        { timezone },
      );
      const t = at('2020-05-15T12:00:00Z');
      const s = run(rules, member('m'), [order('m', '2020-05-01T00:00:00Z', 10)], t);
      expect(s).toMatchObject({ tier: 'gold', tierSince: t, anchorAt: t, expiresAt: at('2021-05-15', timezone) });
    }
  });

  it('validity of a month from 2024-01-31 ends at the start of 2024-02-29 (month-end clamping)', () => {
    const rules = program({ downgrade: { mode: 'validity', validity: { months: 1 } }, tiers: [{ id: 'gold', threshold: { amount: 10 } }] });
    const s = run(rules, member('m'), [order('m', '2024-01-01T00:00:00Z', 10)], at('2024-01-31T08:00:00Z'));
    expect(s.expiresAt).toEqual(at('2024-02-29'));
  });

  it('a member can skip tiers: the highest qualifying tier is reached directly', () => {
    const rules = program({ tiers: [{ id: 'bronze', threshold: { amount: 5 } }, { id: 'silver', threshold: { amount: 10 } }] });
    const s = run(rules, member('m'), [order('m', '2024-01-01T00:00:00Z', 50)], at('2024-02-01'));
    expect(s.history).toEqual([{ from: null, to: 'silver', at: at('2024-02-01'), reason: 'upgrade', version: 1 }]);
  });

  it('an order paid at t does not count at t (windows are half-open)', () => {
    const rules = program({ tiers: [{ id: 'gold', threshold: { amount: 10 } }] });
    const t = at('2024-02-01T03:00:00Z');
    expect(run(rules, member('m'), [order('m', t, 10)], t).tier).toBeNull();
  });

  it('single_order consumption: an order triggers at most one upgrade', () => {
    const rules = program({
      upgrade: { basis: 'single_order' },
      downgrade: { mode: 'validity', validity: { months: 12 } },
      tiers: [{ id: 'bronze', threshold: { amount: 500 } }, { id: 'silver', threshold: { amount: 1000 } }],
    });
    const orders = [order('m', '2023-01-05T00:00:00Z', 600, { id: 'x' }), order('m', '2023-01-06T00:00:00Z', 1200, { id: 'y' })];
    const s1 = run(rules, member('m'), orders, at('2023-01-10'));
    expect(s1).toMatchObject({ tier: 'silver', consumedOrders: ['y'], triggerOrderId: 'y' });
    // After expiry, y cannot trigger again; x (never consumed) still reaches bronze.
    const s2 = run(rules, s1, orders, at('2024-01-10'));
    expect(s2).toMatchObject({ tier: 'bronze', consumedOrders: ['y'] });
    // v1.1: at bronze's expiry no order of its validity period meets bronze's standard; there is
    // no renewal on x, the evidence that earned bronze: the member falls to basic.
    const s3 = run(rules, s2, orders, at('2025-01-10'));
    expect(s3).toMatchObject({ tier: null, consumedOrders: ['y'] });
  });

  it('a tier without an amount threshold consumes no order', () => {
    const rules = program({ upgrade: { basis: 'single_order' }, tiers: [{ id: 'regular', threshold: { orders: 1 } }] });
    const s = run(rules, member('m'), [order('m', '2024-01-01T00:00:00Z', 10)], at('2024-01-02'));
    expect(s).toMatchObject({ tier: 'regular', consumedOrders: [] });
  });

  it('a disabled program (spec.enabled false) or type paid evaluates nothing', () => {
    const levels = { tiers: [{ id: 'gold', threshold: { amount: 1 } }] };
    const orders = [order('m', '2024-01-01T00:00:00Z', 10)];
    expect(run(program(levels, { enabled: false }), member('m'), orders, at('2024-02-01')).tier).toBeNull();
    expect(run(program(levels, { type: 'paid' }), member('m'), orders, at('2024-02-01')).tier).toBeNull();
  });
});

describe('§3.3 step 2: recompute demotion', () => {
  const rules = program({
    upgrade: { window: threeMonths },
    downgrade: { mode: 'recompute' },
    tiers: [{ id: 'bronze', threshold: { amount: 500 } }, { id: 'silver', threshold: { amount: 1000 } }],
  });

  it('a member whose window no longer qualifies is demoted to what it qualifies for (reason requalify)', () => {
    const orders = [order('m', '2024-01-10T00:00:00Z', 600), order('m', '2024-02-10T00:00:00Z', 500)];
    const s1 = run(rules, member('m'), orders, at('2024-03-01'));
    expect(s1.tier).toBe('silver');
    const s2 = run(rules, s1, orders, at('2024-04-20'));
    expect(s2).toMatchObject({ tier: 'bronze', tierSince: at('2024-04-20'), anchorAt: at('2024-04-20'), expiresAt: null });
    expect(s2.history.at(-1)).toMatchObject({ from: 'silver', to: 'bronze', reason: 'requalify' });
    expect(run(rules, s2, orders, at('2024-05-20')).tier).toBeNull();
  });

  it('with single_order, the order that triggered the upgrade keeps the member at the tier while in the window', () => {
    const single = program({ upgrade: { window: threeMonths, basis: 'single_order' }, downgrade: { mode: 'recompute' }, tiers: [{ id: 'silver', threshold: { amount: 1000 } }] });
    const orders = [order('m', '2024-01-10T00:00:00Z', 1000)];
    const s1 = run(single, member('m'), orders, at('2024-01-11'));
    expect(run(single, s1, orders, at('2024-01-12')).tier).toBe('silver');
    expect(run(single, s1, orders, at('2024-04-11')).tier).toBeNull();
  });
});

describe('§3.3 step 3: expiry, retention and the sequential fall', () => {
  const tiers = [
    { id: 'bronze', threshold: { amount: 500 }, retain: { amount: 400 } },
    { id: 'silver', threshold: { amount: 1000 }, retain: { amount: 800 } },
    { id: 'gold', threshold: { amount: 3000 }, retain: { amount: 2000 } },
  ];
  const rules = program({
    upgrade: { basis: 'single_order', window: { rolling: { months: 12 } } },
    downgrade: { mode: 'validity', validity: { months: 12 }, retention: { extend: { months: 12 } } },
    tiers,
  });

  it('retention extension: spend in [anchorAt, expiresAt) meets retain → expiresAt += extend, anchorAt = old expiresAt', () => {
    const orders = [order('m', '2023-01-05T00:00:00Z', 1000, { id: 'x' }), order('m', '2023-06-01T00:00:00Z', 900)];
    const s1 = run(rules, member('m'), orders, at('2023-01-10T03:00:00Z'));
    const t = at('2024-01-10T03:00:00Z');
    const s2 = run(rules, s1, orders, t);
    expect(s2).toMatchObject({ tier: 'silver', tierSince: at('2023-01-10T03:00:00Z'), anchorAt: at('2024-01-10'), expiresAt: at('2025-01-10') });
    expect(s2.history.at(-1)).toEqual({ from: 'silver', to: 'silver', at: t, reason: 'extend', version: 1 });
    // The next period has no spend and nothing in the rolling window: basic.
    expect(run(rules, s2, orders, at('2025-01-10T03:00:00Z')).tier).toBeNull();
  });

  it('the order that triggered the upgrade does not count for retention', () => {
    // x paid at 2023-01-05 and consumed; spend after the anchor is only 100.
    const orders = [order('m', '2023-01-05T00:00:00Z', 1000, { id: 'x' }), order('m', '2023-02-01T00:00:00Z', 100)];
    const s1 = run(rules, member('m'), orders, at('2023-01-10'));
    expect(run(rules, s1, orders, at('2024-01-10')).tier).toBeNull();
  });

  it('an evaluation that comes late extends as many times as the retention is met', () => {
    const orders = [order('m', '2023-01-05T00:00:00Z', 1000), order('m', '2023-06-01T00:00:00Z', 900), order('m', '2024-06-01T00:00:00Z', 850)];
    const s1 = run(rules, member('m'), orders, at('2023-01-10'));
    const s2 = run(rules, s1, orders, at('2025-02-01'));
    expect(s2).toMatchObject({ tier: 'silver', anchorAt: at('2025-01-10'), expiresAt: at('2026-01-10') });
    expect(s2.history.filter((h) => h.reason === 'extend')).toHaveLength(2);
  });

  it('sequential fall: the next lower tiers are checked with their upgrade conditions at t; the first that qualifies wins', () => {
    const noRetention = program({
      upgrade: { window: threeMonths },
      downgrade: { mode: 'validity', validity: { months: 12 } },
      tiers: tiers.map(({ retain: _retain, ...rest }) => rest),
    });
    const orders = [order('m', '2023-01-05T00:00:00Z', 3000), order('m', '2023-12-01T00:00:00Z', 1200)];
    const s1 = run(noRetention, member('m'), orders, at('2023-01-10'));
    expect(s1.tier).toBe('gold');
    const s2 = run(noRetention, s1, orders, at('2024-01-10'));
    expect(s2).toMatchObject({ tier: 'silver', tierSince: at('2024-01-10'), expiresAt: at('2025-01-10') });
    expect(s2.history.at(-1)).toMatchObject({ from: 'gold', to: 'silver', reason: 'expire' });
  });

  it('v1.1 without retention the extension standard is the tier threshold, measured on the validity period', () => {
    const noRetention = program({
      upgrade: { window: threeMonths },
      downgrade: { mode: 'validity', validity: { months: 12 } },
      tiers: tiers.map(({ retain: _retain, ...rest }) => rest),
    });
    const orders = [order('m', '2023-01-05T00:00:00Z', 1000), order('m', '2023-12-01T00:00:00Z', 1200)];
    const s1 = run(noRetention, member('m'), orders, at('2023-01-10'));
    const s2 = run(noRetention, s1, orders, at('2024-01-10'));
    // 1,200 paid on 2023-12-01 lies in [2023-01-10, 2024-01-10) and meets silver's 1,000: extended by the validity.
    expect(s2).toMatchObject({ tier: 'silver', tierSince: at('2023-01-10'), anchorAt: at('2024-01-10'), evidenceAt: at('2024-01-10'), expiresAt: at('2025-01-10') });
    expect(s2.history.at(-1)).toMatchObject({ from: 'silver', to: 'silver', reason: 'extend' });
  });

  it('a disabled lower tier is skipped by the fall', () => {
    const rules2 = program({
      upgrade: { window: threeMonths },
      downgrade: { mode: 'validity', validity: { months: 12 } },
      tiers: [{ id: 'bronze', threshold: { amount: 500 } }, { id: 'silver', threshold: { amount: 1000 }, enabled: false }, { id: 'gold', threshold: { amount: 3000 } }],
    });
    const orders = [order('m', '2023-01-05T00:00:00Z', 3000), order('m', '2023-12-01T00:00:00Z', 1200)];
    const s = run(rules2, member('m'), orders, at('2023-01-10'), at('2024-01-10'));
    expect(s.tier).toBe('bronze');
  });
});

describe('§3.3 step 4: refunds', () => {
  const levels = {
    tiers: [{ id: 'bronze', threshold: { amount: 500 } }, { id: 'silver', threshold: { amount: 1000 } }],
  };

  it('a refund imported after the last evaluation re-derives the member as of tierSince (reason refund), keeping tierSince', () => {
    const rules = program(levels);
    const before = [order('m', '2024-01-01T00:00:00Z', 600, { id: 'a', importSeq: 1 }), order('m', '2024-01-02T00:00:00Z', 500, { id: 'b', importSeq: 2 })];
    const s1 = run(rules, member('m'), before, at('2024-01-10'));
    expect(s1.tier).toBe('silver');
    const after = [before[0]!, { ...before[1]!, status: 'refunded' as const, importSeq: 3 }];
    const s2 = run(rules, s1, after, at('2024-02-01'));
    expect(s2).toMatchObject({ tier: 'bronze', tierSince: at('2024-01-10'), lastEvaluatedImportSeq: 3 });
    expect(s2.history.at(-1)).toMatchObject({ from: 'silver', to: 'bronze', reason: 'refund' });
  });

  it('a cancellation and a partial refund demote the same way; refunds: ignore never demotes', () => {
    const base = [order('m', '2024-01-01T00:00:00Z', 1000, { id: 'a', importSeq: 1 })];
    const s1 = run(program(levels), member('m'), base, at('2024-01-10'));
    const cancelled = [{ ...base[0]!, status: 'cancelled' as const, importSeq: 2 }];
    expect(run(program(levels), s1, cancelled, at('2024-01-11')).tier).toBeNull();
    const partial = [{ ...base[0]!, refundedMinor: 40000n, importSeq: 2 }];
    expect(run(program(levels), s1, partial, at('2024-01-11')).tier).toBe('bronze');
    expect(run(program({ ...levels, refunds: 'ignore' }), s1, cancelled, at('2024-01-11')).tier).toBe('silver');
  });

  it('a refund seen at an earlier evaluation does not demote again; a member is never demoted below qualified(t)', () => {
    const rules = program(levels);
    const base = [order('m', '2024-01-01T00:00:00Z', 1000, { id: 'a', importSeq: 1 })];
    const s1 = run(rules, member('m'), base, at('2024-01-10'));
    const later = [{ ...base[0]!, refundedMinor: 50000n, importSeq: 2 }, order('m', '2024-01-15T00:00:00Z', 600, { importSeq: 3 })];
    expect(run(rules, s1, later, at('2024-01-20')).tier).toBe('silver');
  });
});
