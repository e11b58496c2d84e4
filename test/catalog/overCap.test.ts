/** What a stored program exceeds under another subscription's caps (a downgrade, SPEC §4.6). */
import { describe, expect, it } from 'vitest';
import { overCap, tiersOverCap } from '../../src/catalog/overCap.js';
import { defaultCatalog } from '../../src/catalog/builtin.js';

const tier = (id: string): object => ({ id, name: id, threshold: { amount: 100 }, benefits: [] });
const plan = (id: string): object => ({ id, name: id, price: 10, validity: { months: 1 }, benefits: [] });

function program(o: { tiers?: number; plans?: number; upgrade?: boolean; type?: string }): object {
  return {
    metadata: { merchant: 'm', subscription: 'pro', timezone: 'UTC', currency: 'USD' },
    spec: {
      type: o.type ?? 'levels',
      levels: { ...(o.upgrade ? { upgrade: { basis: 'accumulated', window: 'lifetime' } } : {}), tiers: Array.from({ length: o.tiers ?? 0 }, (_, i) => tier(`t${i + 1}`)) },
      ...(o.plans ? { paid: { plans: Array.from({ length: o.plans }, (_, i) => plan(`p${i + 1}`)) } } : {}),
    },
  };
}

describe('overCap', () => {
  const catalog = defaultCatalog;

  it('names the tiers over the cap', () => {
    const found = overCap(program({ tiers: 5 }), catalog, 'growth');
    expect(found).toEqual([{ code: 'caps.max-tiers', message: "subscription 'growth' allows at most 3 tiers, but 5 are defined; remove 2 (over the cap: t4, t5)" }]);
    expect(tiersOverCap(found)).toBe(true);
  });

  it('finds paid plans over the cap and custom rules a subscription forbids', () => {
    const found = overCap(program({ tiers: 1, plans: 3, upgrade: true }), catalog, 'starter');
    expect(found.map((c) => c.code)).toEqual(['caps.custom-rules', 'caps.max-paid-plans']);
    expect(tiersOverCap(found)).toBe(false);
  });

  it('finds a tiered program on a subscription without tiers', () => {
    expect(overCap(program({ tiers: 2 }), catalog, 'lite').map((c) => c.code)).toEqual(['caps.levels-unsupported']);
  });

  it('finds nothing within the caps', () => {
    expect(overCap(program({ tiers: 3 }), catalog, 'growth')).toEqual([]);
    expect(overCap(program({ tiers: 5 }), catalog, 'pro')).toEqual([]);
  });
});
