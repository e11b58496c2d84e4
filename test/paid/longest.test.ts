/** notifications.maxLength: the longest rendering of each template (SPEC §1.1, v1.1). */
import { describe, expect, it } from 'vitest';
import { tooLongMessages } from '../../src/outbox/longest.js';

function doc(notifications: Record<string, unknown>): object {
  return {
    metadata: { merchant: 'm', subscription: 'growth', timezone: 'UTC', currency: 'USD' },
    spec: {
      type: 'levels',
      levels: {
        tiers: [
          { id: 'a', name: 'Alpha', benefits: [{ type: 'free_shipping' }] },
          { id: 'b', name: 'Be', benefits: [{ type: 'discount', percentOff: 5 }] },
        ],
      },
      paid: { plans: [{ id: 'plus', name: 'Plus Yearly', benefits: [] }] },
      notifications,
    },
  };
}
const member = { name: 'Ann', id: 'member-000042' };

describe('tooLongMessages', () => {
  it('judges each tier with its own name and benefits, and names the worst rendering', () => {
    // "Be: 5% off, Ann" (15) and "Alpha: free shipping, Ann" (25).
    expect(tooLongMessages(doc({ upgrade: '{tier.name}: {tier.benefits}, {member.name}', maxLength: 25 }), member)).toEqual([]);
    expect(tooLongMessages(doc({ upgrade: '{tier.name}: {tier.benefits}, {member.name}', maxLength: 24 }), member)).toEqual([
      { code: 'notifications.too-long', message: 'notifications.upgrade can render 25 characters, over maxLength 24: "Alpha: free shipping, Ann"' },
    ]);
  });

  it('uses plans for paid events, basic for downgrades, the fixed instant form and the member id', () => {
    const found = tooLongMessages(
      doc({ renewal: '{plan.name} {tier.name}', downgrade: 'now {tier.name}', expiry: '{expiresAt}', extension: '{member.id}', sendAt: '09:00', maxLength: 8 }),
      member,
    );
    expect(found.map((e) => e.message)).toEqual([
      'notifications.renewal can render 23 characters, over maxLength 8: "Plus Yearly Plus Yearly"',
      'notifications.downgrade can render 9 characters, over maxLength 8: "now Alpha"',
      'notifications.expiry can render 25 characters, over maxLength 8: "2026-12-31T23:59:59+08:00"',
      'notifications.extension can render 13 characters, over maxLength 8: "member-000042"',
    ]);
  });

  it('counts characters, not UTF-16 units, and does nothing without maxLength', () => {
    expect(tooLongMessages(doc({ upgrade: '🎉{member.name}', maxLength: 4 }), member)).toEqual([]);
    expect(tooLongMessages(doc({ upgrade: 'x'.repeat(500) }), member)).toEqual([]);
  });
});
