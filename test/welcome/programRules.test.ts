/**
 * `{program.rules}` (SPEC §1.1, v1.1): one sentence per tier in the merchant's currency format,
 * for amount and orders thresholds, each window, both bases, and zero-, two- and three-decimal
 * currencies; a paid program lists its plans.
 */
import { describe, expect, it } from 'vitest';
import { formatAmount, programRulesText } from '../../src/outbox/programRules.js';

function levels(currency: string, levelsSection: Record<string, unknown>, type = 'levels'): unknown {
  return {
    metadata: { merchant: 'm', subscription: 'pro', timezone: 'Asia/Hong_Kong', currency },
    spec: { type, levels: levelsSection, paid: { plans: [{ id: 'plus', name: 'Plus', price: '99.5', validity: { months: 12 } }] } },
  };
}

describe('formatAmount', () => {
  it('groups thousands and shows minor digits only when they are not zero', () => {
    expect(formatAmount(1000, 'HKD')).toBe('1,000');
    expect(formatAmount('1234567.5', 'USD')).toBe('1,234,567.50');
    expect(formatAmount(10000, 'JPY')).toBe('10,000');
    expect(formatAmount('1.005', 'KWD')).toBe('1.005');
    expect(formatAmount(999, 'USD')).toBe('999');
  });
});

describe('programRulesText', () => {
  it('renders the SPEC example: an amount within a rolling window, in HKD', () => {
    const doc = levels('HKD', { upgrade: { window: { rolling: { months: 3 } } }, tiers: [{ id: 'silver', name: 'Silver', threshold: { amount: 1000 } }] });
    expect(programRulesText(doc)).toBe('Silver: spend 1,000 HKD within 3 months.');
  });

  it('renders orders, both measures, and a tier that asks nothing', () => {
    const doc = levels('USD', {
      upgrade: { window: { rolling: { days: 30 } } },
      tiers: [
        { id: 'member', name: 'Member', threshold: { amount: 0 } },
        { id: 'regular', name: 'Regular', threshold: { orders: 1 } },
        { id: 'vip', name: 'VIP', threshold: { amount: '2500.25', orders: 12 } },
      ],
    });
    expect(programRulesText(doc)).toBe(
      'Member: every member. Regular: place 1 order within 30 days. VIP: spend 2,500.25 USD and place 12 orders within 30 days.',
    );
  });

  it('renders every window kind, a tier window over the program window, and activeFrom for lifetime', () => {
    const doc = levels('JPY', {
      activeFrom: '2024-01-01',
      upgrade: { window: 'since_last_upgrade' },
      tiers: [
        { id: 'a', name: 'Senior', threshold: { orders: 1 }, window: 'lifetime' },
        { id: 'b', name: 'Bronze', threshold: { amount: 5000, orders: 1 } },
        { id: 'c', name: 'Silver', threshold: { amount: 20000, orders: 1 }, window: { fixed: { from: '2026-01-01', to: '2026-12-31' } } },
        { id: 'd', name: 'Gold', threshold: { amount: 100000, orders: 2 }, window: { rolling: { months: 1 } } },
      ],
    });
    expect(programRulesText(doc)).toBe(
      'Senior: place 1 order since 2024-01-01. Bronze: spend 5,000 JPY and place 1 order since your last upgrade. ' +
        'Silver: spend 20,000 JPY and place 1 order between 2026-01-01 and 2026-12-31. Gold: spend 100,000 JPY and place 2 orders within 1 month.',
    );
  });

  it('says "in a single order" for the single_order basis and leaves out disabled tiers', () => {
    const doc = levels('USD', {
      upgrade: { basis: 'single_order' },
      tiers: [
        { id: 'a', name: 'Bronze', threshold: { amount: 100 } },
        { id: 'b', name: 'Old', enabled: false, threshold: { amount: 200 } },
        { id: 'c', name: 'Gold', threshold: { amount: '300.10' } },
      ],
    });
    expect(programRulesText(doc)).toBe('Bronze: spend 100 USD in a single order. Gold: spend 300.10 USD in a single order.');
  });

  it('describes the plans of a paid program', () => {
    const doc = levels('USD', { tiers: [{ id: 'a', name: 'Bronze', threshold: { amount: 100 } }] }, 'paid');
    expect(programRulesText(doc)).toBe('Plus: 99.50 USD for 12 months.');
  });
});
