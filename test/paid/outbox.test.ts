/**
 * Level notifications from member_history (upgrade, downgrade, extension) and the plan a member
 * keeps when a later version drops the paid section.
 */
import { describe, expect, it } from 'vitest';
import { withTestDb } from '../helpers/db.js';
import { enqueueLevelNotifications, lastHistoryId, listWaiting, ack } from '../../src/outbox/index.js';
import { paidEntitlements, readPaidPeriod } from '../../src/members/paid.js';
import type { MembershipProgram } from '../../src/generated/types.js';
import type { Queryable } from '../../src/store/db.js';
import { activateVersion, addMember, paidProgram, PLUS, purchase, storePurchases } from './helpers.js';

const t = withTestDb();

async function history(q: Queryable, merchant: string, member: string, from: string | null, to: string | null, at: string, reason: string, version = 1): Promise<void> {
  await q.query(
    `INSERT INTO member_history (merchant_id, member_id, from_tier, to_tier, at, reason, version) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [merchant, member, from, to, at, reason, version],
  );
}

describe('level notifications', () => {
  it('renders upgrade, downgrade and extension from the version of each history row, once', async () => {
    const q = t.db;
    const doc = paidProgram({
      merchant: 'lv',
      type: 'levels',
      timezone: 'Asia/Shanghai',
      notifications: {
        upgrade: 'Hi {member.name}, you are now {tier.name}! Benefits: {tier.benefits}. Plan: {plan.name}.',
        downgrade: '{member.id}: now {tier.name}',
        extension: '{tier.name} extended until {expiresAt}',
      },
    });
    await activateVersion(q, doc, 1);
    await addMember(q, 'lv', 'ann', { name: '{tier.name}' });
    await addMember(q, 'lv', 'bob');
    await q.query(`UPDATE members SET expires_at = '2027-05-15T00:00:00+08:00' WHERE merchant_id = 'lv' AND member_id = 'bob'`);
    await storePurchases(q, 'lv', [purchase('p1', 'ann', 'plus', '2026-01-01T00:00:00Z')], new Date('2026-01-01T00:00:00Z'));

    const mark = await lastHistoryId(q, 'lv');
    await history(q, 'lv', 'ann', null, 'bronze', '2026-02-01T00:00:00Z', 'upgrade');
    await history(q, 'lv', 'ann', 'bronze', 'silver', '2026-03-01T00:00:00Z', 'rule_change');
    await history(q, 'lv', 'bob', 'silver', 'bronze', '2026-03-01T00:00:00Z', 'expire');
    await history(q, 'lv', 'bob', 'bronze', null, '2026-03-02T00:00:00Z', 'refund');
    await history(q, 'lv', 'bob', 'bronze', 'bronze', '2026-03-03T00:00:00Z', 'extend');
    await history(q, 'lv', 'bob', 'bronze', 'bronze', '2026-03-04T00:00:00Z', 'renew');
    await history(q, 'lv', 'bob', 'gone', 'bronze', '2026-03-05T00:00:00Z', 'rule_change');

    expect(await enqueueLevelNotifications(q, 'lv', mark)).toEqual({ enqueued: 6 });
    expect(await enqueueLevelNotifications(q, 'lv', mark)).toEqual({ enqueued: 0 });

    const rows = await listWaiting(q, 'lv');
    const sorted = (xs: string[][]): string[][] => [...xs].sort((a, b) => a.join('|').localeCompare(b.join('|')));
    expect(sorted(rows.map((r) => [r.event, r.member, r.message]))).toEqual(
      sorted([
        ['upgrade', 'ann', 'Hi {tier.name}, you are now Bronze! Benefits: 5% off. Plan: Plus.'],
        ['upgrade', 'ann', 'Hi {tier.name}, you are now Silver! Benefits: free shipping. Plan: Plus.'],
        ['upgrade', 'bob', 'Hi bob, you are now Bronze! Benefits: 5% off. Plan: .'],
        ['downgrade', 'bob', 'bob: now Bronze'],
        ['downgrade', 'bob', 'bob: now basic'],
        ['extension', 'bob', 'Bronze extended until 2027-05-15T00:00:00+08:00'],
      ]),
    );
    expect(rows.map((r) => r.key).every((k) => k.startsWith('history:'))).toBe(true);

    // Only rows after the mark count: a second batch is rendered on its own.
    const second = await lastHistoryId(q, 'lv');
    await history(q, 'lv', 'ann', 'silver', 'bronze', '2026-04-01T00:00:00Z', 'refund');
    expect(await enqueueLevelNotifications(q, 'lv', second)).toEqual({ enqueued: 1 });

    const acked = await ack(q, 'lv', [rows[0]!.id], new Date('2026-04-02T00:00:00Z'));
    expect(acked).toEqual({ acked: 1, unknown: [] });
    expect((await listWaiting(q, 'lv')).length).toBe(6);
    expect(await ack(q, 'lv', [rows[0]!.id, 424242], new Date('2026-04-02T00:00:00Z'))).toEqual({ acked: 0, unknown: [424242] });
  });

  it('writes nothing without templates', async () => {
    const q = t.db;
    await activateVersion(q, paidProgram({ merchant: 'quiet', type: 'levels' }), 1);
    await addMember(q, 'quiet', 'ann');
    await history(q, 'quiet', 'ann', null, 'bronze', '2026-02-01T00:00:00Z', 'upgrade');
    expect(await enqueueLevelNotifications(q, 'quiet', 0)).toEqual({ enqueued: 0 });
  });
});

describe('a version without the paid section', () => {
  it('the running membership keeps the entitlements of its plan as last defined', async () => {
    const q = t.db;
    await activateVersion(q, paidProgram({ merchant: 'drop', plans: [PLUS] }), 1);
    await storePurchases(q, 'drop', [purchase('p1', 'ann', 'plus', '2026-01-01T00:00:00Z')], new Date('2026-01-01T00:00:00Z'));
    const levelsOnly = paidProgram({ merchant: 'drop', type: 'levels' }) as { spec: Record<string, unknown> };
    delete levelsOnly.spec.paid;
    await activateVersion(q, levelsOnly, 2);
    const period = await readPaidPeriod(q, 'drop', 'ann', new Date('2026-06-01T00:00:00Z'));
    expect(period).toEqual({ plan: 'plus', since: '2026-01-01T00:00:00.000Z', expiresAt: '2027-01-01T00:00:00.000Z' });
    expect(paidEntitlements(levelsOnly as unknown as MembershipProgram, period).map((e) => [e.type, e.plan])).toEqual([['discount', 'plus']]);
    expect(await readPaidPeriod(q, 'drop', 'ann', new Date('2027-01-01T00:00:00Z'))).toBeNull();
  });
});
