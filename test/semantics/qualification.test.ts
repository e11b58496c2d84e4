import { describe, expect, it } from 'vitest';
import { amountIn, isEligible, netAmount, ordersIn, qualified, windowFor } from '../../src/rules/index.js';
import { at, member, order, program, usd } from './helpers.js';

const tiers = [
  { id: 'bronze', threshold: { amount: 500 } },
  { id: 'silver', threshold: { amount: 1000 } },
];

describe('§3.1 eligibility and net amounts', () => {
  const rules = program({ activeFrom: '2024-01-01', upgrade: { exclude: ['gift_card'] }, tiers }, { timezone: 'Asia/Shanghai' });

  it('activeFrom cut-off: orders paid before localMidnight(activeFrom) never count', () => {
    // 2024-01-01 starts at 2023-12-31T16:00Z in Asia/Shanghai.
    expect(isEligible(order('m', '2023-12-31T15:59:59Z', 10), rules)).toBe(false);
    expect(isEligible(order('m', '2023-12-31T16:00:00Z', 10), rules)).toBe(true);
  });

  it('exclude tags: an order with any excluded tag never counts', () => {
    expect(isEligible(order('m', '2024-02-01T00:00:00Z', 10, { tags: ['vip', 'gift_card'] }), rules)).toBe(false);
    expect(isEligible(order('m', '2024-02-01T00:00:00Z', 10, { tags: ['vip'] }), rules)).toBe(true);
  });

  it('cancelled and refunded orders are not eligible; refunded status nets 0; partial refunds net the rest', () => {
    expect(isEligible(order('m', '2024-02-01T00:00:00Z', 10, { status: 'cancelled' }), rules)).toBe(false);
    expect(isEligible(order('m', '2024-02-01T00:00:00Z', 10, { status: 'refunded' }), rules)).toBe(false);
    expect(netAmount(order('m', '2024-02-01T00:00:00Z', 10, { status: 'refunded' }))).toBe(0n);
    expect(netAmount(order('m', '2024-02-01T00:00:00Z', 10, { refunded: 3.5 }))).toBe(usd(6.5));
  });

  it('an order with net 0 counts for nothing, not even for orders', () => {
    const os = [order('m', '2024-02-01T00:00:00Z', 10, { refunded: 10 }), order('m', '2024-02-02T00:00:00Z', 5)];
    expect(ordersIn({ memberId: 'm' }, os, null, at('2025-01-01'), rules)).toBe(1);
    expect(amountIn({ memberId: 'm' }, os, null, at('2025-01-01'), rules, new Set())).toBe(usd(5));
  });
});

describe('§3.2 windows', () => {
  const t = at('2024-03-31T10:00:00Z');

  it('lifetime: no lower bound without activeFrom, localMidnight(activeFrom) with it', () => {
    expect(windowFor(member('m'), t, program({ tiers }))).toEqual({ from: null, to: t });
    const ny = program({ activeFrom: '2024-01-01', tiers }, { timezone: 'America/New_York' });
    expect(windowFor(member('m'), t, ny).from).toEqual(at('2024-01-01T05:00:00Z'));
  });

  it('rolling 1 month from 2024-03-31 starts at 2024-02-29 (month-end clamping, leap year)', () => {
    const rules = program({ upgrade: { window: { rolling: { months: 1 } } }, tiers });
    expect(windowFor(member('m'), t, rules)).toEqual({ from: at('2024-02-29'), to: t });
    expect(windowFor(member('m'), at('2023-03-31T10:00:00Z'), rules).from).toEqual(at('2023-02-28'));
  });

  it('rolling days cross the leap day', () => {
    const rules = program({ upgrade: { window: { rolling: { days: 1 } } }, tiers });
    expect(windowFor(member('m'), at('2024-03-01T08:00:00Z'), rules).from).toEqual(at('2024-02-29'));
    expect(windowFor(member('m'), at('2023-03-01T08:00:00Z'), rules).from).toEqual(at('2023-02-28'));
  });

  it('rolling windows use the local date of t in the merchant timezone (Asia/Shanghai)', () => {
    const rules = program({ upgrade: { window: { rolling: { months: 3 } } }, tiers }, { timezone: 'Asia/Shanghai' });
    // 2024-04-14T17:00Z is already 2024-04-15 01:00 in Shanghai.
    const w = windowFor(member('m'), at('2024-04-14T17:00:00Z'), rules);
    expect(w.from).toEqual(at('2024-01-14T16:00:00Z'));
  });

  it('rolling windows across a DST change (America/New_York): the lower bound is a local midnight in EST', () => {
    const rules = program({ upgrade: { window: { rolling: { months: 1 } } }, tiers }, { timezone: 'America/New_York' });
    const w = windowFor(member('m'), at('2024-03-15T16:00:00Z'), rules); // 12:00 EDT
    expect(w.from).toEqual(at('2024-02-15T05:00:00Z')); // 00:00 EST
    const fall = windowFor(member('m'), at('2024-11-04T12:00:00Z'), rules); // EST again
    expect(fall.from).toEqual(at('2024-10-04T04:00:00Z')); // 00:00 EDT
  });

  it('rolling windows never start before activeFrom', () => {
    const rules = program({ activeFrom: '2024-03-10', upgrade: { window: { rolling: { months: 1 } } }, tiers });
    expect(windowFor(member('m'), t, rules).from).toEqual(at('2024-03-10'));
  });

  it('fixed: [localMidnight(from), min(localMidnight(to + 1 day), t))', () => {
    const rules = program({ upgrade: { window: { fixed: { from: '2024-01-01', to: '2024-02-29' } } }, tiers }, { timezone: 'Asia/Shanghai' });
    expect(windowFor(member('m'), at('2024-02-10T00:00:00Z'), rules)).toEqual({
      from: at('2023-12-31T16:00:00Z'),
      to: at('2024-02-10T00:00:00Z'),
    });
    expect(windowFor(member('m'), at('2024-06-01T00:00:00Z'), rules).to).toEqual(at('2024-02-29T16:00:00Z'));
  });

  it('since_last_upgrade: [anchorAt, t), no lower bound while anchorAt is null', () => {
    const rules = program({ upgrade: { window: 'since_last_upgrade' }, tiers });
    expect(windowFor(member('m'), t, rules).from).toBeNull();
    const anchored = { ...member('m'), anchorAt: at('2024-02-01') };
    expect(windowFor(anchored, t, rules).from).toEqual(at('2024-02-01'));
  });
});

describe('§3.2 qualification', () => {
  const t = at('2024-06-01');

  it('accumulated sums eligible net amounts; single_order takes the largest unconsumed order', () => {
    const os = [order('m', '2024-01-01', 400), order('m', '2024-02-01', 700, { id: 'big' })];
    const acc = program({ tiers });
    expect(qualified(member('m'), os, t, acc)?.id).toBe('silver');
    const single = program({ upgrade: { basis: 'single_order' }, tiers });
    expect(qualified(member('m'), os, t, single)?.id).toBe('bronze');
    expect(qualified(member('m'), os, t, single, new Set(['big']))).toBeNull();
  });

  it('orders-count thresholds count eligible orders with net > 0', () => {
    const rules = program({ tiers: [{ id: 'regular', threshold: { orders: 3 } }] });
    const os = [order('m', '2024-01-01', 1), order('m', '2024-01-02', 1), order('m', '2024-01-03', 1, { status: 'cancelled' })];
    expect(qualified(member('m'), os, t, rules)).toBeNull();
    expect(qualified(member('m'), [...os, order('m', '2024-01-04', 1)], t, rules)?.id).toBe('regular');
  });

  it('amount and orders both required when both are set', () => {
    const rules = program({ tiers: [{ id: 'vip', threshold: { amount: 100, orders: 2 } }] });
    expect(qualified(member('m'), [order('m', '2024-01-01', 500)], t, rules)).toBeNull();
    expect(qualified(member('m'), [order('m', '2024-01-01', 30), order('m', '2024-01-02', 30)], t, rules)).toBeNull();
    expect(qualified(member('m'), [order('m', '2024-01-01', 80), order('m', '2024-01-02', 30)], t, rules)?.id).toBe('vip');
  });

  it('a zero threshold qualifies for everyone, even without orders', () => {
    const rules = program({ tiers: [{ id: 'welcome', threshold: { amount: 0 } }, ...tiers] });
    expect(qualified(member('m'), [], t, rules)?.id).toBe('welcome');
  });

  it('the highest-ranked enabled tier that qualifies; disabled tiers are skipped', () => {
    const rules = program({ tiers: [tiers[0]!, { ...tiers[1]!, enabled: false }] });
    expect(qualified(member('m'), [order('m', '2024-01-01', 2000)], t, rules)?.id).toBe('bronze');
  });

  it("only the member's own orders count", () => {
    expect(qualified(member('m'), [order('other', '2024-01-01', 2000)], t, program({ tiers }))).toBeNull();
  });
});
