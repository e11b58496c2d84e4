/**
 * A merchant with members and orders set up by SQL, for plan impact and guardrail tests.
 * Thresholds (lifetime, accumulated, downgrade never): bronze 100, silver 500, gold 1000.
 * Members and their spend: ann 600 and bob 800 (silver), cat 1200 (gold), dan 150 (bronze),
 * eve 50 (basic). Raising silver to 900 and gold to 1500 under `recalculate` demotes ann and
 * bob to bronze and cat to silver: 3 of 5 members (60%).
 */
import { insertMembers, insertOrders, workspace, type Workspace } from '../members/workspace.js';

export const T0 = '2026-03-01T00:00:00.000Z';
export const NOW = '2026-03-10T00:00:00.000Z';

export interface ProgramShape {
  merchant?: string;
  silver?: number;
  gold?: number;
  existingMembers?: 'recalculate' | 'upgrade_only' | 'keep';
  scheduledAt?: string;
}

export function program(o: ProgramShape = {}): object {
  return {
    apiVersion: 'tierform.dev/v1',
    kind: 'MembershipProgram',
    metadata: { merchant: o.merchant ?? 'shop', subscription: 'growth', timezone: 'UTC', currency: 'USD' },
    spec: {
      type: 'levels',
      enabled: true,
      effective: {
        ...(o.scheduledAt ? { mode: 'scheduled', at: o.scheduledAt } : { mode: 'immediate' }),
        existingMembers: o.existingMembers ?? 'recalculate',
      },
      levels: {
        tiers: [
          { id: 'bronze', name: 'Bronze', threshold: { amount: 100 } },
          { id: 'silver', name: 'Silver', threshold: { amount: o.silver ?? 500 } },
          { id: 'gold', name: 'Gold', threshold: { amount: o.gold ?? 1000 } },
        ],
      },
    },
  };
}

const SPEND: [member: string, amount: number, tier: string | null][] = [
  ['ann', 600, 'silver'],
  ['bob', 800, 'silver'],
  ['cat', 1200, 'gold'],
  ['dan', 150, 'bronze'],
  ['eve', 50, null],
];

/** The workspace with version 1 applied and the members and orders in place. */
export async function shopWithMembers(extraFiles: Record<string, string | object> = {}): Promise<Workspace> {
  const w = await workspace({ 'programs/shop/program.yaml': program(), ...extraFiles });
  const applied = await w.cli('apply', '--auto-approve', '--max-downgrades', '100%', '--now', T0);
  if (applied.code !== 0) throw new Error(`setup apply failed: ${applied.stderr}`);
  await w.sql(async (q) => {
    await insertMembers(
      q,
      'shop',
      SPEND.map(([member, , tier]) => ({
        member,
        joinedAt: '2026-01-01T00:00:00Z',
        tier,
        tierSince: tier ? '2026-02-01T00:00:00Z' : null,
        anchorAt: tier ? '2026-02-01T00:00:00Z' : null,
      })),
    );
    await insertOrders(
      q,
      'shop',
      SPEND.map(([member, amount]) => ({ order: `o-${member}`, member, amountMinor: amount * 100, paidAt: '2026-01-15T00:00:00Z' })),
    );
  });
  return w;
}

export const BEFORE = { basic: 1, bronze: 1, silver: 2, gold: 1 };
