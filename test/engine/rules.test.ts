/**
 * Every rule of SPEC §3.1–§3.3, §3.5–§3.7 as a named test on the database: each test puts a
 * merchant, a version, members and orders into the database, runs the set-based engine
 * (evaluateInline, recalculateInline, recalculationImpact) and asserts the standing computed by
 * hand from the SPEC, read back with readStanding — and that the reference model (src/rules)
 * reaches exactly the same standing, so the test fails if either is wrong. Names mirror
 * test/semantics, which holds the same rules for the model alone.
 */
import { describe, expect, it } from 'vitest';
import { withTestDb } from '../helpers/db.js';
import type { LevelsSection, Order } from '../../src/rules/index.js';
import { at, member, order } from '../semantics/helpers.js';
import { iso, nextImportSeq, reimport, Scenario } from './scenario.js';

const ctx = withTestDb();
Scenario.use(ctx);

const twoTiers = [
  { id: 'bronze', threshold: { amount: 500 } },
  { id: 'silver', threshold: { amount: 1000 } },
];
const gold10 = [{ id: 'gold', threshold: { amount: 10 } }];
const threeMonths = { rolling: { months: 3 } };
const validity12 = { mode: 'validity', validity: { months: 12 } };

describe('§3.1 orders and time', () => {
  it('§3.1 activeFrom cut-off: orders paid before localMidnight(activeFrom) never count', async () => {
    // 2024-01-01 starts at 2023-12-31T16:00Z in Asia/Shanghai.
    const s = await Scenario.start(
      { activeFrom: '2024-01-01', tiers: gold10 },
      ['before', 'after'],
      [order('before', '2023-12-31T15:59:59Z', 10), order('after', '2023-12-31T16:00:00Z', 10)],
      { timezone: 'Asia/Shanghai' },
    );
    await s.evaluate(at('2024-02-01T00:00:00Z'));
    expect(await s.tier('before')).toBeNull();
    expect(await s.standing('after')).toMatchObject({ tier: 'gold', tierSince: iso('2024-02-01T00:00:00Z') });
  });

  it('§3.1 exclude tags: an order with any excluded tag never counts', async () => {
    const s = await Scenario.start(
      { upgrade: { exclude: ['gift_card'] }, tiers: gold10 },
      ['tagged', 'plain'],
      [order('tagged', '2024-01-05T00:00:00Z', 10, { tags: ['vip', 'gift_card'] }), order('plain', '2024-01-05T00:00:00Z', 10, { tags: ['vip'] })],
    );
    await s.evaluate(at('2024-02-01'));
    expect(await s.tier('tagged')).toBeNull();
    expect(await s.tier('plain')).toBe('gold');
  });

  it('§3.1 cancelled and refunded orders are not eligible; refunded status nets 0; partial refunds net the rest', async () => {
    const s = await Scenario.start(
      { tiers: [{ id: 'bronze', threshold: { amount: 5 } }, { id: 'silver', threshold: { amount: 10 } }] },
      ['cancelled', 'refunded', 'partial', 'paid'],
      [
        order('cancelled', '2024-01-05T00:00:00Z', 10, { status: 'cancelled' }),
        order('refunded', '2024-01-05T00:00:00Z', 10, { status: 'refunded' }),
        order('partial', '2024-01-05T00:00:00Z', 10, { refunded: 3.5 }), // net 6.50
        order('paid', '2024-01-05T00:00:00Z', 10),
      ],
    );
    await s.evaluate(at('2024-02-01'));
    expect(await s.tier('cancelled')).toBeNull();
    expect(await s.tier('refunded')).toBeNull();
    expect(await s.tier('partial')).toBe('bronze');
    expect(await s.tier('paid')).toBe('silver');
  });

  it('§3.1 an order with net 0 counts for nothing, not even for orders', async () => {
    const s = await Scenario.start(
      { tiers: [{ id: 'regular', threshold: { orders: 2 } }] },
      ['netzero', 'two'],
      [
        order('netzero', '2024-02-01T00:00:00Z', 10, { refunded: 10 }),
        order('netzero', '2024-02-02T00:00:00Z', 5),
        order('two', '2024-02-01T00:00:00Z', 1),
        order('two', '2024-02-02T00:00:00Z', 5),
      ],
    );
    await s.evaluate(at('2025-01-01'));
    expect(await s.tier('netzero')).toBeNull();
    expect(await s.tier('two')).toBe('regular');
  });
});

describe('§3.2 windows', () => {
  it('§3.2 lifetime: no lower bound without activeFrom, localMidnight(activeFrom) with it', async () => {
    const orders = (): Order[] => [order('old', '2010-06-01T00:00:00Z', 10), order('new', '2024-01-01T05:00:00Z', 10)];
    const open = await Scenario.start({ tiers: gold10 }, ['old', 'new'], orders());
    await open.evaluate(at('2024-03-31T10:00:00Z'));
    expect(await open.tier('old')).toBe('gold');
    expect(await open.tier('new')).toBe('gold');
    // 2024-01-01 starts at 05:00Z in New York: an order at 04:59:59Z is before the window.
    const bounded = await Scenario.start(
      { activeFrom: '2024-01-01', tiers: gold10 },
      ['old', 'new', 'edge'],
      [...orders(), order('edge', '2024-01-01T04:59:59Z', 10)],
      { timezone: 'America/New_York' },
    );
    await bounded.evaluate(at('2024-03-31T10:00:00Z'));
    expect(await bounded.tier('old')).toBeNull();
    expect(await bounded.tier('edge')).toBeNull();
    expect(await bounded.tier('new')).toBe('gold');
  });

  it('§3.2 rolling 1 month from 2024-03-31 starts at 2024-02-29 (month-end clamping, leap year)', async () => {
    const s = await Scenario.start(
      { upgrade: { window: { rolling: { months: 1 } } }, tiers: gold10 },
      ['in', 'out'],
      [order('in', '2024-02-29T00:00:00Z', 10), order('out', '2024-02-28T23:59:59Z', 10)],
    );
    await s.evaluate(at('2024-03-31T10:00:00Z'));
    expect(await s.tier('in')).toBe('gold');
    expect(await s.tier('out')).toBeNull();
  });

  it('§3.2 rolling days cross the leap day', async () => {
    const s = await Scenario.start(
      { upgrade: { window: { rolling: { days: 1 } } }, tiers: gold10 },
      ['in', 'out'],
      [order('in', '2024-02-29T00:00:00Z', 10), order('out', '2024-02-28T23:59:59Z', 10)],
    );
    await s.evaluate(at('2024-03-01T08:00:00Z'));
    expect(await s.tier('in')).toBe('gold');
    expect(await s.tier('out')).toBeNull();
  });

  it('§3.2 rolling windows use the local date of t in the merchant timezone (Asia/Shanghai)', async () => {
    // 2024-04-14T17:00Z is already 2024-04-15 01:00 in Shanghai: the window starts at
    // localMidnight(2024-01-15) = 2024-01-14T16:00Z (in UTC it would start at 2024-01-14T00:00Z).
    const s = await Scenario.start(
      { upgrade: { window: threeMonths }, tiers: gold10 },
      ['in', 'out'],
      [order('in', '2024-01-14T16:00:00Z', 10), order('out', '2024-01-14T15:59:59Z', 10)],
      { timezone: 'Asia/Shanghai' },
    );
    await s.evaluate(at('2024-04-14T17:00:00Z'));
    expect(await s.tier('in')).toBe('gold');
    expect(await s.tier('out')).toBeNull();
  });

  it('§3.2 rolling windows across a DST change (America/New_York): the lower bound is a local midnight in EST', async () => {
    // At 2024-03-15 12:00 EDT a 1-month window starts at 2024-02-15 00:00 EST = 05:00Z.
    const s = await Scenario.start(
      { upgrade: { window: { rolling: { months: 1 } } }, tiers: gold10 },
      ['in', 'out'],
      [order('in', '2024-02-15T05:00:00Z', 10), order('out', '2024-02-15T04:59:59Z', 10)],
      { timezone: 'America/New_York' },
    );
    await s.evaluate(at('2024-03-15T16:00:00Z'));
    expect(await s.tier('in')).toBe('gold');
    expect(await s.tier('out')).toBeNull();
  });

  it('§3.2 rolling windows never start before activeFrom', async () => {
    const s = await Scenario.start(
      { activeFrom: '2024-03-10', upgrade: { window: { rolling: { months: 1 } } }, tiers: [{ id: 'gold', threshold: { amount: 20 } }] },
      ['m'],
      [order('m', '2024-03-09T12:00:00Z', 10), order('m', '2024-03-10T00:00:00Z', 10)],
    );
    await s.evaluate(at('2024-03-31T10:00:00Z'));
    expect(await s.tier('m')).toBeNull();
    await s.importOrders([order('m', '2024-03-20T00:00:00Z', 10)]);
    await s.evaluate(at('2024-03-31T11:00:00Z'));
    expect(await s.tier('m')).toBe('gold');
  });

  it('§3.2 fixed: [localMidnight(from), min(localMidnight(to + 1 day), t))', async () => {
    // Asia/Shanghai: from 2024-01-01 = 2023-12-31T16:00Z, to + 1 day = 2024-03-01 = 2024-02-29T16:00Z.
    const s = await Scenario.start(
      { upgrade: { window: { fixed: { from: '2024-01-01', to: '2024-02-29' } } }, tiers: gold10 },
      ['first', 'early', 'last', 'late', 'later'],
      [
        order('first', '2023-12-31T16:00:00Z', 10),
        order('early', '2023-12-31T15:59:59Z', 10),
        order('last', '2024-02-29T15:59:59Z', 10),
        order('late', '2024-02-29T16:00:00Z', 10),
        order('later', '2024-02-10T00:00:00Z', 10),
      ],
      { timezone: 'Asia/Shanghai' },
    );
    await s.evaluate(at('2024-02-10T00:00:00Z')); // t bounds the window: 'later' paid exactly at t does not count yet
    expect(await s.tier('first')).toBe('gold');
    expect(await s.tier('later')).toBeNull();
    await s.evaluate(at('2024-06-01T00:00:00Z'));
    expect(await s.tier('early')).toBeNull();
    expect(await s.tier('last')).toBe('gold');
    expect(await s.tier('late')).toBeNull();
    expect(await s.tier('later')).toBe('gold');
  });

  it('§3.2 since_last_upgrade: [anchorAt, t), no lower bound while anchorAt is null', async () => {
    const s = await Scenario.start(
      { upgrade: { window: 'since_last_upgrade' }, tiers: twoTiers },
      ['m'],
      [order('m', '2010-01-01T00:00:00Z', 600)],
    );
    await s.evaluate(at('2024-01-10')); // no anchor yet: the 2010 order counts
    expect(await s.standing('m')).toMatchObject({ tier: 'bronze', anchorAt: iso('2024-01-10') });
    await s.importOrders([order('m', '2024-01-20T00:00:00Z', 500)]);
    await s.evaluate(at('2024-02-01')); // since the anchor: 500 only (lifetime would be 1100)
    expect(await s.tier('m')).toBe('bronze');
    await s.importOrders([order('m', '2024-02-05T00:00:00Z', 500)]);
    await s.evaluate(at('2024-02-10'));
    expect(await s.standing('m')).toMatchObject({ tier: 'silver', tierSince: iso('2024-02-10'), anchorAt: iso('2024-02-10') });
  });
});

describe('§3.2 qualification', () => {
  it('§3.2 accumulated sums eligible net amounts; single_order takes the largest unconsumed order', async () => {
    const orders = (): Order[] => [order('m', '2024-01-01T00:00:00Z', 400), order('m', '2024-02-01T00:00:00Z', 700)];
    const acc = await Scenario.start({ tiers: twoTiers }, ['m'], orders());
    await acc.evaluate(at('2024-06-01'));
    expect(await acc.tier('m')).toBe('silver');
    const single = await Scenario.start({ upgrade: { basis: 'single_order' }, tiers: twoTiers }, ['m'], orders());
    await single.evaluate(at('2024-06-01'));
    expect(await single.tier('m')).toBe('bronze');
    const [big] = await single.consumed('m');
    expect(big).toBeDefined();
    // The 700 is consumed; a second order of 1000 is the largest unconsumed one.
    await single.importOrders([order('m', '2024-06-02T00:00:00Z', 1000)]);
    await single.evaluate(at('2024-06-10'));
    expect(await single.tier('m')).toBe('silver');
    expect(await single.consumed('m')).toHaveLength(2);
  });

  it('§3.2 orders-count thresholds count eligible orders with net > 0', async () => {
    const s = await Scenario.start(
      { tiers: [{ id: 'regular', threshold: { orders: 3 } }] },
      ['m'],
      [order('m', '2024-01-01T00:00:00Z', 1), order('m', '2024-01-02T00:00:00Z', 1), order('m', '2024-01-03T00:00:00Z', 1, { status: 'cancelled' })],
    );
    await s.evaluate(at('2024-06-01'));
    expect(await s.tier('m')).toBeNull();
    await s.importOrders([order('m', '2024-01-04T00:00:00Z', 1)]);
    await s.evaluate(at('2024-06-02'));
    expect(await s.tier('m')).toBe('regular');
  });

  it('§3.2 amount and orders both required when both are set', async () => {
    const s = await Scenario.start(
      { tiers: [{ id: 'vip', threshold: { amount: 100, orders: 2 } }] },
      ['one', 'small', 'both'],
      [
        order('one', '2024-01-01T00:00:00Z', 500),
        order('small', '2024-01-01T00:00:00Z', 30),
        order('small', '2024-01-02T00:00:00Z', 30),
        order('both', '2024-01-01T00:00:00Z', 80),
        order('both', '2024-01-02T00:00:00Z', 30),
      ],
    );
    await s.evaluate(at('2024-06-01'));
    expect(await s.tier('one')).toBeNull();
    expect(await s.tier('small')).toBeNull();
    expect(await s.tier('both')).toBe('vip');
  });

  it('§3.2 a zero threshold qualifies for everyone, even without orders', async () => {
    const s = await Scenario.start({ tiers: [{ id: 'welcome', threshold: { amount: 0 } }, ...twoTiers] }, ['m'], []);
    await s.evaluate(at('2024-06-01'));
    expect(await s.standing('m')).toMatchObject({ tier: 'welcome', tierSince: iso('2024-06-01') });
  });

  it('§3.2 the highest-ranked enabled tier that qualifies; disabled tiers are skipped', async () => {
    const s = await Scenario.start(
      { tiers: [twoTiers[0]!, { ...twoTiers[1]!, enabled: false }] },
      ['m'],
      [order('m', '2024-01-01T00:00:00Z', 2000)],
    );
    await s.evaluate(at('2024-06-01'));
    expect(await s.tier('m')).toBe('bronze');
  });

  it("§3.2 only the member's own orders count", async () => {
    const s = await Scenario.start({ tiers: twoTiers }, ['m', 'other'], [order('other', '2024-01-01T00:00:00Z', 2000)]);
    await s.evaluate(at('2024-06-01'));
    expect(await s.tier('m')).toBeNull();
    expect(await s.tier('other')).toBe('silver');
  });
});

describe('§3.3 worked example', () => {
  const levels = { upgrade: { window: threeMonths }, downgrade: validity12, tiers: twoTiers };

  it('§3.3 worked example: A falls to bronze, B becomes basic', async () => {
    const s = await Scenario.start(levels, ['A', 'B'], [
      order('A', '2023-04-10T12:00:00Z', 1000),
      order('B', '2023-04-10T12:00:00Z', 1000),
      order('A', '2024-02-01T12:00:00Z', 400),
      order('A', '2024-03-20T12:00:00Z', 500),
      order('B', '2024-03-01T12:00:00Z', 400),
    ]);
    const up = at('2023-04-15T03:00:00Z');
    await s.evaluate(up);
    for (const id of ['A', 'B']) {
      expect(await s.standing(id)).toEqual({
        tier: 'silver',
        tierSince: up.toISOString(),
        anchorAt: up.toISOString(),
        expiresAt: iso('2024-04-15'),
        evidenceAt: up.toISOString(),
        fellAt: null,
        pinnedUntil: null,
        grants: [],
        history: [{ from: null, to: 'silver', at: up.toISOString(), reason: 'upgrade' }],
      });
    }
    const day = at('2024-04-15T03:00:00Z');
    await s.evaluate(day);
    expect(await s.standing('A')).toEqual({
      tier: 'bronze',
      tierSince: day.toISOString(),
      anchorAt: day.toISOString(),
      expiresAt: iso('2025-04-15'),
      evidenceAt: day.toISOString(),
      fellAt: day.toISOString(),
      pinnedUntil: null,
      grants: [],
      history: [
        { from: null, to: 'silver', at: up.toISOString(), reason: 'upgrade' },
        { from: 'silver', to: 'bronze', at: day.toISOString(), reason: 'expire' },
      ],
    });
    expect(await s.standing('B')).toMatchObject({ tier: null, expiresAt: null, tierSince: day.toISOString() });
    expect((await s.standing('B')).history.at(-1)).toEqual({ from: 'silver', to: null, at: day.toISOString(), reason: 'expire' });
  });

  it('§3.3 worked example in Asia/Shanghai: local dates and midnights, not UTC ones', async () => {
    const tz = 'Asia/Shanghai';
    // 2023-04-14T17:00Z is 2023-04-15 01:00 local. Silver expires at localMidnight(2024-04-15) =
    // 2024-04-14T16:00Z; at 2024-04-14T17:00Z (local 04-15) the 3-month window starts at
    // localMidnight(2024-01-15) = 2024-01-14T16:00Z. Read in UTC, silver would not have expired
    // yet, and B's order at 2024-01-14T10:00Z would be in the window (400 + 200 ≥ 500: bronze).
    const s = await Scenario.start(
      levels,
      ['A', 'B'],
      [
        order('A', '2023-04-10T12:00:00Z', 1000),
        order('B', '2023-04-10T12:00:00Z', 1000),
        order('A', '2024-01-14T16:00:00Z', 400),
        order('A', '2024-03-20T12:00:00Z', 500),
        order('B', '2024-01-14T10:00:00Z', 200),
        order('B', '2024-03-01T12:00:00Z', 400),
      ],
      { timezone: tz },
    );
    const up = at('2023-04-14T17:00:00Z');
    await s.evaluate(up);
    for (const id of ['A', 'B']) {
      expect(await s.standing(id)).toMatchObject({ tier: 'silver', tierSince: up.toISOString(), expiresAt: iso('2024-04-14T16:00:00Z') });
    }
    await s.evaluate(at('2024-04-14T15:59:59Z')); // the last second of the last valid local day
    expect(await s.tier('A')).toBe('silver');
    const day = at('2024-04-14T17:00:00Z');
    await s.evaluate(day);
    expect(await s.standing('A')).toMatchObject({
      tier: 'bronze',
      tierSince: day.toISOString(),
      anchorAt: day.toISOString(),
      expiresAt: iso('2025-04-15', tz), // 2025-04-14T16:00Z
      history: [
        { from: null, to: 'silver', at: up.toISOString(), reason: 'upgrade' },
        { from: 'silver', to: 'bronze', at: day.toISOString(), reason: 'expire' },
      ],
    });
    expect(iso('2025-04-15', tz)).toBe('2025-04-14T16:00:00.000Z');
    expect(await s.standing('B')).toMatchObject({ tier: null, expiresAt: null });
    expect((await s.standing('B')).history.at(-1)).toEqual({ from: 'silver', to: null, at: day.toISOString(), reason: 'expire' });
  });

  it('§3.3 the level holds through the last valid day (2024-04-14) and not at the start of 2024-04-15', async () => {
    const s = await Scenario.start(levels, ['B'], [order('B', '2023-04-10T12:00:00Z', 1000)]);
    await s.evaluate(at('2023-04-15T03:00:00Z'), at('2024-04-14T23:59:59Z'));
    expect(await s.tier('B')).toBe('silver');
    await s.evaluate(at('2024-04-15T00:00:00Z'));
    expect(await s.standing('B')).toMatchObject({ tier: null, expiresAt: null, tierSince: iso('2024-04-15') });
  });
});

describe('§3.3 step 1: upgrade', () => {
  it('§3.3 validity example: upgraded 2020-05-15 with 12 months expires at localMidnight(2021-05-15)', async () => {
    for (const timezone of ['UTC', 'Asia/Shanghai', 'America/New_York']) {
      const s = await Scenario.start(
        { downgrade: validity12, tiers: gold10 },
        ['m'],
        [order('m', '2020-05-01T00:00:00Z', 10)],
        { timezone },
      );
      const t = at('2020-05-15T12:00:00Z');
      await s.evaluate(t);
      expect(await s.standing('m'), timezone).toMatchObject({
        tier: 'gold',
        tierSince: t.toISOString(),
        anchorAt: t.toISOString(),
        expiresAt: iso('2021-05-15', timezone),
      });
    }
  });

  it('§3.3 validity of a month from 2024-01-31 ends at the start of 2024-02-29 (month-end clamping)', async () => {
    const s = await Scenario.start(
      { downgrade: { mode: 'validity', validity: { months: 1 } }, tiers: gold10 },
      ['m'],
      [order('m', '2024-01-01T00:00:00Z', 10)],
    );
    await s.evaluate(at('2024-01-31T08:00:00Z'));
    expect((await s.standing('m')).expiresAt).toBe(iso('2024-02-29'));
  });

  it('§3.3 a member can skip tiers: the highest qualifying tier is reached directly', async () => {
    const s = await Scenario.start(
      { tiers: [{ id: 'bronze', threshold: { amount: 5 } }, { id: 'silver', threshold: { amount: 10 } }] },
      ['m'],
      [order('m', '2024-01-01T00:00:00Z', 50)],
    );
    await s.evaluate(at('2024-02-01'));
    expect((await s.standing('m')).history).toEqual([{ from: null, to: 'silver', at: iso('2024-02-01'), reason: 'upgrade' }]);
  });

  it('§3.3 an order paid at t does not count at t (windows are half-open)', async () => {
    const t = at('2024-02-01T03:00:00Z');
    const s = await Scenario.start({ tiers: gold10 }, ['m'], [order('m', t, 10)]);
    await s.evaluate(t);
    expect(await s.tier('m')).toBeNull();
    await s.evaluate(at('2024-02-01T03:00:01Z'));
    expect(await s.tier('m')).toBe('gold');
  });

  it('§3.3 single_order consumption: an order triggers at most one upgrade', async () => {
    const s = await Scenario.start(
      { upgrade: { basis: 'single_order' }, downgrade: validity12, tiers: twoTiers },
      ['m'],
      [order('m', '2023-01-05T00:00:00Z', 600, { id: 'x' }), order('m', '2023-01-06T00:00:00Z', 1200, { id: 'y' })],
    );
    await s.evaluate(at('2023-01-10'));
    expect(await s.tier('m')).toBe('silver');
    expect(await s.consumed('m')).toEqual(['y']);
    // After expiry, y cannot trigger again; x (never consumed) still reaches bronze.
    await s.evaluate(at('2024-01-10'));
    expect(await s.standing('m')).toMatchObject({ tier: 'bronze', tierSince: iso('2024-01-10'), expiresAt: iso('2025-01-10') });
    expect(await s.consumed('m')).toEqual(['y']);
    // v1.1: at bronze's expiry no order of its validity period meets bronze: no renewal on x,
    // the evidence that earned it; the member falls to basic.
    await s.evaluate(at('2025-01-10'));
    expect(await s.tier('m')).toBeNull();
    expect(await s.consumed('m')).toEqual(['y']);
    // x never triggered an upgrade (a fall consumes nothing), but it was paid before the falls:
    // it never moves the member up again (decision 3). An order after the fall does, once.
    await s.evaluate(at('2025-01-11'), at('2026-01-11'));
    expect(await s.tier('m')).toBeNull();
    await s.importOrders([order('m', '2026-02-01T00:00:00Z', 600, { id: 'z' })]);
    await s.evaluate(at('2026-02-02'), at('2027-02-02'), at('2027-02-03'));
    expect(await s.consumed('m')).toEqual(['y', 'z']);
    expect((await s.standing('m')).history.map((h) => [h.from, h.to, h.reason])).toEqual([
      [null, 'silver', 'upgrade'],
      ['silver', 'bronze', 'expire'],
      ['bronze', null, 'expire'],
      [null, 'bronze', 'upgrade'],
      ['bronze', null, 'expire'],
    ]);
  });

  it('§3.3 a tier without an amount threshold consumes no order', async () => {
    const s = await Scenario.start(
      { upgrade: { basis: 'single_order' }, tiers: [{ id: 'regular', threshold: { orders: 1 } }] },
      ['m'],
      [order('m', '2024-01-01T00:00:00Z', 10)],
    );
    await s.evaluate(at('2024-01-02'));
    expect(await s.tier('m')).toBe('regular');
    expect(await s.consumed('m')).toEqual([]);
  });

  it('§3.3 a disabled program (spec.enabled false) or type paid evaluates nothing', async () => {
    for (const options of [{ enabled: false }, { type: 'paid' }]) {
      const s = await Scenario.start({ tiers: [{ id: 'gold', threshold: { amount: 1 } }] }, ['m'], [order('m', '2024-01-01T00:00:00Z', 10)], options);
      await s.evaluate(at('2024-02-01'));
      expect(await s.standing('m'), JSON.stringify(options)).toMatchObject({ tier: null, history: [] });
    }
  });
});

describe('§3.3 step 2: recompute demotion', () => {
  const levels = { upgrade: { window: threeMonths }, downgrade: { mode: 'recompute' }, tiers: twoTiers };

  it('§3.3 a member whose window no longer qualifies is demoted to what it qualifies for (reason requalify)', async () => {
    const s = await Scenario.start(levels, ['m'], [order('m', '2024-01-10T00:00:00Z', 600), order('m', '2024-02-10T00:00:00Z', 500)]);
    await s.evaluate(at('2024-03-01'));
    expect(await s.tier('m')).toBe('silver');
    await s.evaluate(at('2024-04-20'));
    const st = await s.standing('m');
    expect(st).toMatchObject({ tier: 'bronze', tierSince: iso('2024-04-20'), anchorAt: iso('2024-04-20'), expiresAt: null });
    expect(st.history.at(-1)).toEqual({ from: 'silver', to: 'bronze', at: iso('2024-04-20'), reason: 'requalify' });
    await s.evaluate(at('2024-05-20'));
    expect(await s.tier('m')).toBeNull();
  });

  it('§3.3 with single_order, the order that triggered the upgrade keeps the member at the tier while in the window', async () => {
    const s = await Scenario.start(
      { upgrade: { window: threeMonths, basis: 'single_order' }, downgrade: { mode: 'recompute' }, tiers: [{ id: 'silver', threshold: { amount: 1000 } }] },
      ['m'],
      [order('m', '2024-01-10T00:00:00Z', 1000)],
    );
    await s.evaluate(at('2024-01-11'), at('2024-01-12'));
    expect(await s.standing('m')).toMatchObject({ tier: 'silver', tierSince: iso('2024-01-11') });
    await s.evaluate(at('2024-04-11'));
    expect(await s.tier('m')).toBeNull();
  });
});

describe('§3.3 step 3: expiry, retention and the sequential fall', () => {
  const retaining = [
    { id: 'bronze', threshold: { amount: 500 }, retain: { amount: 400 } },
    { id: 'silver', threshold: { amount: 1000 }, retain: { amount: 800 } },
    { id: 'gold', threshold: { amount: 3000 }, retain: { amount: 2000 } },
  ];
  const levels = {
    upgrade: { basis: 'single_order', window: { rolling: { months: 12 } } },
    downgrade: { ...validity12, retention: { extend: { months: 12 } } },
    tiers: retaining,
  };
  const noRetention = { upgrade: { window: threeMonths }, downgrade: validity12, tiers: retaining.map(({ retain: _retain, ...rest }) => rest) };

  it('§3.3 retention extension: spend in [anchorAt, expiresAt) meets retain → expiresAt += extend, anchorAt = old expiresAt', async () => {
    const up = at('2023-01-10T03:00:00Z');
    const s = await Scenario.start(levels, ['m'], [order('m', '2023-01-05T00:00:00Z', 1000, { id: 'x' }), order('m', '2023-06-01T00:00:00Z', 900)]);
    await s.evaluate(up);
    const t = at('2024-01-10T03:00:00Z');
    await s.evaluate(t);
    expect(await s.standing('m')).toEqual({
      tier: 'silver',
      tierSince: up.toISOString(),
      anchorAt: iso('2024-01-10'),
      expiresAt: iso('2025-01-10'),
      evidenceAt: iso('2024-01-10'),
      fellAt: null,
      pinnedUntil: null,
      grants: [],
      history: [
        { from: null, to: 'silver', at: up.toISOString(), reason: 'upgrade' },
        { from: 'silver', to: 'silver', at: t.toISOString(), reason: 'extend' },
      ],
    });
    // The next period has no spend and nothing in the rolling window: basic.
    await s.evaluate(at('2025-01-10T03:00:00Z'));
    expect(await s.tier('m')).toBeNull();
  });

  it('§3.3 the order that triggered the upgrade does not count for retention', async () => {
    const s = await Scenario.start(levels, ['m'], [order('m', '2023-01-05T00:00:00Z', 1000, { id: 'x' }), order('m', '2023-02-01T00:00:00Z', 100)]);
    await s.evaluate(at('2023-01-10'), at('2024-01-10'));
    expect(await s.standing('m')).toMatchObject({ tier: null, expiresAt: null });
  });

  it('§3.3 an evaluation that comes late extends as many times as the retention is met', async () => {
    const s = await Scenario.start(levels, ['m'], [
      order('m', '2023-01-05T00:00:00Z', 1000),
      order('m', '2023-06-01T00:00:00Z', 900),
      order('m', '2024-06-01T00:00:00Z', 850),
    ]);
    await s.evaluate(at('2023-01-10'), at('2025-02-01'));
    const st = await s.standing('m');
    expect(st).toMatchObject({ tier: 'silver', anchorAt: iso('2025-01-10'), expiresAt: iso('2026-01-10') });
    expect(st.history.filter((h) => h.reason === 'extend')).toHaveLength(2);
  });

  it('§3.3 sequential fall: the next lower tiers are checked with their upgrade conditions at t; the first that qualifies wins', async () => {
    // Gold members whose gold expires with 1200 / 600 / 100 in the 3-month window.
    const s = await Scenario.start(noRetention, ['g1200', 'g600', 'g100'], [
      order('g1200', '2023-01-05T00:00:00Z', 3000),
      order('g600', '2023-01-05T00:00:00Z', 3000),
      order('g100', '2023-01-05T00:00:00Z', 3000),
      order('g1200', '2023-12-01T00:00:00Z', 1200),
      order('g600', '2023-12-01T00:00:00Z', 600),
      order('g100', '2023-12-01T00:00:00Z', 100),
    ]);
    await s.evaluate(at('2023-01-10'));
    expect(await s.tier('g1200')).toBe('gold');
    const t = at('2024-01-10');
    await s.evaluate(t);
    expect(await s.standing('g1200')).toMatchObject({ tier: 'silver', tierSince: t.toISOString(), anchorAt: t.toISOString(), expiresAt: iso('2025-01-10') });
    expect((await s.standing('g1200')).history.at(-1)).toEqual({ from: 'gold', to: 'silver', at: t.toISOString(), reason: 'expire' });
    expect(await s.standing('g600')).toMatchObject({ tier: 'bronze', expiresAt: iso('2025-01-10') });
    expect(await s.standing('g100')).toMatchObject({ tier: null, tierSince: t.toISOString(), expiresAt: null });
    expect((await s.standing('g100')).history.at(-1)).toEqual({ from: 'gold', to: null, at: t.toISOString(), reason: 'expire' });
  });

  it('§3.3 v1.1 without retention the extension standard is the tier threshold, measured on the validity period', async () => {
    const s = await Scenario.start(noRetention, ['m'], [order('m', '2023-01-05T00:00:00Z', 1000), order('m', '2023-12-01T00:00:00Z', 1200)]);
    await s.evaluate(at('2023-01-10'), at('2024-01-10'));
    const st = await s.standing('m');
    // 1,200 in [2023-01-10, 2024-01-10) meets silver's 1,000: extended by the validity (12 months).
    expect(st).toMatchObject({ tier: 'silver', tierSince: iso('2023-01-10'), anchorAt: iso('2024-01-10'), evidenceAt: iso('2024-01-10'), expiresAt: iso('2025-01-10') });
    expect(st.history.at(-1)).toEqual({ from: 'silver', to: 'silver', at: iso('2024-01-10'), reason: 'extend' });
  });

  it('§3.3 a disabled lower tier is skipped by the fall', async () => {
    const s = await Scenario.start(
      {
        upgrade: { window: threeMonths },
        downgrade: validity12,
        tiers: [{ id: 'bronze', threshold: { amount: 500 } }, { id: 'silver', threshold: { amount: 1000 }, enabled: false }, { id: 'gold', threshold: { amount: 3000 } }],
      },
      ['m'],
      [order('m', '2023-01-05T00:00:00Z', 3000), order('m', '2023-12-01T00:00:00Z', 1200)],
    );
    await s.evaluate(at('2023-01-10'), at('2024-01-10'));
    expect(await s.tier('m')).toBe('bronze');
  });
});

describe('§3.3 step 3: no bounce after a fall (decision 3)', () => {
  // Lifetime window, bronze 500, silver 1000, validity 12 months, no retention (the extension
  // standard is silver's threshold, measured on the validity period).
  const levels = { downgrade: validity12, tiers: twoTiers };
  const up = at('2023-01-10');
  const fall = at('2024-01-10');

  /** Each member: 1200 on 2023-01-05 (silver on 2023-01-10), 300 in the validity period. */
  const placed = new Map<string, Order>();

  async function fallen(ids: string[]): Promise<Scenario> {
    const orders = ids.flatMap((id) => [
      order(id, '2023-01-05T00:00:00Z', 1200, { id: `${id}-early` }),
      order(id, '2023-06-01T00:00:00Z', 300, { id: `${id}-kept` }),
    ]);
    const s = await Scenario.start(levels, ids, orders);
    await s.evaluate(up, fall);
    for (const o of orders) placed.set(o.id, o);
    return s;
  }

  it('a fallen member is not upgraded back on the spend before the fall: at the same instant, the next day, by a rule change', async () => {
    const s = await fallen(['m']);
    // 300 < 1000 in [2023-01-10, 2024-01-10): silver is not extended. Bronze on its upgrade
    // conditions at t: lifetime 1500 ≥ 500. The same lifetime 1500 ≥ 1000 would be silver again.
    const fell = { tier: 'bronze', tierSince: fall.toISOString(), anchorAt: fall.toISOString(), evidenceAt: fall.toISOString(), fellAt: fall.toISOString(), expiresAt: iso('2025-01-10') };
    expect(await s.standing('m')).toMatchObject(fell);
    await s.evaluate(fall, at('2024-01-11'));
    expect(await s.standing('m')).toMatchObject(fell);
    expect((await s.standing('m')).history.map((h) => h.reason)).toEqual(['upgrade', 'expire']);
    // A version that changes nothing these orders earn moves nobody (the fall is the evidence).
    const impact = await s.recalculate({ ...levels, upgrade: { exclude: ['never_used'] } }, at('2024-01-12'));
    expect(impact).toEqual({ before: { bronze: 1 }, after: { bronze: 1 } });
    expect(await s.standing('m')).toMatchObject(fell);
  });

  it('a rule change that lowers the extension standard the fall failed lifts the member back, judged on the period the fall judged', async () => {
    const s = await fallen(['m']);
    // Under the new rules silver's extension standard is 300: met by the 300 of
    // [2023-01-10, 2024-01-10). The move up stands on that evidence, which it keeps.
    const T = at('2024-01-12');
    const impact = await s.recalculate({ downgrade: validity12, tiers: [{ id: 'bronze', threshold: { amount: 200 } }, { id: 'silver', threshold: { amount: 300 } }] }, T);
    expect(impact).toEqual({ before: { bronze: 1 }, after: { silver: 1 } });
    expect(await s.standing('m')).toMatchObject({ tier: 'silver', tierSince: T.toISOString(), anchorAt: T.toISOString(), evidenceAt: fall.toISOString(), fellAt: fall.toISOString() });
  });

  it('spend after the fall moves the member up once it meets the threshold by itself', async () => {
    const s = await fallen(['short', 'enough']);
    await s.importOrders([
      order('short', '2024-02-01T00:00:00Z', 900), // lifetime 2,400, but 900 after the fall
      order('enough', '2024-02-01T00:00:00Z', 1000),
    ]);
    await s.evaluate(at('2024-02-02'));
    expect(await s.tier('short')).toBe('bronze');
    expect(await s.standing('enough')).toMatchObject({ tier: 'silver', tierSince: iso('2024-02-02'), fellAt: fall.toISOString(), expiresAt: iso('2025-02-02') });
  });

  it('a refund re-derives a fallen member as the fall did: below the tier left, on the lifetime spend', async () => {
    const s = await fallen(['kept', 'early']);
    // Refunding the 300: the fall still lands on bronze (1200 ≥ 500): nothing moves.
    await s.importOrders([reimport(placed.get('kept-kept')!, { status: 'refunded' })]);
    // Refunding the 1200: the fall would have found 300 < 500: basic (reason refund).
    await s.importOrders([reimport(placed.get('early-early')!, { status: 'refunded' })]);
    await s.evaluate(at('2024-01-11'));
    expect(await s.standing('kept')).toMatchObject({ tier: 'bronze', tierSince: fall.toISOString() });
    expect(await s.standing('early')).toMatchObject({ tier: null, evidenceAt: fall.toISOString(), fellAt: fall.toISOString() });
    expect((await s.standing('early')).history.at(-1)).toEqual({ from: 'bronze', to: null, at: iso('2024-01-11'), reason: 'refund' });
  });
});

describe('§3.3 step 4: refunds', () => {
  const levels = { tiers: twoTiers };

  it('§3.3 a refund imported after the last evaluation re-derives the member as of tierSince (reason refund), keeping tierSince', async () => {
    const a = order('m', '2024-01-01T00:00:00Z', 600, { id: 'ra' });
    const b = order('m', '2024-01-02T00:00:00Z', 500, { id: 'rb' });
    const s = await Scenario.start(levels, ['m'], [a, b]);
    await s.evaluate(at('2024-01-10'));
    expect(await s.tier('m')).toBe('silver');
    await s.importOrders([reimport(b, { status: 'refunded' })]);
    const t = at('2024-02-01');
    await s.evaluate(t);
    const st = await s.standing('m');
    expect(st).toMatchObject({ tier: 'bronze', tierSince: iso('2024-01-10'), anchorAt: t.toISOString(), expiresAt: null });
    expect(st.history.at(-1)).toEqual({ from: 'silver', to: 'bronze', at: t.toISOString(), reason: 'refund' });
  });

  it('§3.3 with validity, a refund demotion keeps tierSince and expiresAt (re-derived as of tierSince, not at t)', async () => {
    // Silver reached 2024-01-10 with 600 + 500 in the 3-month window. By 2024-06-01 those orders
    // have left the window; re-derived as of tierSince with b refunded, the member had 600: bronze.
    const a = order('m', '2024-01-01T00:00:00Z', 600, { id: 'va' });
    const b = order('m', '2024-01-02T00:00:00Z', 500, { id: 'vb' });
    const s = await Scenario.start({ upgrade: { window: threeMonths }, downgrade: validity12, tiers: twoTiers }, ['m'], [a, b]);
    await s.evaluate(at('2024-01-10'));
    await s.importOrders([reimport(b, { status: 'refunded' })]);
    const t = at('2024-06-01');
    await s.evaluate(t);
    const st = await s.standing('m');
    expect(st).toMatchObject({ tier: 'bronze', tierSince: iso('2024-01-10'), anchorAt: t.toISOString(), expiresAt: iso('2025-01-10') });
    expect(st.history.at(-1)).toEqual({ from: 'silver', to: 'bronze', at: t.toISOString(), reason: 'refund' });
  });

  it('§3.3 a cancellation and a partial refund demote the same way; refunds: ignore never demotes', async () => {
    const base = (id: string): Order => order(id, '2024-01-01T00:00:00Z', 1000, { id: `${id}-o` });
    const [c, p] = [base('c'), base('p')];
    const s = await Scenario.start(levels, ['c', 'p'], [c, p]);
    await s.evaluate(at('2024-01-10'));
    await s.importOrders([reimport(c, { status: 'cancelled' }), reimport(p, { refundedMinor: 40000n })]);
    await s.evaluate(at('2024-01-11'));
    expect(await s.standing('c')).toMatchObject({ tier: null, tierSince: iso('2024-01-10') });
    expect((await s.standing('c')).history.at(-1)).toMatchObject({ from: 'silver', to: null, reason: 'refund' });
    expect(await s.standing('p')).toMatchObject({ tier: 'bronze', tierSince: iso('2024-01-10') });

    const i = base('i');
    const ignore = await Scenario.start({ ...levels, refunds: 'ignore' }, ['i'], [i]);
    await ignore.evaluate(at('2024-01-10'));
    await ignore.importOrders([reimport(i, { status: 'cancelled' })]);
    await ignore.evaluate(at('2024-01-11'));
    expect(await ignore.tier('i')).toBe('silver');
  });

  it('§3.3 a refund seen at an earlier evaluation does not demote again; a member is never demoted below qualified(t)', async () => {
    const a = order('m', '2024-01-01T00:00:00Z', 1000, { id: 'sa' });
    const s = await Scenario.start(levels, ['m'], [a]);
    await s.evaluate(at('2024-01-10'));
    await s.importOrders([reimport(a, { refundedMinor: 50000n }), order('m', '2024-01-15T00:00:00Z', 600, { importSeq: nextImportSeq() })]);
    await s.evaluate(at('2024-01-20'));
    expect(await s.tier('m')).toBe('silver'); // 500 + 600 qualifies for silver at t
    // A refund seen once is not seen again.
    const once = order('n', '2024-01-01T00:00:00Z', 1000, { id: 'sn' });
    const r = await Scenario.start(levels, ['n'], [once]);
    await r.evaluate(at('2024-01-10'));
    await r.importOrders([reimport(once, { refundedMinor: 50000n })]);
    await r.evaluate(at('2024-01-11'));
    expect(await r.tier('n')).toBe('bronze');
    await r.importOrders([order('n', '2024-01-12T00:00:00Z', 600, { importSeq: nextImportSeq() })]);
    await r.evaluate(at('2024-01-13'));
    await r.evaluate(at('2024-01-14'));
    const st = await r.standing('n');
    expect(st.tier).toBe('silver');
    expect(st.history.map((h) => h.reason)).toEqual(['upgrade', 'refund', 'upgrade']);
  });
});

/** Members who reached a tier under the old rules on 2024-01-10 by one order paid 2024-01-05. */
const recalcTiers = (bronze: number, silver: number, extra: { silverEnabled?: boolean } = {}): LevelsSection['tiers'] => [
  { id: 'bronze', threshold: { amount: bronze }, benefits: [{ type: 'upgrade_points', points: 10 }] },
  { id: 'silver', threshold: { amount: silver }, enabled: extra.silverEnabled ?? true, benefits: [{ type: 'upgrade_points', points: 50 }] },
];
const recalcLevels = (tiers: LevelsSection['tiers'], downgrade: object = validity12): LevelsSection => ({ upgrade: { window: threeMonths }, downgrade, tiers });

async function reached(amounts: Record<string, number>): Promise<Scenario> {
  const s = await Scenario.start(
    recalcLevels(recalcTiers(500, 1000)),
    Object.keys(amounts),
    Object.entries(amounts).map(([id, amount]) => order(id, '2024-01-05T00:00:00Z', amount)),
  );
  await s.evaluate(at('2024-01-10'));
  return s;
}

const T = at('2024-06-01T03:00:00Z');

describe('§3.5 rule changes and recalculation', () => {
  it('§3.5 recalculate: a member inside a validity period is judged by the evidence as of evidenceAt against the new thresholds; a move down keeps the earned period', async () => {
    // By T the orders have left the 3-month window: qualified(m, T) is basic for everyone.
    const s = await reached({ m: 1100, keeps: 1300 });
    const before = await s.standing('keeps');
    const impact = await s.recalculate(recalcLevels(recalcTiers(500, 1200)), T);
    expect(impact).toEqual({ before: { silver: 2 }, after: { bronze: 1, silver: 1 } });
    expect(await s.standing('m')).toMatchObject({
      tier: 'bronze',
      tierSince: T.toISOString(),
      anchorAt: iso('2024-01-10'),
      evidenceAt: iso('2024-01-10'),
      expiresAt: iso('2025-01-10'),
    });
    expect((await s.standing('m')).history.at(-1)).toEqual({ from: 'silver', to: 'bronze', at: T.toISOString(), reason: 'rule_change' });
    // Unchanged: tierSince, anchorAt, expiresAt, history and grants all as before.
    expect(await s.standing('keeps')).toEqual(before);
  });

  it('§3.5 a member whose tier does not change keeps tierSince, anchorAt and expiresAt', async () => {
    const s = await reached({ m: 1100, b: 600 });
    const [m, b] = [await s.standing('m'), await s.standing('b')];
    const impact = await s.recalculate(recalcLevels(recalcTiers(400, 1000)), T);
    expect(impact).toEqual({ before: { silver: 1, bronze: 1 }, after: { silver: 1, bronze: 1 } });
    expect(await s.standing('m')).toEqual(m);
    expect(await s.standing('b')).toEqual(b);
    expect(m).toMatchObject({ tierSince: iso('2024-01-10'), anchorAt: iso('2024-01-10'), expiresAt: iso('2025-01-10') });
  });

  it('§3.5 recalculate moves up with one-time benefits; upgrade_only only up; keep changes nothing', async () => {
    const lower = recalcLevels(recalcTiers(300, 550));
    for (const mode of ['recalculate', 'upgrade_only'] as const) {
      const s = await reached({ m: 600 });
      await s.recalculate(lower, T, mode);
      const st = await s.standing('m');
      expect(st, mode).toMatchObject({ tier: 'silver', tierSince: T.toISOString(), anchorAt: T.toISOString(), expiresAt: iso('2025-06-01') });
      expect(st.history.at(-1)).toEqual({ from: 'bronze', to: 'silver', at: T.toISOString(), reason: 'rule_change' });
      expect(st.grants.map((g) => [g.key, g.dueAt, g.at, g.points])).toEqual([
        ['upgrade_points:bronze', iso('2024-01-10'), iso('2024-01-10'), 10],
        ['upgrade_points:silver', T.toISOString(), T.toISOString(), 50],
      ]);
    }
    const kept = await reached({ m: 600 });
    const before = await kept.standing('m');
    expect(await kept.recalculate(lower, T, 'keep')).toEqual({ before: { bronze: 1 }, after: { bronze: 1 } });
    expect(await kept.standing('m')).toEqual(before);

    const higher = recalcLevels(recalcTiers(500, 2000));
    const only = await reached({ m: 1100 });
    const silver = await only.standing('m');
    expect(await only.recalculate(higher, T, 'upgrade_only')).toEqual({ before: { silver: 1 }, after: { silver: 1 } });
    expect(await only.standing('m')).toEqual(silver);
    const down = await reached({ m: 1100 });
    await down.recalculate(higher, T, 'recalculate');
    expect(await down.tier('m')).toBe('bronze');
  });

  it('§3.5 disabled tier: its members are re-derived under the remaining tiers in every mode', async () => {
    for (const mode of ['recalculate', 'upgrade_only', 'keep'] as const) {
      const s = await reached({ m: 1100 });
      const impact = await s.recalculate(recalcLevels(recalcTiers(500, 1000, { silverEnabled: false })), T, mode);
      expect(impact, mode).toEqual({ before: { silver: 1 }, after: { bronze: 1 } });
      const st = await s.standing('m');
      expect(st, mode).toMatchObject({ tier: 'bronze', tierSince: T.toISOString(), evidenceAt: iso('2024-01-10'), expiresAt: iso('2025-01-10') });
      expect(st.history.at(-1)).toEqual({ from: 'silver', to: 'bronze', at: T.toISOString(), reason: 'rule_change' });
      expect(st.grants.map((g) => g.key)).toEqual(['upgrade_points:silver']);
    }
  });

  it('§3.5 a removed tier is re-derived the same way', async () => {
    for (const mode of ['recalculate', 'keep'] as const) {
      const s = await reached({ m: 1100 });
      await s.recalculate(recalcLevels([{ id: 'bronze', threshold: { amount: 500 } }]), T, mode);
      expect(await s.standing('m'), mode).toMatchObject({ tier: 'bronze', tierSince: T.toISOString(), evidenceAt: iso('2024-01-10'), expiresAt: iso('2025-01-10') });
    }
  });

  it('§3.5 mode recompute: the new tier is qualified(m, T)', async () => {
    const s = await reached({ m: 1100 });
    await s.recalculate(recalcLevels(recalcTiers(500, 1000), { mode: 'recompute' }), T);
    // A move down keeps anchorAt (v1.1); basic has no expiresAt.
    expect(await s.standing('m')).toMatchObject({ tier: null, expiresAt: null, tierSince: T.toISOString(), anchorAt: iso('2024-01-10') });
    expect((await s.standing('m')).history.at(-1)).toEqual({ from: 'silver', to: null, at: T.toISOString(), reason: 'rule_change' });
  });

  it('§3.5 a member who stays keeps tierSince and anchorAt; expiresAt starts at T when validity is introduced', async () => {
    const s = await Scenario.start({ tiers: recalcTiers(500, 1000) }, ['m'], [order('m', '2024-05-05T00:00:00Z', 1100)]);
    await s.evaluate(at('2024-05-10'));
    expect((await s.standing('m')).expiresAt).toBeNull();
    await s.recalculate(recalcLevels(recalcTiers(500, 1000)), T);
    expect(await s.standing('m')).toMatchObject({ tier: 'silver', tierSince: iso('2024-05-10'), anchorAt: iso('2024-05-10'), expiresAt: iso('2025-06-01') });
    expect((await s.standing('m')).history).toHaveLength(1);
  });
});

describe('§3.7 tiers that hold members', () => {
  it('§3.7 disable a tier, apply (its members are re-derived), then remove it', async () => {
    const s = await reached({ m: 1100, b: 600 });
    await s.recalculate(recalcLevels(recalcTiers(500, 1000, { silverEnabled: false })), T);
    expect(await s.standing('m')).toMatchObject({ tier: 'bronze', tierSince: T.toISOString() });
    const [m, b] = [await s.standing('m'), await s.standing('b')];
    // Removing the now-empty tier is a rule change too: everyone is re-derived again, as of their
    // evidenceAt (v1.1), which the relegation did not move: m keeps bronze like b.
    const later = at('2024-06-02T03:00:00Z');
    expect(await s.recalculate(recalcLevels([recalcTiers(500, 1000)[0]!]), later)).toEqual({ before: { bronze: 2 }, after: { bronze: 2 } });
    expect(await s.standing('b')).toEqual(b);
    expect(await s.standing('m')).toEqual(m);
  });
});

describe('§3.6 upgrade_points', () => {
  const pointed = {
    downgrade: { mode: 'validity', validity: { months: 1 } },
    upgrade: { window: { rolling: { months: 1 } } },
    tiers: [
      { id: 'bronze', threshold: { amount: 100 }, benefits: [{ type: 'upgrade_points', points: 10 }] },
      { id: 'silver', threshold: { amount: 500 }, benefits: [{ type: 'upgrade_points', points: 50 }] },
    ],
  };

  it('§3.6 upgrade_points once per member per tier, ever: re-reaching a tier grants nothing', async () => {
    const s = await Scenario.start(pointed, ['m'], [
      order('m', '2024-01-02T00:00:00Z', 150),
      order('m', '2024-01-20T00:00:00Z', 400),
      order('m', '2024-05-01T00:00:00Z', 150),
    ]);
    await s.evaluate(at('2024-01-10'), at('2024-01-25'), at('2024-02-25'), at('2024-05-10'));
    const st = await s.standing('m');
    expect(st.history.map((h) => [h.to, h.reason])).toEqual([
      ['bronze', 'upgrade'],
      ['silver', 'upgrade'],
      [null, 'expire'],
      ['bronze', 'upgrade'],
    ]);
    expect(st.grants).toEqual([
      { type: 'upgrade_points', key: 'upgrade_points:bronze', tier: 'bronze', dueAt: iso('2024-01-10'), at: iso('2024-01-10'), points: 10 },
      { type: 'upgrade_points', key: 'upgrade_points:silver', tier: 'silver', dueAt: iso('2024-01-25'), at: iso('2024-01-25'), points: 50 },
    ]);
  });

  it('§3.6 points added to a tier later are not granted: not to a member at the tier, not to one who re-reaches it', async () => {
    const before = { ...pointed, tiers: [{ id: 'bronze', threshold: { amount: 100 } }] };
    const s = await Scenario.start(before, ['again', 'holder'], [
      order('again', '2024-01-02T00:00:00Z', 150),
      order('again', '2024-05-01T00:00:00Z', 150),
      order('holder', '2024-04-20T00:00:00Z', 150),
    ]);
    await s.evaluate(at('2024-01-10'), at('2024-02-10'), at('2024-05-01T00:00:00Z'));
    expect(await s.tier('again')).toBeNull();
    expect(await s.tier('holder')).toBe('bronze');
    // Adding points is a benefit change: active at once, no recalculation.
    await s.activate(pointed, at('2024-05-05'));
    await s.evaluate(at('2024-05-10'));
    expect(await s.standing('again')).toMatchObject({ tier: 'bronze', grants: [] });
    expect(await s.standing('holder')).toMatchObject({ tier: 'bronze', grants: [] });
  });

  it('§3.6 only the tier reached is granted, not the tiers skipped', async () => {
    const s = await Scenario.start(pointed, ['m'], [order('m', '2024-01-02T00:00:00Z', 600)]);
    await s.evaluate(at('2024-01-10'));
    expect((await s.standing('m')).grants.map((g) => g.key)).toEqual(['upgrade_points:silver']);
  });

  it('§3.6 removing a benefit never removes grants, nor does a demotion', async () => {
    const birthdayPoints = {
      tiers: [
        { id: 'bronze', threshold: { amount: 100 }, benefits: [{ type: 'upgrade_points', points: 10 }] },
        { id: 'silver', threshold: { amount: 500 }, benefits: [{ type: 'upgrade_points', points: 50 }, { type: 'birthday_discount' }] },
      ],
    };
    const big = order('m', '2024-01-02T00:00:00Z', 600, { id: 'big' });
    const s = await Scenario.start(birthdayPoints, [member('m', '1990-05-20')], [big]);
    await s.evaluate(at('2024-05-02'));
    const granted = (await s.standing('m')).grants;
    expect(granted.map((g) => g.key)).toEqual(['birthday_discount:2024', 'upgrade_points:silver']);
    // A version without any benefit, then a refund that demotes the member.
    await s.activate({ tiers: birthdayPoints.tiers.map(({ benefits: _b, ...t }) => t) }, at('2024-05-03'));
    await s.importOrders([reimport(big, { refundedMinor: 40000n })]);
    await s.evaluate(at('2024-05-04'));
    const st = await s.standing('m');
    expect(st.tier).toBe('bronze');
    expect(st.grants).toEqual(granted);
  });
});

describe('§3.6 birthday_discount', () => {
  const tz = 'Asia/Shanghai';
  const birthdayLevels = {
    tiers: [
      { id: 'bronze', threshold: { amount: 0 } },
      { id: 'silver', threshold: { amount: 100 }, benefits: [{ type: 'birthday_discount' }] },
    ],
  };

  it('§3.6 birthday once per year, at the first evaluation in the birth month (local date), dueAt = start of the month', async () => {
    const s = await Scenario.start(birthdayLevels, [member('m', '1990-05-20')], [order('m', '2024-01-01T00:00:00Z', 100)], { timezone: tz });
    await s.evaluate(at('2024-04-30T15:00:00Z')); // 23:00 Apr 30 local
    expect((await s.standing('m')).grants).toEqual([]);
    const t = at('2024-04-30T17:00:00Z'); // 01:00 May 1 local
    await s.evaluate(t, at('2024-05-15T00:00:00Z'), at('2024-05-31T00:00:00Z'));
    expect((await s.standing('m')).grants).toEqual([
      { type: 'birthday_discount', key: 'birthday_discount:2024', tier: 'silver', dueAt: iso('2024-05-01', tz), at: t.toISOString(), points: null },
    ]);
    await s.evaluate(at('2025-05-03T00:00:00Z'));
    expect((await s.standing('m')).grants.map((g) => g.key)).toEqual(['birthday_discount:2024', 'birthday_discount:2025']);
  });

  it('§3.6 birthday only while the tier carries the benefit; no birthday, no grant', async () => {
    const s = await Scenario.start(
      birthdayLevels,
      [member('few', '05-20'), member('none', null), member('later', '05-20')],
      [order('few', '2024-01-01T00:00:00Z', 50), order('none', '2024-01-01T00:00:00Z', 100), order('later', '2024-01-01T00:00:00Z', 50)],
      { timezone: tz },
    );
    await s.evaluate(at('2024-05-02'));
    expect(await s.standing('few')).toMatchObject({ tier: 'bronze', grants: [] });
    expect(await s.standing('none')).toMatchObject({ tier: 'silver', grants: [] });
    // Reaching silver later in the month still grants that year.
    await s.importOrders([order('later', '2024-05-05T00:00:00Z', 60)]);
    await s.evaluate(at('2024-05-10'));
    expect((await s.standing('later')).grants.map((g) => [g.key, g.at])).toEqual([['birthday_discount:2024', iso('2024-05-10')]]);
    expect((await s.standing('few')).grants).toEqual([]);
  });

  it('§3.6 a 29 February birthday is a February birthday every year', async () => {
    const s = await Scenario.start(birthdayLevels, [member('m', '2000-02-29')], [order('m', '2024-01-01T00:00:00Z', 100)], { timezone: tz });
    await s.evaluate(at('2025-02-10'));
    expect((await s.standing('m')).grants.map((g) => g.key)).toEqual(['birthday_discount:2025']);
  });

  it('§3.6 a rule change recalculation in the birth month grants the birthday once', async () => {
    const s = await Scenario.start(birthdayLevels, [member('m', '1990-06-15')], [order('m', '2024-01-01T00:00:00Z', 100)], { timezone: tz });
    await s.evaluate(at('2024-05-20'));
    await s.recalculate({ tiers: [birthdayLevels.tiers[0]!, { ...birthdayLevels.tiers[1]!, threshold: { amount: 90 } }] }, T);
    await s.evaluate(at('2024-06-02'), at('2024-06-03'));
    expect((await s.standing('m')).grants.map((g) => [g.key, g.at])).toEqual([['birthday_discount:2024', T.toISOString()]]);
  });
});

describe('§3.10 manual adjustment', () => {
  const pointsTiers = [
    { id: 'bronze', threshold: { amount: 500 } },
    { id: 'silver', threshold: { amount: 1000 }, benefits: [{ type: 'upgrade_points', points: 50 }] },
  ];

  it('§3.10 a manual move up: fresh period, history manual, upgrade points once; the pin holds against evaluations and refunds; the decision stays the evidence', async () => {
    const bought = order('m', '2024-01-05T00:00:00Z', 600, { id: 'm-600' });
    const s = await Scenario.start({ downgrade: validity12, tiers: pointsTiers }, ['m'], [bought]);
    await s.evaluate(at('2024-01-10'));
    const t = at('2024-02-01T10:00:00Z');
    await s.setTier('m', 'silver', t, { until: '2024-06-01' });
    expect(await s.standing('m')).toMatchObject({
      tier: 'silver',
      tierSince: t.toISOString(),
      anchorAt: t.toISOString(),
      evidenceAt: t.toISOString(),
      expiresAt: iso('2025-02-01'),
      pinnedUntil: iso('2024-06-01'),
      fellAt: null,
      grants: [{ key: 'upgrade_points:silver', at: t.toISOString(), points: 50 }],
    });
    expect((await s.standing('m')).history.at(-1)).toEqual({ from: 'bronze', to: 'silver', at: t.toISOString(), reason: 'manual' });
    // The order is refunded: during the pin nothing moves; after it, the refund step re-derives
    // the member as of the manual move, whose evidence is the merchant's decision: silver.
    await s.importOrders([reimport(bought, { status: 'refunded' })]);
    await s.evaluate(at('2024-03-01'), at('2024-06-02'));
    expect(await s.tier('m')).toBe('silver');
    const impact = await s.recalculate({ downgrade: validity12, upgrade: { exclude: ['never_used'] }, tiers: pointsTiers }, at('2024-06-03'));
    expect(impact).toEqual({ before: { silver: 1 }, after: { silver: 1 } });
    // Back to basic and up again by hand: silver's points were granted once, ever.
    await s.setTier('m', null, at('2024-06-04'));
    await s.setTier('m', 'silver', at('2024-06-05'));
    expect((await s.standing('m')).grants).toHaveLength(1);
  });

  it('§3.10 a pin holds a recompute member until the start of its local date, against rule changes too; then the member requalifies', async () => {
    const s = await Scenario.start(
      { upgrade: { window: threeMonths }, downgrade: { mode: 'recompute' }, tiers: twoTiers },
      ['m'],
      [order('m', '2024-01-05T00:00:00Z', 600)],
      { timezone: 'Asia/Shanghai' },
    );
    await s.evaluate(at('2024-01-10'));
    await s.setTier('m', 'silver', at('2024-02-01'), { until: '2024-03-01' });
    // 2024-03-01 starts at 2024-02-29T16:00Z in Asia/Shanghai.
    expect(await s.standing('m')).toMatchObject({ tier: 'silver', pinnedUntil: '2024-02-29T16:00:00.000Z' });
    await s.recalculate({ upgrade: { window: threeMonths }, downgrade: { mode: 'recompute' }, tiers: [twoTiers[0]!, { id: 'silver', threshold: { amount: 2000 } }] }, at('2024-02-10'));
    await s.evaluate(at('2024-02-29T15:59:59Z'));
    expect(await s.tier('m')).toBe('silver');
    await s.evaluate(at('2024-02-29T16:00:00Z'));
    expect(await s.tier('m')).toBe('bronze');
    expect((await s.standing('m')).history.at(-1)).toMatchObject({ from: 'silver', to: 'bronze', reason: 'requalify' });
  });

  it('§3.10 a manual move down without a pin sticks: the spend before it never moves the member up again; spend after it does', async () => {
    const s = await Scenario.start({ tiers: twoTiers }, ['m'], [order('m', '2024-01-05T00:00:00Z', 1200)]);
    await s.evaluate(at('2024-01-10'));
    expect(await s.tier('m')).toBe('silver');
    const t = at('2024-02-01');
    await s.setTier('m', 'bronze', t);
    await s.evaluate(at('2024-02-01'), at('2024-02-02'));
    expect(await s.standing('m')).toMatchObject({ tier: 'bronze', fellAt: t.toISOString(), pinnedUntil: null, expiresAt: null });
    await s.importOrders([order('m', '2024-02-03T00:00:00Z', 1000)]);
    await s.evaluate(at('2024-02-04'));
    expect(await s.tier('m')).toBe('silver');
  });
});
