/** A valid program and the default catalog, as plain values, for the meaning-rule tests. */
import { defaultCatalog } from '../../src/catalog/builtin.js';
import { checkProgram } from '../../src/document/rules/index.js';

export const catalog = defaultCatalog;

export function validProgram(): any {
  return {
    apiVersion: 'tierform.dev/v1',
    kind: 'MembershipProgram',
    metadata: { merchant: 'acme', subscription: 'growth', timezone: 'Asia/Shanghai', currency: 'USD' },
    spec: {
      type: 'levels',
      enabled: true,
      effective: { mode: 'immediate', existingMembers: 'recalculate' },
      evaluation: { cron: '0 3 * * *' },
      levels: {
        activeFrom: '2024-01-01',
        upgrade: { basis: 'single_order', window: { rolling: { months: 12 } }, exclude: ['gift_card'] },
        downgrade: { mode: 'validity', validity: { months: 12 }, retention: { extend: { months: 12 } } },
        refunds: 'recalculate',
        tiers: [
          {
            id: 'bronze',
            name: 'Bronze',
            threshold: { amount: 100 },
            retain: { amount: 80 },
            benefits: [
              { type: 'upgrade_points', points: 100 },
              { type: 'cash_voucher', amountOff: 10, minSpend: '50.00' },
            ],
          },
          { id: 'silver', name: 'Silver', threshold: { amount: 500, orders: 2 }, retain: { amount: 400 } },
          { id: 'gold', name: 'Gold', threshold: { amount: '1000.50', orders: 2 }, retain: { amount: 800 } },
        ],
      },
      paid: {
        plans: [
          {
            id: 'plus',
            name: 'Plus',
            price: 99,
            validity: { months: 12 },
            benefits: [
              { type: 'join_points', points: 500 },
              { type: 'discount', percentOff: 10, minSpend: 20 },
            ],
          },
        ],
      },
      notifications: { upgrade: 'Hi {member.name}, you are now {tier.name}! Benefits: {tier.benefits}' },
    },
  };
}

export const path = 'programs/acme/program.yaml';

export function findings(doc: unknown, opts: { catalog?: unknown; path?: string } = {}) {
  return checkProgram(doc, { catalog: opts.catalog ?? catalog, path: opts.path ?? path });
}

/** The findings as `code pointer` lines, for compact assertions. */
export function codes(doc: unknown, opts: { catalog?: unknown; path?: string } = {}): string[] {
  return findings(doc, opts).map((f) => `${f.code} ${f.pointer}`);
}
