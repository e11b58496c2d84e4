import { describe, expect, it } from 'vitest';
import { evaluateMember, recalculateMember, type LevelsSection, type MemberState } from '../../src/rules/index.js';
import { at, member, order, program } from './helpers.js';

const tiers = (bronze: number, silver: number, extra: { silverEnabled?: boolean } = {}): LevelsSection['tiers'] => [
  { id: 'bronze', threshold: { amount: bronze }, benefits: [{ type: 'upgrade_points', points: 10 }] },
  { id: 'silver', threshold: { amount: silver }, enabled: extra.silverEnabled ?? true, benefits: [{ type: 'upgrade_points', points: 50 }] },
];
const validity = { mode: 'validity', validity: { months: 12 } };
const window = { window: { rolling: { months: 3 } } };

/** A member who reached a tier under the old rules on 2024-01-10. */
function reached(amount: number): { s: MemberState; orders: ReturnType<typeof order>[] } {
  const orders = [order('m', '2024-01-05T00:00:00Z', amount)];
  const old = program({ upgrade: window, downgrade: validity, tiers: tiers(500, 1000) });
  return { s: evaluateMember(member('m'), orders, at('2024-01-10'), old, 1), orders };
}

const T = at('2024-06-01T03:00:00Z');

describe('§3.5 recalculation', () => {
  it('recalculate (v1.1): a member inside a validity period is judged by the evidence as of evidenceAt; a move down keeps anchorAt, evidenceAt and expiresAt', () => {
    const { s, orders } = reached(1100); // silver; by T the order has left the 3-month window
    const up = recalculateMember(s, orders, T, program({ upgrade: window, downgrade: validity, tiers: tiers(500, 1200) }), 2);
    expect(up).toMatchObject({ tier: 'bronze', tierSince: T, anchorAt: at('2024-01-10'), evidenceAt: at('2024-01-10'), expiresAt: at('2025-01-10') });
    expect(up.history.at(-1)).toEqual({ from: 'silver', to: 'bronze', at: T, reason: 'rule_change', version: 2 });
    const same = recalculateMember(s, orders, T, program({ upgrade: window, downgrade: validity, tiers: tiers(400, 1000) }), 2);
    expect(same).toEqual(s);
  });

  it('recalculate moves up with one-time benefits; upgrade_only only up; keep changes nothing', () => {
    const { s, orders } = reached(600); // bronze
    const lower = program({ upgrade: window, downgrade: validity, tiers: tiers(300, 550) });
    const up = recalculateMember(s, orders, T, lower, 2, 'upgrade_only');
    expect(up).toMatchObject({ tier: 'silver', tierSince: T });
    expect(up.grants.map((g) => [g.key, g.dueAt])).toEqual([
      ['upgrade_points:bronze', at('2024-01-10')],
      ['upgrade_points:silver', T],
    ]);
    expect(recalculateMember(s, orders, T, lower, 2, 'keep')).toEqual(s);

    const { s: silver, orders: o2 } = reached(1100);
    const higher = program({ upgrade: window, downgrade: validity, tiers: tiers(500, 2000) });
    expect(recalculateMember(silver, o2, T, higher, 2, 'upgrade_only')).toEqual(silver);
    expect(recalculateMember(silver, o2, T, higher, 2, 'recalculate').tier).toBe('bronze');
  });

  it('disabled tier: its members are re-derived under the remaining tiers in every mode', () => {
    const { s, orders } = reached(1100);
    const disabled = program({ upgrade: window, downgrade: validity, tiers: tiers(500, 1000, { silverEnabled: false }) });
    for (const mode of ['recalculate', 'upgrade_only', 'keep'] as const) {
      const r = recalculateMember(s, orders, T, disabled, 2, mode);
      expect(r).toMatchObject({ tier: 'bronze', tierSince: T, evidenceAt: at('2024-01-10'), expiresAt: at('2025-01-10') });
      expect(r.grants.map((g) => g.key)).toEqual(['upgrade_points:silver']);
    }
  });

  it('a removed tier is re-derived the same way', () => {
    const { s, orders } = reached(1100);
    const removed = program({ upgrade: window, downgrade: validity, tiers: [{ id: 'bronze', threshold: { amount: 500 } }] });
    expect(recalculateMember(s, orders, T, removed, 2, 'keep').tier).toBe('bronze');
  });

  it('mode recompute: the new tier is qualified(m, T)', () => {
    const { s, orders } = reached(1100);
    const recompute = program({ upgrade: window, downgrade: { mode: 'recompute' }, tiers: tiers(500, 1000) });
    expect(recalculateMember(s, orders, T, recompute, 2)).toMatchObject({ tier: null, expiresAt: null, tierSince: T });
  });

  it('a member who stays keeps tierSince and anchorAt; expiresAt starts at T when validity is introduced', () => {
    const orders = [order('m', '2024-05-05T00:00:00Z', 1100)];
    const s = evaluateMember(member('m'), orders, at('2024-05-10'), program({ tiers: tiers(500, 1000) }), 1);
    expect(s.expiresAt).toBeNull();
    const r = recalculateMember(s, orders, T, program({ upgrade: window, downgrade: validity, tiers: tiers(500, 1000) }), 2);
    expect(r).toMatchObject({ tier: 'silver', tierSince: at('2024-05-10'), anchorAt: at('2024-05-10'), expiresAt: at('2025-06-01') });
  });
});
