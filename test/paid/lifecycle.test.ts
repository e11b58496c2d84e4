/**
 * Paid membership in SQL, the examples of the issue: monthly grants from Jan 31, renewal from
 * the old expiry, refunds, join points under concurrency, notifications written once.
 */
import { describe, expect, it } from 'vitest';
import { withTestDb } from '../helpers/db.js';
import { performPaidGrants, recomputePaidPeriods } from '../../src/engine/paid/index.js';
import { enqueueLevelNotifications } from '../../src/outbox/index.js';
import { activateVersion, addMember, paidProgram, PLUS, purchase, readGrants, readPeriods, storePurchases } from './helpers.js';
import type { Queryable } from '../../src/store/db.js';

const t = withTestDb();

let merchantNo = 0;
/** A fresh merchant with the Plus plan (monthly free shipping, join points) in `timezone`. */
async function merchant(q: Queryable, more: Parameters<typeof paidProgram>[0] = {}): Promise<string> {
  merchantNo += 1;
  const id = `m${merchantNo}`;
  await activateVersion(q, paidProgram({ merchant: id, ...more }), 1);
  return id;
}

const monthly = (grants: { key: string; dueAt: string }[]): string[] =>
  grants.filter((g) => g.key.startsWith('free_shipping@')).map((g) => g.dueAt).sort();

describe('monthly grants from the period start', () => {
  it('a purchase on Jan 31 grants on Jan 31, Feb 28, Mar 31, Apr 30 … (calendar months, month end clamped)', async () => {
    const q = t.db;
    const m = await merchant(q, { timezone: 'Asia/Shanghai' });
    const paidAt = '2026-01-31T10:00:00+08:00';
    await storePurchases(q, m, [purchase('p1', 'ann', 'plus', paidAt, { timezone: 'Asia/Shanghai' })], new Date(paidAt));
    // Daily evaluations at 03:00 local time on the days around each anniversary.
    const days = ['01-31', '02-01', '02-27', '02-28', '03-01', '03-30', '03-31', '04-01', '04-29', '04-30', '05-01'];
    for (const day of days) await performPaidGrants(q, m, new Date(`2026-${day}T03:00:00+08:00`), 1);
    const grants = (await readGrants(q, m)).filter((g) => g.key.startsWith('free_shipping@'));
    expect(grants.map((g) => g.dueAt)).toEqual(
      ['2026-01-31T02:00:00.000Z', '2026-02-28T02:00:00.000Z', '2026-03-31T02:00:00.000Z', '2026-04-30T02:00:00.000Z'].sort(),
    );
    // Performed by the first evaluation at or after each anniversary (the next 03:00 local).
    const feb = grants.find((g) => g.dueAt.startsWith('2026-02-28'))!;
    expect(feb.at).toBe('2026-02-28T19:00:00.000Z');
    expect(feb.key).toBe('free_shipping@m1:p1');
  });

  it('in a leap year the February grant falls on Feb 29', async () => {
    const q = t.db;
    const m = await merchant(q);
    await storePurchases(q, m, [purchase('p1', 'ann', 'plus', '2028-01-31T12:00:00Z')], new Date('2028-01-31T12:00:00Z'));
    await performPaidGrants(q, m, new Date('2028-04-01T00:00:00Z'), 1);
    expect(monthly(await readGrants(q, m))).toEqual(['2028-01-31T12:00:00.000Z', '2028-02-29T12:00:00.000Z', '2028-03-31T12:00:00.000Z']);
  });

  it('a late evaluation performs every anniversary it missed, each with its own dueAt', async () => {
    const q = t.db;
    const m = await merchant(q);
    await storePurchases(q, m, [purchase('p1', 'ann', 'plus', '2026-01-15T08:00:00Z')], new Date('2026-01-15T08:00:00Z'));
    await performPaidGrants(q, m, new Date('2026-03-20T00:00:00Z'), 1);
    const grants = (await readGrants(q, m)).filter((g) => g.key.startsWith('free_shipping@'));
    expect(grants.map((g) => [g.dueAt, g.at])).toEqual([
      ['2026-01-15T08:00:00.000Z', '2026-03-20T00:00:00.000Z'],
      ['2026-02-15T08:00:00.000Z', '2026-03-20T00:00:00.000Z'],
      ['2026-03-15T08:00:00.000Z', '2026-03-20T00:00:00.000Z'],
    ]);
  });
});

describe('renewals and refunds', () => {
  it('renewing before expiry extends from the old expiry, not from the purchase', async () => {
    const q = t.db;
    const m = await merchant(q);
    await storePurchases(q, m, [purchase('p1', 'ann', 'plus', '2026-01-31T10:00:00Z')], new Date('2026-01-31T10:00:00Z'));
    await storePurchases(q, m, [purchase('p2', 'ann', 'plus', '2026-12-01T09:00:00Z')], new Date('2026-12-01T09:00:00Z'));
    expect(await readPeriods(q, m)).toEqual([
      { purchase: 'p1', plan: 'plus', kind: 'start', membership: 'p1', startsAt: '2026-01-31T10:00:00.000Z', endsAt: '2027-01-31T10:00:00.000Z' },
      { purchase: 'p2', plan: 'plus', kind: 'renewal', membership: 'p1', startsAt: '2027-01-31T10:00:00.000Z', endsAt: '2028-01-31T10:00:00.000Z' },
    ]);
    const ms = await q.query<{ since: Date; expires_at: Date }>('SELECT since, expires_at FROM paid_memberships WHERE merchant_id = $1', [m]);
    expect(ms.rows.map((r) => [r.since.toISOString(), r.expires_at.toISOString()])).toEqual([['2026-01-31T10:00:00.000Z', '2028-01-31T10:00:00.000Z']]);
  });

  it('a purchase after expiry starts a new membership; another plan replaces the running one from its paidAt', async () => {
    const q = t.db;
    const m = await merchant(q, { plans: [PLUS, { id: 'pro', validity: { months: 1 } }] });
    await storePurchases(
      q,
      m,
      [
        purchase('p1', 'ann', 'plus', '2026-01-01T00:00:00Z', { validity: { months: 1 } }),
        purchase('p2', 'ann', 'plus', '2026-03-01T00:00:00Z', { validity: { months: 1 } }),
        purchase('p3', 'ann', 'pro', '2026-03-10T00:00:00Z', { validity: { months: 1 } }),
      ],
      new Date('2026-03-10T00:00:00Z'),
    );
    expect((await readPeriods(q, m)).map((p) => [p.purchase, p.kind, p.membership, p.startsAt.slice(0, 10), p.endsAt.slice(0, 10)])).toEqual([
      ['p1', 'start', 'p1', '2026-01-01', '2026-02-01'],
      ['p2', 'start', 'p2', '2026-03-01', '2026-03-10'],
      ['p3', 'start', 'p3', '2026-03-10', '2026-04-10'],
    ]);
  });

  it('a refunded purchase ends its period and grants nothing more', async () => {
    const q = t.db;
    const m = await merchant(q);
    const p1 = purchase('p1', 'ann', 'plus', '2026-01-10T00:00:00Z');
    await storePurchases(q, m, [p1], new Date('2026-01-10T00:00:00Z'));
    await performPaidGrants(q, m, new Date('2026-02-11T00:00:00Z'), 1);
    const before = await readGrants(q, m);
    expect(before.map((g) => g.key).sort()).toEqual(['free_shipping@m0:p1', 'free_shipping@m1:p1', 'join_points:p1']);

    await storePurchases(q, m, [{ ...p1, status: 'refunded' }], new Date('2026-02-20T00:00:00Z'));
    expect(await readPeriods(q, m)).toEqual([]);
    for (const day of ['2026-03-11', '2026-04-11', '2026-12-11']) await performPaidGrants(q, m, new Date(`${day}T00:00:00Z`), 1);
    // Grants already performed stay (the ledger is never revoked); none is added.
    expect(await readGrants(q, m)).toEqual(before);
  });

  it('a refunded renewal shortens the membership by its period', async () => {
    const q = t.db;
    const m = await merchant(q);
    const p2 = purchase('p2', 'ann', 'plus', '2026-06-01T00:00:00Z');
    await storePurchases(q, m, [purchase('p1', 'ann', 'plus', '2026-01-01T00:00:00Z'), p2], new Date('2026-06-01T00:00:00Z'));
    await storePurchases(q, m, [{ ...p2, status: 'refunded' }], new Date('2026-07-01T00:00:00Z'));
    const ms = await q.query<{ expires_at: Date }>('SELECT expires_at FROM paid_memberships WHERE merchant_id = $1', [m]);
    expect(ms.rows.map((r) => r.expires_at.toISOString())).toEqual(['2027-01-01T00:00:00.000Z']);
  });
});

describe('idempotence', () => {
  it('join points are granted once even when performPaidGrants runs three times at once', async () => {
    const setup = t.db;
    const m = await merchant(setup);
    await storePurchases(
      setup,
      m,
      ['ann', 'bob', 'cyd'].map((who, i) => purchase(`p${i}`, who, 'plus', '2026-01-05T00:00:00Z')),
      new Date('2026-01-05T00:00:00Z'),
    );
    const at = new Date('2026-01-06T00:00:00Z');
    // On the server: three transactions on three pooled connections at once (PGlite has one connection).
    const results = await Promise.all([0, 1, 2].map(() => t.db.transaction((tx) => performPaidGrants(tx, m, at, 1))));
    const grants = await readGrants(setup, m);
    const join = grants.filter((g) => g.type === 'join_points');
    expect(join.map((g) => [g.member, g.points])).toEqual([['ann', 500], ['bob', 500], ['cyd', 500]]);
    expect(results.reduce((sum, r) => sum + r.granted, 0)).toBe(grants.length);
    expect(grants).toHaveLength(6);
  });

  it('outbox rows are written exactly once per event', async () => {
    const q = t.db;
    const m = await merchant(q, {
      notifications: {
        paidStart: 'Welcome {member.name} to {plan.name}, until {expiresAt}',
        renewal: 'Renewed: {plan.name} until {expiresAt}',
        expiry: 'Your {plan.name} ended on {expiresAt}',
        upgrade: 'Hi {member.name}, you are now {tier.name}! Benefits: {tier.benefits}',
      },
    });
    await addMember(q, m, 'ann', { name: 'Ann' });
    const p1 = purchase('p1', 'ann', 'plus', '2026-01-01T00:00:00Z', { validity: { months: 1 } });
    const p2 = purchase('p2', 'ann', 'plus', '2026-01-20T00:00:00Z', { validity: { months: 1 } });
    await storePurchases(q, m, [p1], new Date('2026-01-01T00:00:00Z'));
    await storePurchases(q, m, [p1], new Date('2026-01-02T00:00:00Z')); // the same file again
    await storePurchases(q, m, [p2], new Date('2026-01-20T00:00:00Z'));
    for (const day of ['2026-02-28', '2026-03-01', '2026-03-02', '2026-03-02']) await performPaidGrants(q, m, new Date(`${day}T00:00:00Z`), 1);

    await q.query(
      `INSERT INTO member_history (merchant_id, member_id, from_tier, to_tier, at, reason, version) VALUES ($1, 'ann', NULL, 'silver', '2026-03-05T00:00:00Z', 'upgrade', 1)`,
      [m],
    );
    await enqueueLevelNotifications(q, m, 0);
    await enqueueLevelNotifications(q, m, 0);

    const rows = await q.query<{ event: string; message: string; created_at: Date }>(
      'SELECT event, message, created_at FROM outbox WHERE merchant_id = $1 ORDER BY outbox_id',
      [m],
    );
    expect(rows.rows.map((r) => [r.event, r.message, r.created_at.toISOString()])).toEqual([
      ['paidStart', 'Welcome Ann to Plus, until 2026-02-01T00:00:00+00:00', '2026-01-01T00:00:00.000Z'],
      ['renewal', 'Renewed: Plus until 2026-03-01T00:00:00+00:00', '2026-01-20T00:00:00.000Z'],
      ['expiry', 'Your Plus ended on 2026-03-01T00:00:00+00:00', '2026-03-01T00:00:00.000Z'],
      ['upgrade', 'Hi Ann, you are now Silver! Benefits: free shipping', '2026-03-05T00:00:00.000Z'],
    ]);
  });
});

describe('a daily run looks only at periods with a grant due', () => {
  it('waits for the next anniversary, and looks again at every period when the grant rules change', async () => {
    const q = t.db;
    const m = await merchant(q, { plans: [{ id: 'plus', validity: { months: 12 }, benefits: [{ type: 'join_points', points: 5 }] }] });
    await storePurchases(q, m, [purchase('p1', 'ann', 'plus', '2026-01-10T00:00:00Z')], new Date('2026-01-10T00:00:00Z'));
    await performPaidGrants(q, m, new Date('2026-03-01T00:00:00Z'), 1);
    const next = async (): Promise<string | null> =>
      (await q.query<{ n: Date | null }>('SELECT next_grant_at AS n FROM paid_periods WHERE merchant_id = $1', [m])).rows[0]!.n?.toISOString() ?? null;
    expect(await next()).toBeNull();

    // Version 2 adds a monthly benefit: the next run grants every anniversary due so far, as the model does.
    await activateVersion(q, paidProgram({ merchant: m, plans: [PLUS] }), 2);
    await performPaidGrants(q, m, new Date('2026-03-15T00:00:00Z'), 2);
    expect(monthly(await readGrants(q, m))).toEqual(['2026-01-10T00:00:00.000Z', '2026-02-10T00:00:00.000Z', '2026-03-10T00:00:00.000Z']);
    expect(await next()).toBe('2026-04-10T00:00:00.000Z');
    expect((await performPaidGrants(q, m, new Date('2026-04-09T00:00:00Z'), 2)).granted).toBe(0);
    expect((await performPaidGrants(q, m, new Date('2026-04-10T00:00:00Z'), 2)).granted).toBe(1);
  });
});

describe('recomputation is idempotent', () => {
  it('recomputing a member twice leaves the same periods', async () => {
    const q = t.db;
    const m = await merchant(q);
    await storePurchases(q, m, [purchase('p1', 'ann', 'plus', '2026-01-01T00:00:00Z'), purchase('p2', 'ann', 'plus', '2026-02-01T00:00:00Z')], new Date('2026-02-01T00:00:00Z'));
    const once = await readPeriods(q, m);
    await recomputePaidPeriods(q, m, { members: ['ann'] });
    expect(await readPeriods(q, m)).toEqual(once);
  });
});
