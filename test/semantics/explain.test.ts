/**
 * `members explain` on hand-computed histories: window bounds and why, each order counted or
 * left out with its reason, the figures against each threshold, what is missing for the next
 * tier and by when, the expiry outlook and the verdict. Numbers worked out in the comments.
 */
import { describe, expect, it } from 'vitest';
import { compileRules, evaluateMember, newMember, setTierManually, tierById, type MemberState, type Order, type ProgramDocument } from '../../src/rules/index.js';
import type { PointsEntry } from '../../src/rules/orders.js';
import { explainMember } from '../../src/rules/explain.js';
import { lastDayInRolling } from '../../src/rules/explainOrders.js';
import { buildExplainView } from '../../src/members/explainView.js';
import { renderExplainText } from '../../src/members/explainText.js';

const D = (iso: string): Date => new Date(iso);

function doc(timezone: string, levels: object): ProgramDocument {
  return { metadata: { timezone, currency: 'USD' }, spec: { type: 'levels', enabled: true, levels: levels as never } };
}

let seq = 0;
function order(id: string, paidAt: string, amount: number, more: Partial<Order> = {}): Order {
  seq += 1;
  return { id, memberId: 'm', amountMinor: BigInt(amount * 100), refundedMinor: 0n, paidAt: D(paidAt), status: 'paid', tags: [], importSeq: seq, ...more };
}

function member(over: Partial<MemberState>): MemberState {
  return { ...newMember('m', D('2024-06-01T00:00:00Z')), lastEvaluatedImportSeq: 1_000, ...over };
}

function view(e: ReturnType<typeof explainMember>, timezone: string) {
  const version = { version: e.version, status: 'active' as const, document: {} as never, hash: 'h', appliedAt: '', effectiveAt: null, actor: 'a', sourceRef: null };
  return buildExplainView(e, { merchant: 'shop', name: null, currency: 'USD', timezone, judge: { version, why: 'active' }, latestRunAt: null, tierNames: {} });
}

// Asia/Shanghai (UTC+8), activeFrom 2025-01-01, accumulated over a rolling 12 months, gift cards
// excluded; validity 12 months with retention (extend 12 months).
const shanghai = compileRules(
  doc('Asia/Shanghai', {
    activeFrom: '2025-01-01',
    upgrade: { basis: 'accumulated', window: { rolling: { months: 12 } }, exclude: ['gift_card'] },
    downgrade: { mode: 'validity', validity: { months: 12 }, retention: { extend: { months: 12 } } },
    tiers: [
      { id: 'bronze', threshold: { amount: 100 }, retain: { amount: 80 } },
      { id: 'silver', threshold: { amount: 500 }, retain: { amount: 400 } },
      { id: 'gold', threshold: { amount: 1000, orders: 3 }, retain: { amount: 800 } },
    ],
  }),
);

const shanghaiOrders = [
  order('o1', '2024-12-20T04:00:00Z', 300), // before activeFrom (2024-12-31T16:00Z)
  order('o2', '2025-06-14T15:59:59Z', 200), // local 2025-06-14 23:59:59: one second before the window
  order('o3', '2025-07-20T04:00:00Z', 250), // counts; leaves the window after 2026-07-20
  order('o4', '2025-09-01T02:00:00Z', 150, { tags: ['vip', 'gift_card'] }),
  order('o5', '2025-10-01T02:00:00Z', 400, { status: 'cancelled' }),
  order('o6', '2025-11-01T02:00:00Z', 300, { refundedMinor: 30_000n }), // fully refunded: net 0
  order('o7', '2026-01-10T01:00:00Z', 380, { refundedMinor: 8_000n }), // net 300; an hour before the upgrade
  order('o8', '2026-03-01T02:00:00Z', 120),
];

// Silver since 2026-01-10 10:00 local; valid through 2027-01-09 (expires at local midnight 2027-01-10).
const silver = member({
  tier: 'silver',
  tierSince: D('2026-01-10T02:00:00Z'),
  anchorAt: D('2026-01-10T02:00:00Z'),
  evidenceAt: D('2026-01-10T02:00:00Z'),
  expiresAt: D('2027-01-09T16:00:00Z'),
  history: [{ from: null, to: 'silver', at: D('2026-01-10T02:00:00Z'), reason: 'upgrade', version: 1 }],
});

describe('members explain, by hand', () => {
  it('shows the rolling window in the zone, each order with its reason, the figures, the gap to gold and the expiry', () => {
    const t = D('2026-06-15T04:00:00Z'); // 2026-06-15 12:00 in Shanghai
    const e = explainMember({ state: silver, orders: shanghaiOrders, rules: shanghai, version: 1, t, pending: null });
    const v = view(e, 'Asia/Shanghai');

    // 12 months back from local 2026-06-15: from local midnight 2025-06-15 (after activeFrom).
    expect(v.windows).toEqual([
      {
        tiers: ['bronze', 'silver', 'gold'],
        kind: 'rolling',
        label: 'rolling 12 months',
        from: { at: '2025-06-14T16:00:00.000Z', local: '2025-06-15T00:00:00+08:00' },
        to: { at: '2026-06-15T04:00:00.000Z', local: '2026-06-15T12:00:00+08:00' },
        lowerBound: 'window',
        why: 'where the window starts',
      },
    ]);
    expect(v.orders.map((o) => [o.order, o.counts, o.reason, o.net, o.tag ?? null])).toEqual([
      ['o1', false, 'before_active_from', '300.00', null],
      ['o2', false, 'outside_window', '200.00', null],
      ['o3', true, null, '250.00', null],
      ['o4', false, 'excluded_tag', '150.00', 'gift_card'],
      ['o5', false, 'cancelled', '400.00', null],
      ['o6', false, 'refunded', '0.00', null],
      ['o7', true, null, '300.00', null],
      ['o8', true, null, '120.00', null],
    ]);
    // 250 + 300 + 120 = 670 over 3 orders: bronze and silver met, gold lacks 330.
    expect(v.tiers.map((t) => [t.tier, t.figures.amount, t.figures.orders, t.met, t.missing.amount, t.missing.orders])).toEqual([
      ['bronze', '670.00', 3, true, null, null],
      ['silver', '670.00', 3, true, null, null],
      ['gold', '670.00', 3, false, '330.00', null],
    ]);
    expect(v.verdict).toEqual({ kind: 'stay', tier: 'silver', moves: [], summary: 'would stay at silver' });
    // o3 (local 2025-07-20) is the oldest counted order: still counted on 2026-07-20, gone the day after.
    expect(v.next).toMatchObject({ tier: 'gold', missing: { amount: '330.00', orders: null }, by: '2026-07-20', summary: 'gold: spend 330.00 USD more by 2026-07-20' });
    // Validity period [2026-01-10 10:00, 2027-01-10 00:00 local): o7 is an hour before it, so
    // 120 against silver's retain of 400: 280 missing. Falling at expiry (local 2027-01-10),
    // the window from local 2026-01-10 holds o7 and o8 = 420: bronze.
    expect(v.expiry).toEqual({
      tier: 'silver',
      expiresAt: { at: '2027-01-09T16:00:00.000Z', local: '2027-01-10T00:00:00+08:00' },
      lastDay: '2027-01-09',
      standard: { amount: '400.00', orders: null },
      source: 'retain',
      basis: 'accumulated',
      period: { from: { at: '2026-01-10T02:00:00.000Z', local: '2026-01-10T10:00:00+08:00' }, to: { at: '2027-01-09T16:00:00.000Z', local: '2027-01-10T00:00:00+08:00' } },
      figures: { amount: '120.00', orders: 1 },
      met: false,
      missing: { amount: '280.00', orders: null },
      extendedTo: { at: '2028-01-09T16:00:00.000Z', local: '2028-01-10T00:00:00+08:00' },
      fallsTo: 'bronze',
      summary: 'to be extended: spend 280.00 USD more by 2027-01-09; otherwise, with the orders as they stand, they fall to bronze',
    });
    const text = renderExplainText(v);
    expect(text).toContain('Verdict: the evaluation at this instant would stay at silver.');
    expect(text).toContain('Next tier: gold: spend 330.00 USD more by 2026-07-20');
  });

  it('at expiry, says the member falls, and to which tier', () => {
    const t = D('2027-01-10T01:00:00Z'); // local 2027-01-10 09:00, after the expiry at local midnight
    const e = explainMember({ state: silver, orders: shanghaiOrders, rules: shanghai, version: 1, t, pending: null });
    expect(e.verdict.kind).toBe('move');
    expect(e.verdict.steps.map((s) => [s.from, s.to, s.reason])).toEqual([['silver', 'bronze', 'expire']]);
    expect(view(e, 'Asia/Shanghai').verdict.summary).toBe('would fall at expiry to bronze');
    // The fall starts a fresh validity: bronze until local 2028-01-10; o7 and o8 were paid before it.
    expect(e.expiry).toMatchObject({ tier: 'bronze', expiresAt: D('2028-01-09T16:00:00Z'), amountMinor: 0n, met: false });
  });

  it('under restartOnMove, counts from the last move: an older order in the rolling window is left out', () => {
    const rules = compileRules(
      doc('UTC', { upgrade: { basis: 'accumulated', restartOnMove: true, window: { rolling: { months: 12 } } }, tiers: [{ id: 'silver', threshold: { amount: 100 } }, { id: 'gold', threshold: { amount: 500 } }] }),
    );
    const state = member({ tier: 'silver', tierSince: D('2026-02-01T00:00:00Z'), anchorAt: D('2026-02-01T00:00:00Z'), evidenceAt: D('2026-02-01T00:00:00Z') });
    const orders = [order('r1', '2026-01-15T10:00:00Z', 400), order('r2', '2026-03-01T10:00:00Z', 200)];
    const e = explainMember({ state, orders, rules, version: 1, t: D('2026-04-01T00:00:00Z'), pending: null });
    const v = view(e, 'UTC');
    expect(v.windows[0]).toMatchObject({ lowerBound: 'restart', from: { at: '2026-02-01T00:00:00.000Z' } });
    expect(v.orders.map((o) => [o.order, o.reason])).toEqual([['r1', 'outside_window'], ['r2', null]]);
    // 200 of 500; r2 stays in the 12-month window through 2027-03-01.
    expect(v.next?.summary).toBe('gold: spend 300.00 USD more by 2027-03-01');
    expect(v.expiry).toBeNull();
  });

  it('under single_order, an order that triggered an upgrade counts as an order but not for the amount; a larger one moves the member up', () => {
    const rules = compileRules(doc('UTC', { upgrade: { basis: 'single_order' }, tiers: [{ id: 'silver', threshold: { amount: 100 } }, { id: 'gold', threshold: { amount: 500, orders: 2 } }] }));
    const state = member({ tier: 'silver', tierSince: D('2026-01-02T00:00:00Z'), anchorAt: D('2026-01-02T00:00:00Z'), evidenceAt: D('2026-01-02T00:00:00Z'), consumedOrders: ['c1'], triggerOrderId: 'c1' });
    const orders = [order('c1', '2026-01-01T10:00:00Z', 900), order('c2', '2026-03-01T10:00:00Z', 550)];
    const e = explainMember({ state, orders, rules, version: 1, t: D('2026-04-01T00:00:00Z'), pending: null });
    const v = view(e, 'UTC');
    expect(v.orders.map((o) => [o.order, o.reason, o.amountIn, o.ordersIn])).toEqual([
      ['c1', 'consumed', [], [0]],
      ['c2', null, [0], [0]],
    ]);
    // Largest unconsumed order 550 ≥ 500, and 2 orders: gold.
    expect(v.tiers.find((t) => t.tier === 'gold')).toMatchObject({ figures: { amount: '550.00', orders: 2 }, met: true });
    expect(v.verdict).toMatchObject({ kind: 'move', tier: 'gold', moves: [{ from: 'silver', to: 'gold', reason: 'upgrade' }], summary: 'would move up to gold' });
    expect(v.next).toBeNull();
  });

  it('shows a pending version’s effect from the member’s standing now', () => {
    const lower = compileRules(
      doc('Asia/Shanghai', { ...shanghaiLevels(), tiers: [{ id: 'bronze', threshold: { amount: 100 } }, { id: 'silver', threshold: { amount: 300 } }, { id: 'gold', threshold: { amount: 600 } }] }),
    );
    const e = explainMember({ state: silver, orders: shanghaiOrders, rules: shanghai, version: 1, t: D('2026-06-15T04:00:00Z'), pending: { rules: lower, version: 2, at: D('2026-07-01T00:00:00Z') } });
    // At 2026-07-01 08:00 local the 12-month window still holds o3, o7, o8 = 670 ≥ 600: gold.
    expect(e.pending).toEqual({ version: 2, at: D('2026-07-01T00:00:00Z'), existingMembers: 'recalculate', from: 'silver', to: 'gold' });
  });

  it('gives no verdict while the program is not active', () => {
    const paid = compileRules({ metadata: { timezone: 'UTC', currency: 'USD' }, spec: { type: 'paid', levels: { tiers: [{ id: 'silver', threshold: { amount: 100 } }] } as never } });
    const e = explainMember({ state: member({}), orders: [order('p1', '2026-01-01T00:00:00Z', 500)], rules: paid, version: 1, t: D('2026-02-01T00:00:00Z'), pending: null });
    expect(e.verdict).toEqual({ kind: 'inactive', steps: [], tier: null });
    expect([e.next, e.expiry]).toEqual([null, null]);
    expect(renderExplainText(view(e, 'UTC'))).toContain('Verdict: none: the program is not active');
  });

  // UTC, accumulated over a rolling 12 months; validity 3 months, no retention (the threshold is
  // the extension standard). silver from 100, gold from 500.
  const fallRules = compileRules(
    doc('UTC', {
      upgrade: { basis: 'accumulated', window: { rolling: { months: 12 } } },
      downgrade: { mode: 'validity', validity: { months: 3 } },
      tiers: [{ id: 'silver', threshold: { amount: 100 } }, { id: 'gold', threshold: { amount: 500 } }],
    }),
  );

  it('after a fall, figures for moving up start at the fall; older orders are left out for moving up only', () => {
    // Gold from 2026-01-01 on f1 (600); its period [2026-01-01, 2026-04-01) held only f2 (80 < 500),
    // so at 2026-04-01 m fell to silver (f1 and f2 = 680 hold silver). f3 (150) came after the fall.
    const fell = D('2026-04-01T00:00:00Z');
    const state = member({
      tier: 'silver',
      tierSince: fell,
      anchorAt: fell,
      evidenceAt: fell,
      previousAnchorAt: D('2026-01-01T00:00:00Z'),
      expiresAt: D('2026-07-01T00:00:00Z'),
      fellAt: fell,
      fellFrom: 'gold',
      fellPeriodEnd: fell,
      history: [
        { from: null, to: 'gold', at: D('2026-01-01T00:00:00Z'), reason: 'upgrade', version: 1 },
        { from: 'gold', to: 'silver', at: fell, reason: 'expire', version: 1 },
      ],
    });
    const orders = [order('f1', '2025-12-20T10:00:00Z', 600), order('f2', '2026-02-10T10:00:00Z', 80), order('f3', '2026-04-20T10:00:00Z', 150)];
    const e = explainMember({ state, orders, rules: fallRules, version: 1, t: D('2026-05-01T00:00:00Z'), pending: null });
    const v = view(e, 'UTC');
    // The 12-month window would start 2025-05-01; the fall raises it to 2026-04-01.
    expect(v.windows).toEqual([
      expect.objectContaining({ from: { at: '2026-04-01T00:00:00.000Z', local: expect.any(String) }, lowerBound: 'fall', why: 'since the fall on 2026-04-01: orders paid before it no longer count for moving up' }),
    ]);
    expect(v.orders.map((o) => [o.order, o.counts, o.reason, o.amountIn])).toEqual([
      ['f1', false, 'before_fall', []],
      ['f2', false, 'before_fall', []],
      ['f3', true, null, [0]],
    ]);
    // Only f3 (150) counts for moving up: silver met, gold lacks 350 — not 830 of 500, which would
    // claim gold is met while the evaluation keeps m at silver.
    expect(v.tiers.map((t) => [t.tier, t.figures.amount, t.met, t.missing.amount])).toEqual([
      ['silver', '150.00', true, null],
      ['gold', '150.00', false, '350.00'],
    ]);
    expect(v.verdict).toEqual({ kind: 'stay', tier: 'silver', moves: [], summary: 'would stay at silver' });
    // f3 (2026-04-20) stays in the rolling window through 2027-04-20.
    expect(v.next).toMatchObject({ tier: 'gold', figures: { amount: '150.00', orders: 1 }, summary: 'gold: spend 350.00 USD more by 2027-04-20' });
    expect(v.standing.fellAt).toMatchObject({ at: '2026-04-01T00:00:00.000Z' });
    // Holding is judged on the validity period [2026-04-01, 2026-07-01): f3 extends silver.
    expect(v.expiry).toMatchObject({ tier: 'silver', figures: { amount: '150.00', orders: 1 }, met: true });
    const text = renderExplainText(v);
    expect(text).toContain('lower bound: since the fall on 2026-04-01');
    expect(text).toContain('fell:      on ');
    expect(text).toMatch(/left out\s+f1 .*paid before the fall: no longer counts for moving up/);
    expect(text).toContain('Next tier: gold: spend 350.00 USD more by 2027-04-20');
  });

  it('a member set down by hand and pinned: the verdict says pinned, the figures start at the manual fall, and the pin’s end is when the rules take over', () => {
    // Gold from 2026-01-01 on p1 (600); on 2026-03-15 the merchant sets m down to silver until
    // 2026-06-01 (a move down is a fall for moving up). p2 (200) is bought after it.
    const gold = member({
      tier: 'gold',
      tierSince: D('2026-01-01T00:00:00Z'),
      anchorAt: D('2026-01-01T00:00:00Z'),
      evidenceAt: D('2026-01-01T00:00:00Z'),
      expiresAt: D('2026-04-01T00:00:00Z'),
      history: [{ from: null, to: 'gold', at: D('2026-01-01T00:00:00Z'), reason: 'upgrade', version: 1 }],
    });
    const set = D('2026-03-15T00:00:00Z');
    const state = setTierManually(gold, { tier: tierById(fallRules, 'silver')!, pinnedUntil: D('2026-06-01T00:00:00Z'), grants: false }, set, fallRules, 1);
    const orders = [order('p1', '2025-12-20T10:00:00Z', 600), order('p2', '2026-04-10T10:00:00Z', 200)];
    const pinned = view(explainMember({ state, orders, rules: fallRules, version: 1, t: D('2026-05-01T00:00:00Z'), pending: null }), 'UTC');
    expect(pinned.verdict).toMatchObject({ kind: 'pinned', tier: 'silver', moves: [] });
    expect(pinned.verdict.summary).toMatch(/^stays at silver, pinned by hand until 2026-06-01T00:00:00.*: no evaluation moves them before then$/);
    expect(pinned.standing).toMatchObject({ pinnedUntil: { at: '2026-06-01T00:00:00.000Z' }, setByHand: { tier: 'silver', at: { at: '2026-03-15T00:00:00.000Z' } }, fellAt: { at: '2026-03-15T00:00:00.000Z' } });
    expect(pinned.windows[0]).toMatchObject({ lowerBound: 'fall', why: 'since the fall on 2026-03-15: orders paid before it no longer count for moving up' });
    expect(pinned.orders.map((o) => [o.order, o.reason])).toEqual([['p1', 'before_fall'], ['p2', null]]);
    // p2 alone: 200, gold lacks 300 (p1 and p2 would be 800: "gold met", which the model never acts on).
    expect(pinned.next).toMatchObject({ tier: 'gold', missing: { amount: '300.00' } });
    const text = renderExplainText(pinned);
    expect(text).toContain('  pinned:    by hand until 2026-06-01');
    expect(text).toContain('  by hand:   set to silver on 2026-03-15');
    expect(text).toMatch(/Verdict: stays at silver, pinned by hand until 2026-06-01/);
    // At the pin's end the rules take over: silver holds (its validity runs to 2026-06-15), and
    // the spend before the manual fall does not move m back up to gold.
    const free = view(explainMember({ state, orders, rules: fallRules, version: 1, t: D('2026-06-01T00:00:00Z'), pending: null }), 'UTC');
    expect(free.verdict).toEqual({ kind: 'stay', tier: 'silver', moves: [], summary: 'would stay at silver' });
    expect(free.standing.pinnedUntil).toBeNull();
    expect(free.tiers.find((t) => t.tier === 'gold')).toMatchObject({ figures: { amount: '200.00' }, met: false });
  });

  it('under basis points: the ledger entries that count and why the others do not, the figures and the gap in points', () => {
    // UTC, activeFrom 2025-01-01, points earned over a rolling 6 months, validity 12 months.
    const rules = compileRules(
      doc('UTC', {
        activeFrom: '2025-01-01',
        upgrade: { basis: 'points', window: { rolling: { months: 6 } } },
        downgrade: { mode: 'validity', validity: { months: 12 } },
        tiers: [
          { id: 'silver', threshold: { points: 500 } },
          { id: 'gold', threshold: { points: 2000 } },
        ],
      }),
    );
    // Gold from 2025-01-10; fell to silver at its expiry on 2026-01-10 (silver valid to 2027-01-10).
    const state = member({
      tier: 'silver',
      tierSince: D('2026-01-10T00:00:00Z'),
      anchorAt: D('2026-01-10T00:00:00Z'),
      evidenceAt: D('2026-01-10T00:00:00Z'),
      expiresAt: D('2027-01-10T00:00:00Z'),
      fellAt: D('2026-01-10T00:00:00Z'),
      fellFrom: 'gold',
      history: [
        { from: null, to: 'gold', at: D('2025-01-10T00:00:00Z'), reason: 'upgrade', version: 1 },
        { from: 'gold', to: 'silver', at: D('2026-01-10T00:00:00Z'), reason: 'expire', version: 1 },
      ],
    });
    const entry = (id: string, at: string, points: number, memberId = 'm'): PointsEntry => ({ id, memberId, points, at: D(at), importSeq: 1 });
    const points = [
      entry('p1', '2024-12-20T00:00:00Z', 800), // before activeFrom
      entry('p2', '2025-06-01T00:00:00Z', 1000), // before the 6 months (from 2025-09-15)
      entry('p3', '2025-11-01T00:00:00Z', 700), // in the 6 months, but before the fall
      entry('p4', '2026-01-20T00:00:00Z', 400), // counts; leaves the window after 2026-07-20
      entry('p5', '2026-02-01T00:00:00Z', -300), // a redemption: never counts, never lowers
      entry('p6', '2026-03-01T00:00:00Z', 250), // counts
      entry('x1', '2026-03-01T00:00:00Z', 5000, 'other'), // another member's
    ];
    // An order of 5,000 USD: under basis points orders are not measured (by amount it would make gold).
    const orders = [order('o1', '2026-02-01T00:00:00Z', 5000)];
    const t = D('2026-03-15T12:00:00Z');
    const e = explainMember({ state, orders, points, rules, version: 1, t, pending: null });
    const v = view(e, 'UTC');

    // Rolling 6 months from 2025-09-15, raised by the fall to 2026-01-10.
    expect(v.windows).toMatchObject([{ tiers: ['silver', 'gold'], from: { at: '2026-01-10T00:00:00.000Z' }, lowerBound: 'fall' }]);
    expect(v.orders).toEqual([]);
    expect(v.entries!.map((x) => [x.entry, x.points, x.reason, x.countsIn])).toEqual([
      ['p1', 800, 'before_active_from', []],
      ['p2', 1000, 'outside_window', []],
      ['p3', 700, 'before_fall', []],
      ['p4', 400, null, [0]],
      ['p5', -300, 'redemption', []],
      ['p6', 250, null, [0]],
    ]);
    // p4 + p6 = 650 points: silver (500) met, gold (2,000) lacks 1,350.
    expect(v.tiers.map((x) => [x.tier, x.threshold, x.figures.points, x.met, x.missing.points])).toEqual([
      ['silver', { amount: null, orders: null, points: 500 }, 650, true, null],
      ['gold', { amount: null, orders: null, points: 2000 }, 650, false, 1350],
    ]);
    // The verdict is the evaluation's: silver stays (with p3 it would be 1,350, still short of gold).
    expect(v.verdict).toEqual({ kind: 'stay', tier: 'silver', moves: [], summary: 'would stay at silver' });
    expect(v.verdict.tier).toBe(evaluateMember(state, orders, t, rules, 1, points).tier);
    // p4 is the first to leave the 6 months: it still counts on 2026-07-20 (2026-07-20 − 6 months = 2026-01-20).
    expect(v.next).toMatchObject({ tier: 'gold', figures: { points: 650 }, missing: { amount: null, points: 1350 }, by: '2026-07-20', summary: 'gold: earn 1,350 points more by 2026-07-20' });
    // No retention: the extension standard is silver's 500 points over [2026-01-10, 2027-01-10): 650, met.
    expect(v.expiry).toMatchObject({ basis: 'points', standard: { points: 500 }, figures: { amount: null, points: 650 }, met: true, extendedTo: { at: '2028-01-10T00:00:00.000Z' } });

    const text = renderExplainText(v);
    expect(text).toContain('Windows (points earned):');
    expect(text).toContain('Points entries:');
    expect(text).not.toContain('Orders:');
    expect(text).toMatch(/left out\s+p5\s.*-300\s+redemption: never lowers or adds to the points earned/);
    expect(text).toMatch(/counts\s+p6\s.*250\s+in \[1\]/);
    expect(text).toMatch(/gold\s+2,000 points\s+\[1\]\s+650 points earned\s+missing 1,350 points/);
    expect(text).toContain('Next tier: gold: earn 1,350 points more by 2026-07-20');
    expect(text).toContain('extension standard (threshold, points earned): 500 points');
    expect(text).not.toContain('USD');
  });

  it('finds the last day a rolling window still counts an order, month ends clamped', () => {
    expect(lastDayInRolling(D('2024-02-29T12:00:00Z'), { months: 12 }, 'UTC')).toBe('2025-02-28');
    // Mar 31 − 1 month = Feb 28: an order of Feb 28 still counts on Mar 31.
    expect(lastDayInRolling(D('2025-02-28T12:00:00Z'), { months: 1 }, 'UTC')).toBe('2025-03-31');
    expect(lastDayInRolling(D('2025-01-31T12:00:00Z'), { months: 1 }, 'UTC')).toBe('2025-02-28');
    expect(lastDayInRolling(D('2025-01-01T12:00:00Z'), { days: 30 }, 'UTC')).toBe('2025-01-31');
  });
});

function shanghaiLevels(): object {
  return { activeFrom: '2025-01-01', upgrade: { basis: 'accumulated', window: { rolling: { months: 12 } }, exclude: ['gift_card'] }, downgrade: { mode: 'validity', validity: { months: 12 } } };
}
