/**
 * Paid membership through the command line: import purchases, members show, the outbox, and the
 * program type switching levels → paid → levels.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { workspace, type Workspace } from '../members/workspace.js';
import { performPaidGrants } from '../../src/engine/paid/index.js';

const T0 = '2026-01-01T00:00:00Z';

function program(type: 'levels' | 'paid'): object {
  return {
    apiVersion: 'tierform.dev/v1',
    kind: 'MembershipProgram',
    metadata: { merchant: 'shop', subscription: 'growth', timezone: 'Asia/Shanghai', currency: 'USD' },
    spec: {
      type,
      enabled: true,
      effective: { mode: 'immediate', existingMembers: 'recalculate' },
      levels: {
        tiers: [{ id: 'silver', name: 'Silver', threshold: { amount: 100 }, benefits: [{ type: 'free_samples' }] }],
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
              { type: 'free_shipping', grant: { every: { months: 1 } } },
              { type: 'discount', percentOff: 10, minSpend: 50, channels: ['app'] },
            ],
          },
        ],
      },
      notifications: {
        paidStart: 'Welcome to {plan.name}, {member.name}! Valid until {expiresAt}. You get: {tier.benefits}',
        renewal: '{plan.name} renewed until {expiresAt}',
      },
    },
  };
}

const line = (o: object): string => `${JSON.stringify(o)}\n`;
const buy = (purchase: string, member: string, paidAt: string, status = 'paid', plan = 'plus'): string =>
  line({ merchant: 'shop', purchase, member, plan, paidAt, status });

let w: Workspace;

beforeAll(async () => {
  w = await workspace({ 'programs/shop/program.yaml': program('paid') });
  const applied = await w.cli('apply', '--auto-approve', '--now', T0);
  expect(applied.code).toBe(0);
}, 180_000);

async function importPurchases(text: string, now: string): Promise<{ code: number; json: { inserted: number; updated: number; rejected: { line: number; message: string }[] } }> {
  const { runCli } = await import('../helpers/cli.js');
  const r = await runCli(['import', 'purchases', '-', '--format', 'json', '--now', now, ...w.db.args], { cwd: w.dir.dir, stdin: text });
  return { code: r.code, json: JSON.parse(r.stdout) };
}

async function show(member: string, now: string): Promise<{ paid: unknown; entitlements: { type: string; plan?: string; tier?: string }[]; grants: { key: string }[] }> {
  const r = await w.cli('members', 'show', 'shop', member, '--format', 'json', '--now', now);
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout);
}

describe('import purchases', () => {
  it('imports purchases, registers members, and shows the paid period and its entitlements', async () => {
    const r = await importPurchases(buy('p1', 'ann', '2026-01-31T10:00:00+08:00') + buy('p2', 'bob', '2026-02-01T09:00:00+08:00'), '2026-02-01T12:00:00Z');
    expect(r).toEqual({ code: 0, json: { inserted: 2, updated: 0, rejected: [] } });
    const ann = await show('ann', '2026-03-01T00:00:00Z');
    expect(ann.paid).toEqual({ plan: 'plus', since: '2026-01-31T02:00:00.000Z', expiresAt: '2027-01-31T02:00:00.000Z' });
    expect(ann.entitlements).toEqual([
      { type: 'discount', percentOff: 10, minSpend: '50.00', currency: 'USD', channels: ['app'], plan: 'plus' },
    ]);
    expect((await show('ann', '2027-02-01T00:00:00Z')).paid).toBeNull();
  });

  it('rejects the whole file with line numbers: an undefined plan, a changed member, a bad status', async () => {
    const file = buy('p3', 'cyd', '2026-02-02T00:00:00Z') + buy('p4', 'cyd', '2026-02-02T00:00:00Z', 'paid', 'gold') + buy('p1', 'zed', '2026-01-31T10:00:00+08:00') + buy('p5', 'cyd', '2026-02-02T00:00:00Z', 'cancelled');
    const r = await importPurchases(file, '2026-02-03T00:00:00Z');
    expect(r.code).toBe(1);
    expect(r.json.inserted).toBe(0);
    expect(r.json.rejected.map((x) => x.line)).toEqual([2, 3, 4]);
    expect(r.json.rejected[0]!.message).toContain("plan 'gold' is not defined");
    expect(r.json.rejected[1]!.message).toContain('was imported for member ann');
    // Nothing was written: p3 is not there.
    const count = await w.sql((q) => q.query<{ n: number }>(`SELECT count(*)::int AS n FROM purchases WHERE purchase_id = 'p3'`));
    expect(count.rows[0]!.n).toBe(0);
  });

  it('a re-import updates the purchase: a refund ends the period', async () => {
    const r = await importPurchases(buy('p2', 'bob', '2026-02-01T09:00:00+08:00', 'refunded'), '2026-02-10T00:00:00Z');
    expect(r.json).toEqual({ inserted: 0, updated: 1, rejected: [] });
    const bob = await show('bob', '2026-02-11T00:00:00Z');
    expect(bob.paid).toBeNull();
    expect(bob.entitlements).toEqual([]);
  });
});

describe('outbox', () => {
  it('lists the start notifications rendered from the template, and acks them', async () => {
    const list = await w.cli('outbox', 'list', 'shop', '--format', 'json');
    expect(list.code).toBe(0);
    const entries = JSON.parse(list.stdout) as { id: number; event: string; member: string; message: string; createdAt: string }[];
    expect(entries.map((e) => [e.event, e.member, e.message, e.createdAt])).toEqual([
      ['paidStart', 'ann', 'Welcome to Plus, ann! Valid until 2027-01-31T10:00:00+08:00. You get: 500 points on joining, free shipping every month, 10% off on orders of 50.00 USD or more (app)', '2026-02-01T12:00:00.000Z'],
      ['paidStart', 'bob', 'Welcome to Plus, bob! Valid until 2027-02-01T09:00:00+08:00. You get: 500 points on joining, free shipping every month, 10% off on orders of 50.00 USD or more (app)', '2026-02-01T12:00:00.000Z'],
    ]);
    const unknown = await w.cli('outbox', 'ack', 'shop', String(entries[0]!.id), '999999');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('999999');
    const acked = await w.cli('outbox', 'ack', 'shop', String(entries[0]!.id), '--now', '2026-02-02T00:00:00Z');
    expect(acked.code).toBe(0);
    const again = JSON.parse((await w.cli('outbox', 'list', '--format', 'json')).stdout) as { member: string }[];
    expect(again.map((e) => e.member)).toEqual(['bob']);
    expect((await w.cli('outbox', 'list', 'shop')).stdout).toContain('paidStart');
  });
});

describe('switching the program type', () => {
  it('while paid, tier benefits are inactive; back to levels, running memberships keep their benefits and new purchases are refused', async () => {
    // A member with a tier and a paid membership while the type is paid: only the plan's entitlements.
    await w.sql((q) => q.query(`UPDATE members SET tier_id = 'silver', tier_since = '2026-01-01T00:00:00Z' WHERE merchant_id = 'shop' AND member_id = 'ann'`));
    expect((await show('ann', '2026-03-01T00:00:00Z')).entitlements.map((e) => e.type)).toEqual(['discount']);

    await w.dir.write({ 'programs/shop/program.yaml': program('levels') });
    const applied = await w.cli('apply', '--auto-approve', '--now', '2026-03-01T00:00:00Z');
    expect(applied.code).toBe(0);

    const ann = await show('ann', '2026-03-02T00:00:00Z');
    expect(ann.paid).toEqual({ plan: 'plus', since: '2026-01-31T02:00:00.000Z', expiresAt: '2027-01-31T02:00:00.000Z' });
    expect(ann.entitlements.map((e) => [e.type, e.plan ?? e.tier])).toContainEqual(['discount', 'plus']);

    // Grants of the running membership continue under the levels version.
    const granted = await w.sql((q) => performPaidGrants(q, 'shop', new Date('2026-03-02T00:00:00Z'), 2));
    expect(granted.granted).toBeGreaterThan(0);
    expect((await show('ann', '2026-03-02T00:00:00Z')).grants.map((g) => g.key)).toContain('free_shipping@m1:p1');

    const refused = await importPurchases(buy('p9', 'cyd', '2026-03-03T00:00:00Z'), '2026-03-03T00:00:00Z');
    expect(refused.code).toBe(1);
    expect(refused.json.rejected).toEqual([{ line: 1, message: expect.stringContaining('type levels') }]);
    // A refund of a purchase made while the type was paid is still accepted.
    const refund = await importPurchases(buy('p1', 'ann', '2026-01-31T10:00:00+08:00', 'refunded'), '2026-03-04T00:00:00Z');
    expect(refund.json).toEqual({ inserted: 0, updated: 1, rejected: [] });
    expect((await show('ann', '2026-03-05T00:00:00Z')).paid).toBeNull();
  }, 180_000);
});
