/**
 * The welcome reference model (SPEC §3.9): what a version welcomes with, where each feature's
 * era starts, and what an evaluation does for one member.
 */
import { describe, expect, it } from 'vitest';
import { welcomeAt, welcomeEra, welcomeOf, type VersionLike } from '../../src/rules/welcome.js';

const at = (iso: string): Date => new Date(iso);

function doc(o: { welcome?: object[]; join?: string; type?: string; enabled?: boolean; paidWelcome?: object[] }): unknown {
  return {
    metadata: { timezone: 'UTC', currency: 'USD' },
    spec: {
      type: o.type ?? 'levels',
      enabled: o.enabled ?? true,
      levels: { tiers: [], ...(o.welcome ? { welcome: o.welcome } : {}) },
      paid: { plans: [], ...(o.paidWelcome ? { welcome: o.paidWelcome } : {}) },
      ...(o.join ? { notifications: { join: o.join } } : {}),
    },
  };
}

const VOUCHER = { type: 'cash_voucher', amountOff: 5 };
const POINTS = { type: 'join_points', points: 100 };

function version(n: number, status: string, appliedAt: string, document: unknown): VersionLike {
  return { version: n, status, appliedAt: at(appliedAt), document };
}

describe('welcomeOf', () => {
  it('takes the welcome of the section of the active type, and nothing while disabled', () => {
    expect(welcomeOf(doc({ welcome: [VOUCHER, POINTS], join: 'Hi' }))).toEqual({
      benefits: [
        { index: 0, type: 'cash_voucher', points: null },
        { index: 1, type: 'join_points', points: 100 },
      ],
      joinTemplate: 'Hi',
    });
    expect(welcomeOf(doc({ welcome: [VOUCHER], paidWelcome: [POINTS], type: 'paid' })).benefits).toEqual([{ index: 0, type: 'join_points', points: 100 }]);
    expect(welcomeOf(doc({ welcome: [VOUCHER], join: 'Hi', enabled: false }))).toEqual({ benefits: [], joinTemplate: null });
  });
});

describe('welcomeEra', () => {
  it('starts each feature at the apply of the earliest version of its unbroken run', () => {
    const versions = [
      version(1, 'retired', '2026-01-01T00:00:00Z', doc({ join: 'Hi' })),
      version(2, 'retired', '2026-02-01T00:00:00Z', doc({ join: 'Hello', welcome: [VOUCHER] })),
      version(3, 'superseded', '2026-02-15T00:00:00Z', doc({})),
      version(4, 'active', '2026-03-01T00:00:00Z', doc({ join: 'Hello', welcome: [VOUCHER, POINTS] })),
    ];
    expect(welcomeEra(versions[3]!, versions)).toEqual({ benefitsFrom: at('2026-02-01T00:00:00Z'), joinFrom: at('2026-01-01T00:00:00Z') });
  });

  it('restarts after a version without the feature or a disabled program', () => {
    const versions = [
      version(1, 'retired', '2026-01-01T00:00:00Z', doc({ join: 'Hi', welcome: [VOUCHER] })),
      version(2, 'retired', '2026-02-01T00:00:00Z', doc({ join: 'Hi', welcome: [VOUCHER], enabled: false })),
      version(3, 'retired', '2026-03-01T00:00:00Z', doc({ join: 'Hi' })),
      version(4, 'active', '2026-04-01T00:00:00Z', doc({ join: 'Hi', welcome: [VOUCHER] })),
    ];
    expect(welcomeEra(versions[3]!, versions)).toEqual({ benefitsFrom: at('2026-04-01T00:00:00Z'), joinFrom: at('2026-03-01T00:00:00Z') });
    expect(welcomeEra(versions[2]!, versions)).toEqual({ benefitsFrom: null, joinFrom: at('2026-03-01T00:00:00Z') });
  });
});

describe('welcomeAt', () => {
  const config = welcomeOf(doc({ join: 'Hi', welcome: [VOUCHER, POINTS] }));
  const era = { benefitsFrom: at('2026-02-01T00:00:00Z'), joinFrom: at('2026-01-01T00:00:00Z') };
  const t = at('2026-03-01T00:00:00Z');

  it('welcomes a member who joined in both eras with every benefit, due at joinedAt, and the message', () => {
    expect(welcomeAt({ joinedAt: at('2026-02-10T00:00:00Z'), welcomedAt: null }, config, era, t)).toEqual({
      welcomed: true,
      grants: [
        { key: 'welcome:0', type: 'cash_voucher', points: null, dueAt: at('2026-02-10T00:00:00Z') },
        { key: 'welcome:1', type: 'join_points', points: 100, dueAt: at('2026-02-10T00:00:00Z') },
      ],
      join: true,
    });
  });

  it('gives a member who joined before the benefits only the message, and earlier members nothing', () => {
    expect(welcomeAt({ joinedAt: at('2026-01-10T00:00:00Z'), welcomedAt: null }, config, era, t)).toEqual({ welcomed: true, grants: [], join: true });
    expect(welcomeAt({ joinedAt: at('2025-12-31T23:59:59Z'), welcomedAt: null }, config, era, t).welcomed).toBe(false);
  });

  it('does nothing for a member welcomed already or joining after the evaluation', () => {
    expect(welcomeAt({ joinedAt: at('2026-02-10T00:00:00Z'), welcomedAt: at('2026-02-11T00:00:00Z') }, config, era, t).welcomed).toBe(false);
    expect(welcomeAt({ joinedAt: at('2026-03-01T00:00:01Z'), welcomedAt: null }, config, era, t).welcomed).toBe(false);
    expect(welcomeAt({ joinedAt: t, welcomedAt: null }, config, era, t).welcomed).toBe(true);
  });
});
