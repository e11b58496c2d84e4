import { describe, expect, it } from 'vitest';
import { evaluateMember, type LevelRules, type MemberState, type Order } from '../../src/rules/index.js';
import { at, member, order, program } from './helpers.js';

function run(rules: LevelRules, s: MemberState, orders: Order[], ...instants: Date[]): MemberState {
  return instants.reduce((state, t) => evaluateMember(state, orders, t, rules, 1), s);
}

describe('§3.6 upgrade_points', () => {
  const rules = program({
    downgrade: { mode: 'validity', validity: { months: 1 } },
    upgrade: { window: { rolling: { months: 1 } } },
    tiers: [
      { id: 'bronze', threshold: { amount: 100 }, benefits: [{ type: 'upgrade_points', points: 10 }] },
      { id: 'silver', threshold: { amount: 500 }, benefits: [{ type: 'upgrade_points', points: 50 }] },
    ],
  });

  it('upgrade_points once per member per tier, ever: re-reaching a tier grants nothing', () => {
    const orders = [order('m', '2024-01-02T00:00:00Z', 150), order('m', '2024-01-20T00:00:00Z', 400), order('m', '2024-05-01T00:00:00Z', 150)];
    const s = run(rules, member('m'), orders, at('2024-01-10'), at('2024-01-25'), at('2024-02-25'), at('2024-05-10'));
    expect(s.history.map((h) => [h.to, h.reason])).toEqual([
      ['bronze', 'upgrade'],
      ['silver', 'upgrade'],
      [null, 'expire'],
      ['bronze', 'upgrade'],
    ]);
    expect(s.grants).toEqual([
      { type: 'upgrade_points', key: 'upgrade_points:bronze', tier: 'bronze', dueAt: at('2024-01-10'), at: at('2024-01-10'), points: 10 },
      { type: 'upgrade_points', key: 'upgrade_points:silver', tier: 'silver', dueAt: at('2024-01-25'), at: at('2024-01-25'), points: 50 },
    ]);
  });

  it('points added to a tier later are not granted to a member who re-reaches it', () => {
    const before = program({ downgrade: { mode: 'validity', validity: { months: 1 } }, upgrade: { window: { rolling: { months: 1 } } }, tiers: [{ id: 'bronze', threshold: { amount: 100 } }] });
    const orders = [order('m', '2024-01-02T00:00:00Z', 150), order('m', '2024-05-01T00:00:00Z', 150)];
    const s1 = run(before, member('m'), orders, at('2024-01-10'), at('2024-02-10'));
    expect(s1.tier).toBeNull();
    const s2 = run(rules, s1, orders, at('2024-05-10'));
    expect(s2.tier).toBe('bronze');
    expect(s2.grants).toEqual([]);
  });

  it('only the tier reached is granted, not the tiers skipped', () => {
    const s = run(rules, member('m'), [order('m', '2024-01-02T00:00:00Z', 600)], at('2024-01-10'));
    expect(s.grants.map((g) => g.key)).toEqual(['upgrade_points:silver']);
  });
});

describe('§3.6 birthday_discount', () => {
  const rules = program(
    {
      tiers: [
        { id: 'bronze', threshold: { amount: 0 } },
        { id: 'silver', threshold: { amount: 100 }, benefits: [{ type: 'birthday_discount' }] },
      ],
    },
    { timezone: 'Asia/Shanghai' },
  );
  const orders = [order('m', '2024-01-01T00:00:00Z', 100)];
  const tz = 'Asia/Shanghai';

  it('birthday once per year, at the first evaluation in the birth month (local date), dueAt = start of the month', () => {
    const s0 = run(rules, member('m', '1990-05-20'), orders, at('2024-04-30T15:00:00Z')); // 23:00 Apr 30 local
    expect(s0.grants).toEqual([]);
    const t = at('2024-04-30T17:00:00Z'); // 01:00 May 1 local
    const s1 = run(rules, s0, orders, t, at('2024-05-15T00:00:00Z'), at('2024-05-31T00:00:00Z'));
    expect(s1.grants).toEqual([{ type: 'birthday_discount', key: 'birthday_discount:2024', tier: 'silver', dueAt: at('2024-05-01', tz), at: t }]);
    const s2 = run(rules, s1, orders, at('2025-05-03T00:00:00Z'));
    expect(s2.grants.map((g) => g.key)).toEqual(['birthday_discount:2024', 'birthday_discount:2025']);
  });

  it('only while the tier carries the benefit; no birthday, no grant', () => {
    const few = [order('m', '2024-01-01T00:00:00Z', 50)];
    expect(run(rules, member('m', '05-20'), few, at('2024-05-02')).grants).toEqual([]);
    expect(run(rules, member('m', null), orders, at('2024-05-02')).grants).toEqual([]);
    // Reaching silver later in the month still grants that year.
    const s = run(rules, member('m', '05-20'), few, at('2024-05-02'));
    const more = [...few, order('m', '2024-05-05T00:00:00Z', 60)];
    expect(run(rules, s, more, at('2024-05-10')).grants.map((g) => g.key)).toEqual(['birthday_discount:2024']);
  });

  it('a 29 February birthday is a February birthday every year', () => {
    const s = run(rules, member('m', '2000-02-29'), orders, at('2025-02-10'));
    expect(s.grants.map((g) => g.key)).toEqual(['birthday_discount:2025']);
  });
});
