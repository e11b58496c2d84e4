/** The reference model of paid membership: worked examples and properties (no database). */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  activeMembership,
  addToInstant,
  compilePaidRules,
  compilePlan,
  entitlementsOn,
  paidEntitlements,
  paidGrantsDue,
  paidPeriods,
  resolvePlans,
  type PaidPlanRule,
  type PaidPlanSection,
  type Purchase,
} from '../../src/rules/index.js';
import { paidProgram, PLUS, purchase } from './helpers.js';
import { propertyRuns, scenarioArb } from './arbitraries.js';

const iso = (d: Date): string => d.toISOString();
const plans = (...specs: Record<string, unknown>[]): Map<string, PaidPlanRule> =>
  new Map(specs.map((s) => [s.id as string, compilePlan({ name: String(s.id), validity: { months: 12 }, ...s } as unknown as PaidPlanSection)]));

describe('calendar arithmetic on instants', () => {
  it('keeps the wall-clock time and clamps at month end', () => {
    expect(iso(addToInstant(new Date('2026-01-31T10:00:00+08:00'), { months: 1 }, 'Asia/Shanghai'))).toBe('2026-02-28T02:00:00.000Z');
    expect(iso(addToInstant(new Date('2028-01-31T10:00:00+08:00'), { months: 1 }, 'Asia/Shanghai'))).toBe('2028-02-29T02:00:00.000Z');
    expect(iso(addToInstant(new Date('2026-01-31T10:00:00+08:00'), { months: 2 }, 'Asia/Shanghai'))).toBe('2026-03-31T02:00:00.000Z');
  });

  it('counts months in the merchant zone: a UTC month end is not the local one', () => {
    // 2026-01-30T20:00Z is Jan 31, 04:00 in Shanghai: one month later is Feb 28, 04:00 local (clamped);
    // in UTC it is Jan 30, 20:00, and one month later Feb 28, 20:00.
    expect(iso(addToInstant(new Date('2026-01-30T20:00:00Z'), { months: 1 }, 'Asia/Shanghai'))).toBe('2026-02-27T20:00:00.000Z');
    expect(iso(addToInstant(new Date('2026-01-30T20:00:00Z'), { months: 1 }, 'UTC'))).toBe('2026-02-28T20:00:00.000Z');
  });

  it('across daylight saving keeps the local time (New York, 09:00 before and after)', () => {
    expect(iso(addToInstant(new Date('2026-02-15T09:00:00-05:00'), { months: 1 }, 'America/New_York'))).toBe('2026-03-15T13:00:00.000Z');
    expect(iso(addToInstant(new Date('2026-03-01T09:00:00-05:00'), { days: 14 }, 'America/New_York'))).toBe('2026-03-15T13:00:00.000Z');
  });

  it('reads a skipped wall time with the offset before the change, a repeated one with the offset after (as PostgreSQL)', () => {
    // 2026-03-08 02:30 does not exist in New York; 2026-11-01 01:30 happens twice.
    expect(iso(addToInstant(new Date('2026-02-08T02:30:00-05:00'), { months: 1 }, 'America/New_York'))).toBe('2026-03-08T07:30:00.000Z');
    expect(iso(addToInstant(new Date('2026-10-01T01:30:00-04:00'), { months: 1 }, 'America/New_York'))).toBe('2026-11-01T06:30:00.000Z');
  });
});

describe('periods', () => {
  const tz = { timezone: 'UTC' };
  it('a renewal before expiry starts at the old expiry; after expiry a purchase starts anew', () => {
    const { periods, memberships } = paidPeriods([
      purchase('p1', 'ann', 'plus', '2026-01-31T10:00:00Z', tz),
      purchase('p2', 'ann', 'plus', '2026-12-01T00:00:00Z', tz),
      purchase('p3', 'ann', 'plus', '2028-06-01T00:00:00Z', tz),
    ]);
    expect(periods.map((p) => [p.purchaseId, p.kind, p.membershipId, iso(p.startsAt), iso(p.endsAt)])).toEqual([
      ['p1', 'start', 'p1', '2026-01-31T10:00:00.000Z', '2027-01-31T10:00:00.000Z'],
      ['p2', 'renewal', 'p1', '2027-01-31T10:00:00.000Z', '2028-01-31T10:00:00.000Z'],
      ['p3', 'start', 'p3', '2028-06-01T00:00:00.000Z', '2029-06-01T00:00:00.000Z'],
    ]);
    expect(memberships.map((m) => [m.id, iso(m.since), iso(m.expiresAt), m.continued])).toEqual([
      ['p1', '2026-01-31T10:00:00.000Z', '2028-01-31T10:00:00.000Z', false],
      ['p3', '2028-06-01T00:00:00.000Z', '2029-06-01T00:00:00.000Z', false],
    ]);
  });

  it('another plan replaces the running membership from its paidAt; periods not begun become empty', () => {
    const { periods, memberships } = paidPeriods([
      purchase('p1', 'ann', 'plus', '2026-01-01T00:00:00Z', tz),
      purchase('p2', 'ann', 'plus', '2026-06-01T00:00:00Z', tz),
      purchase('p3', 'ann', 'pro', '2026-07-01T00:00:00Z', tz),
    ]);
    expect(periods.map((p) => [p.purchaseId, iso(p.startsAt), iso(p.endsAt)])).toEqual([
      ['p1', '2026-01-01T00:00:00.000Z', '2026-07-01T00:00:00.000Z'],
      ['p2', '2026-07-01T00:00:00.000Z', '2026-07-01T00:00:00.000Z'],
      ['p3', '2026-07-01T00:00:00.000Z', '2027-07-01T00:00:00.000Z'],
    ]);
    expect(memberships.map((m) => [m.id, m.continued])).toEqual([['p1', true], ['p3', false]]);
  });

  it('refunds revoke by recomputing without the purchase', () => {
    const history = [
      purchase('p1', 'ann', 'plus', '2026-01-01T00:00:00Z', tz),
      purchase('p2', 'ann', 'plus', '2026-06-01T00:00:00Z', tz),
      purchase('p3', 'ann', 'pro', '2026-07-01T00:00:00Z', tz),
    ];
    const refund = (id: string): Purchase[] => history.map((p) => (p.id === id ? { ...p, status: 'refunded' } : p));
    // The replacement refunded: the Plus membership gets its renewal back.
    expect(paidPeriods(refund('p3')).memberships.map((m) => [m.id, iso(m.expiresAt)])).toEqual([['p1', '2028-01-01T00:00:00.000Z']]);
    // The first purchase refunded: the renewal bought on Jun 1 starts its own membership then.
    expect(paidPeriods(refund('p1')).periods.map((p) => [p.purchaseId, p.kind, iso(p.startsAt), iso(p.endsAt)])).toEqual([
      ['p2', 'start', '2026-06-01T00:00:00.000Z', '2026-07-01T00:00:00.000Z'],
      ['p3', 'start', '2026-07-01T00:00:00.000Z', '2027-07-01T00:00:00.000Z'],
    ]);
  });
});

describe('grants', () => {
  const plus = plans(PLUS as unknown as Record<string, unknown>);
  it('join points once per purchase, monthly grants from the start, nothing for a refunded purchase', () => {
    const p1 = purchase('p1', 'ann', 'plus', '2026-01-31T10:00:00Z');
    const at = new Date('2026-03-31T10:00:00Z');
    const due = paidGrantsDue({ memberId: 'ann', birthday: null }, [p1], plus, at, 'UTC', new Set());
    expect(due.map((g) => [g.key, iso(g.dueAt), g.points ?? null])).toEqual([
      ['join_points:p1', '2026-01-31T10:00:00.000Z', 500],
      ['free_shipping@m0:p1', '2026-01-31T10:00:00.000Z', null],
      ['free_shipping@m1:p1', '2026-02-28T10:00:00.000Z', null],
      ['free_shipping@m2:p1', '2026-03-31T10:00:00.000Z', null],
    ]);
    expect(paidGrantsDue({ memberId: 'ann', birthday: null }, [p1], plus, at, 'UTC', new Set(due.map((g) => g.key)))).toEqual([]);
    expect(paidGrantsDue({ memberId: 'ann', birthday: null }, [{ ...p1, status: 'refunded' }], plus, at, 'UTC', new Set())).toEqual([]);
  });

  it('birthday discount once a year in the birth month while a member of a plan carrying it; the key is shared with levels', () => {
    const withBirthday = plans({ id: 'plus', benefits: [{ type: 'birthday_discount', percentOff: 10 }] });
    const p1 = purchase('p1', 'ann', 'plus', '2026-01-10T00:00:00Z');
    const ann = { memberId: 'ann', birthday: '1990-03-15' };
    const march = paidGrantsDue(ann, [p1], withBirthday, new Date('2026-03-02T03:00:00Z'), 'UTC', new Set());
    expect(march.map((g) => [g.key, iso(g.dueAt)])).toEqual([['birthday_discount:2026', '2026-03-01T00:00:00.000Z']]);
    expect(paidGrantsDue(ann, [p1], withBirthday, new Date('2026-03-02T03:00:00Z'), 'UTC', new Set(['birthday_discount:2026']))).toEqual([]);
    expect(paidGrantsDue(ann, [p1], withBirthday, new Date('2026-04-02T03:00:00Z'), 'UTC', new Set())).toEqual([]);
    // Not a member any more in March 2027.
    expect(paidGrantsDue(ann, [p1], withBirthday, new Date('2027-03-02T03:00:00Z'), 'UTC', new Set())).toEqual([]);
  });

  it('on_start grants at the period start, renewals included', () => {
    const voucher = plans({ id: 'plus', benefits: [{ type: 'cash_voucher', amountOff: 5, grant: 'on_start' }] });
    const history = [purchase('p1', 'ann', 'plus', '2026-01-01T00:00:00Z'), purchase('p2', 'ann', 'plus', '2026-05-01T00:00:00Z')];
    const due = paidGrantsDue({ memberId: 'ann', birthday: null }, history, voucher, new Date('2027-01-02T00:00:00Z'), 'UTC', new Set());
    expect(due.map((g) => [g.key, iso(g.dueAt)])).toEqual([
      ['cash_voucher:p1', '2026-01-01T00:00:00.000Z'],
      ['cash_voucher:p2', '2027-01-01T00:00:00.000Z'],
    ]);
  });
});

describe('entitlements and plan resolution', () => {
  it('continuous benefits of the running plan, per channel', () => {
    const p = plans({ id: 'plus', benefits: [{ type: 'discount', percentOff: 10, channels: ['app'] }, { type: 'free_shipping' }, { type: 'free_samples', grant: 'on_start' }] });
    const { memberships } = paidPeriods([purchase('p1', 'ann', 'plus', '2026-01-01T00:00:00Z')]);
    const list = paidEntitlements(memberships, p, new Date('2026-02-01T00:00:00Z'));
    expect(list.map((e) => [e.type, e.channels])).toEqual([['discount', ['app']], ['free_shipping', ['online_store', 'app', 'pos', 'kiosk']]]);
    expect(entitlementsOn(list, 'pos').map((e) => e.type)).toEqual(['free_shipping']);
    expect(paidEntitlements(memberships, p, new Date('2027-01-01T00:00:00Z'))).toEqual([]);
  });

  it('a plan the version dropped keeps its newest live definition', () => {
    const v1 = paidProgram({ plans: [PLUS] });
    const v2 = paidProgram({ type: 'levels', plans: [] });
    const resolved = resolvePlans(
      [
        { version: 1, live: true, document: v1 as never },
        { version: 2, live: true, document: v2 as never },
      ],
      2,
    );
    expect([...resolved.keys()]).toEqual(['plus']);
    expect(compilePaidRules(v2 as never).type).toBe('levels');
  });
});

describe('properties of the reference model', () => {
  const runs = { numRuns: propertyRuns(200) };
  const allPurchases = (sc: ReturnType<typeof scenarioArb> extends fc.Arbitrary<infer S> ? S : never): Purchase[] => {
    const byId = new Map<string, Purchase>();
    for (const s of sc.steps) if (s.kind === 'import') for (const p of s.purchases) byId.set(p.id, byId.has(p.id) ? { ...byId.get(p.id)!, status: p.status } : p);
    return [...byId.values()];
  };

  it('memberships never overlap, and at most one runs at any instant', () => {
    fc.assert(
      fc.property(scenarioArb(), (sc) => {
        for (const m of sc.members) {
          const { memberships, periods } = paidPeriods(allPurchases(sc).filter((p) => p.memberId === m.id));
          for (let i = 1; i < memberships.length; i++) expect(memberships[i]!.since >= memberships[i - 1]!.expiresAt).toBe(true);
          for (const p of periods) expect(p.startsAt <= p.endsAt).toBe(true);
          for (const ms of memberships) {
            const own = periods.filter((p) => p.membershipId === ms.id);
            expect(own[0]!.startsAt).toEqual(ms.since);
            for (let i = 1; i < own.length; i++) expect(own[i]!.startsAt).toEqual(own[i - 1]!.endsAt);
            expect(own.at(-1)!.endsAt).toEqual(ms.expiresAt);
            if (ms.since < ms.expiresAt) expect(activeMembership(memberships, ms.since)?.id).toBe(ms.id);
          }
        }
      }),
      runs,
    );
  });

  it('grants are idempotent: a second evaluation at the same instant grants nothing', () => {
    fc.assert(
      fc.property(scenarioArb(), (sc) => {
        const planMap = new Map(sc.plans.map((p) => [p.id, compilePlan(p as unknown as PaidPlanSection)]));
        const at = sc.steps.at(-1)!.at;
        for (const m of sc.members) {
          const first = paidGrantsDue({ memberId: m.id, birthday: m.birthday }, allPurchases(sc), planMap, at, sc.timezone, new Set());
          const again = paidGrantsDue({ memberId: m.id, birthday: m.birthday }, allPurchases(sc), planMap, at, sc.timezone, new Set(first.map((g) => g.key)));
          expect(again).toEqual([]);
          for (const g of first) expect(g.dueAt <= at).toBe(true);
        }
      }),
      runs,
    );
  });

  it('refunding every purchase leaves no period', () => {
    fc.assert(
      fc.property(scenarioArb(), (sc) => {
        expect(paidPeriods(allPurchases(sc).map((p) => ({ ...p, status: 'refunded' as const }))).periods).toEqual([]);
      }),
      runs,
    );
  });
});
