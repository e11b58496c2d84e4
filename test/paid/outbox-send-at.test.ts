/**
 * notifications.sendAt (SPEC §1.1, v1.1): each outbox row carries deliverAfter, the next sendAt
 * local time in the merchant's zone at or after its event; listing with releasedBy shows only
 * the rows released by then.
 */
import { describe, expect, it } from 'vitest';
import { withTestDb } from '../helpers/db.js';
import { enqueueLevelNotifications, lastHistoryId, listWaiting } from '../../src/outbox/index.js';
import type { Queryable } from '../../src/store/db.js';
import { activateVersion, addMember, paidProgram } from './helpers.js';

const t = withTestDb();

async function upgrade(q: Queryable, merchant: string, member: string, at: string): Promise<void> {
  await q.query(
    `INSERT INTO member_history (merchant_id, member_id, from_tier, to_tier, at, reason, version) VALUES ($1, $2, NULL, 'bronze', $3, 'upgrade', 1)`,
    [merchant, member, at],
  );
}

async function deliveries(q: Queryable, merchant: string): Promise<Record<string, string>> {
  const rows = await listWaiting(q, merchant);
  return Object.fromEntries(rows.map((r) => [r.member, r.deliverAfter]));
}

describe('notifications.sendAt', () => {
  it('releases each message at the next send time of the merchant zone, at or after its event', async () => {
    const q = t.db;
    await activateVersion(q, paidProgram({ merchant: 'sh', type: 'levels', timezone: 'Asia/Shanghai', notifications: { upgrade: 'Now {tier.name}', sendAt: '09:00' } }), 1);
    for (const m of ['early', 'exact', 'late', 'midnight']) await addMember(q, 'sh', m);
    const mark = await lastHistoryId(q, 'sh');
    await upgrade(q, 'sh', 'early', '2026-03-01T23:30:00Z'); // 07:30 on 2 March in Shanghai
    await upgrade(q, 'sh', 'exact', '2026-03-02T01:00:00Z'); // 09:00 sharp
    await upgrade(q, 'sh', 'late', '2026-03-02T01:00:01Z'); // just after: the next day
    await upgrade(q, 'sh', 'midnight', '2026-03-02T16:00:00Z'); // 00:00 on 3 March
    expect(await enqueueLevelNotifications(q, 'sh', mark)).toEqual({ enqueued: 4 });
    expect(await deliveries(q, 'sh')).toEqual({
      early: '2026-03-02T01:00:00.000Z',
      exact: '2026-03-02T01:00:00.000Z',
      late: '2026-03-03T01:00:00.000Z',
      midnight: '2026-03-03T01:00:00.000Z',
    });

    const released = await listWaiting(q, 'sh', 1000, { releasedBy: new Date('2026-03-02T01:00:00Z') });
    expect(released.map((r) => r.member).sort()).toEqual(['early', 'exact']);
    expect(await listWaiting(q, 'sh', 1000, { releasedBy: new Date('2026-03-02T00:59:59Z') })).toEqual([]);
  });

  it('follows the zone across a daylight-saving change', async () => {
    const q = t.db;
    await activateVersion(q, paidProgram({ merchant: 'ny', type: 'levels', timezone: 'America/New_York', notifications: { upgrade: 'Now {tier.name}', sendAt: '09:00' } }), 1);
    await addMember(q, 'ny', 'ann');
    await addMember(q, 'ny', 'bob');
    const mark = await lastHistoryId(q, 'ny');
    // 8 March 2026: clocks go forward at 02:00. 10:00 on 7 March (EST) → 09:00 on 8 March (EDT).
    await upgrade(q, 'ny', 'ann', '2026-03-07T15:00:00Z');
    await upgrade(q, 'ny', 'bob', '2026-03-08T12:00:00Z'); // 08:00 EDT → 09:00 EDT the same day
    await enqueueLevelNotifications(q, 'ny', mark);
    expect(await deliveries(q, 'ny')).toEqual({ ann: '2026-03-08T13:00:00.000Z', bob: '2026-03-08T13:00:00.000Z' });
  });

  it('releases at the event without sendAt', async () => {
    const q = t.db;
    await activateVersion(q, paidProgram({ merchant: 'now', type: 'levels', notifications: { upgrade: 'Now {tier.name}' } }), 1);
    await addMember(q, 'now', 'ann');
    const mark = await lastHistoryId(q, 'now');
    await upgrade(q, 'now', 'ann', '2026-03-07T15:00:00Z');
    await enqueueLevelNotifications(q, 'now', mark);
    expect(await deliveries(q, 'now')).toEqual({ ann: '2026-03-07T15:00:00.000Z' });
  });
});
