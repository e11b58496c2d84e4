/**
 * fast-check arbitraries for the level semantics: programs that pass validation (§2), members
 * and order histories that cross month ends, leap days and DST changes. Shared by the reference
 * model's properties and by the comparison of the SQL engine with it.
 */
import fc from 'fast-check';
import { addDays, localMidnight, type LocalDate } from '../../src/model/localDate.js';
import { compileRules, newMember, type LevelRules, type LevelsSection, type MemberState, type Order, type ProgramDocument } from '../../src/rules/index.js';

export const timezones = ['UTC', 'Asia/Shanghai', 'America/New_York', 'Europe/London', 'Australia/Lord_Howe', 'Pacific/Kiritimati'] as const;
export const tags = ['gift_card', 'group_purchase', 'vip'] as const;

/** Dates the model finds hard: month ends, leap days, DST change days, year ends. */
const tricky: LocalDate[] = [
  '2023-01-31', '2023-02-28', '2023-03-12', '2023-03-26', '2023-03-31', '2023-10-29', '2023-11-05', '2023-12-31',
  '2024-01-31', '2024-02-28', '2024-02-29', '2024-03-01', '2024-03-10', '2024-03-31', '2024-04-30', '2024-10-27',
  '2024-11-03', '2024-12-31', '2025-02-28', '2025-03-09', '2025-03-31', '2025-08-31',
];
const FIRST = '2023-01-01';
const SPAN_DAYS = 1000;

export const localDateArb: fc.Arbitrary<LocalDate> = fc.oneof(
  fc.constantFrom(...tricky),
  fc.integer({ min: 0, max: SPAN_DAYS }).map((n) => addDays(FIRST, n)),
);

/** An instant on a local date in `tz`, at a random time of the day (seconds resolution). */
export function instantArb(tz: string): fc.Arbitrary<Date> {
  return fc
    .tuple(localDateArb, fc.integer({ min: 0, max: 86_399 }), fc.boolean())
    .map(([date, second, atMidnight]) => {
      const start = localMidnight(date, tz).getTime();
      const end = localMidnight(addDays(date, 1), tz).getTime();
      return new Date(atMidnight ? start : Math.min(start + second * 1000, end - 1000));
    });
}

const durationArb = fc.oneof(fc.integer({ min: 1, max: 14 }).map((months) => ({ months })), fc.integer({ min: 31, max: 400 }).map((days) => ({ days })));

const windowArb = fc.oneof(
  fc.constant('lifetime'),
  fc.constant('since_last_upgrade'),
  durationArb.map((rolling) => ({ rolling })),
  fc.tuple(localDateArb, fc.integer({ min: 0, max: 500 })).map(([from, n]) => ({ fixed: { from, to: addDays(from, n) } })),
);

/** Increments of each tier's threshold over the tier below it. */
const stepArb = fc.record({ amount: fc.integer({ min: 0, max: 800 }), orders: fc.integer({ min: 0, max: 3 }) });

export interface ProgramOptions {
  basis?: 'accumulated' | 'single_order';
  window?: unknown;
  mode?: 'never' | 'validity' | 'recompute';
}

/** A `levels` section that validation accepts (tiers strictly increasing, no window conflict). */
export function levelsArb(options: ProgramOptions = {}): fc.Arbitrary<LevelsSection> {
  return fc
    .record({
      activeFrom: fc.option(localDateArb, { nil: undefined }),
      basis: options.basis === undefined ? fc.constantFrom('accumulated', 'single_order') : fc.constant(options.basis),
      window: options.window === undefined ? windowArb : fc.constant(options.window),
      exclude: fc.subarray([...tags.slice(0, 2)]),
      mode: options.mode === undefined ? fc.constantFrom('never', 'validity', 'recompute') : fc.constant(options.mode),
      validity: durationArb,
      // Retention on about half the time: the extension standard is then retain, else the threshold (v1.1).
      extend: fc.option(durationArb, { nil: undefined, freq: 2 }),
      refunds: fc.constantFrom('recalculate', 'ignore'),
      measures: fc.constantFrom('amount', 'orders', 'both'),
      steps: fc.array(stepArb, { minLength: 1, maxLength: 4 }),
      disabled: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
      restartOnMove: fc.constantFrom(false, false, true),
      retentionBasis: fc.option(fc.constantFrom('accumulated', 'single_order'), { nil: undefined }),
      // v1.1: some tiers measure their threshold in their own window.
      tierWindows: fc.array(fc.option(windowArb, { nil: undefined, freq: 3 }), { minLength: 4, maxLength: 4 }),
      points: fc.array(fc.option(fc.integer({ min: 1, max: 500 }), { nil: null }), { minLength: 4, maxLength: 4 }),
      birthday: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
    })
    .map((r) => {
      // Validation refuses windows that restart at every move under recompute (rules.window-conflict):
      // the upgrade window's conflict changes the mode, the v1.1 features are left out instead.
      const mode = r.mode === 'recompute' && r.window === 'since_last_upgrade' ? 'never' : r.mode;
      const restartOnMove = r.restartOnMove && mode !== 'recompute';
      const tierWindows = r.tierWindows.map((w) => (w === 'since_last_upgrade' && mode === 'recompute' ? undefined : w));
      const retention = mode === 'validity' && r.extend !== undefined;
      const useAmount = r.measures !== 'orders';
      const useOrders = r.measures !== 'amount';
      let amount = 0;
      let orders = 0;
      const tiers = r.steps.map((step, i) => {
        // Each tier is at least as high in both measures and strictly higher in one (§2 tiers.order).
        let da = useAmount ? step.amount : 0;
        const dn = useOrders ? step.orders : 0;
        if (i > 0 && da === 0 && dn === 0) da = useAmount ? 1 : 0;
        amount += da;
        orders += i > 0 && da === 0 && dn === 0 ? 1 : dn;
        const threshold = { ...(useAmount ? { amount } : {}), ...(useOrders ? { orders } : {}) };
        const benefits = [
          ...(r.points[i] !== null ? [{ type: 'upgrade_points', points: r.points[i]! }] : []),
          ...(r.birthday[i] ? [{ type: 'birthday_discount' }] : []),
        ];
        const window = tierWindows[i];
        return {
          id: `t${i}`,
          enabled: !r.disabled[i],
          threshold,
          ...(window !== undefined ? { window } : {}),
          ...(retention ? { retain: { amount: Math.floor(amount * 0.8) } } : {}),
          benefits,
        };
      });
      return {
        ...(r.activeFrom !== undefined ? { activeFrom: r.activeFrom } : {}),
        upgrade: { basis: r.basis, ...(restartOnMove ? { restartOnMove: true } : {}), window: r.window, exclude: r.exclude },
        downgrade: {
          mode,
          ...(mode === 'validity' ? { validity: r.validity } : {}),
          ...(retention ? { retention: { extend: r.extend, ...(r.retentionBasis ? { basis: r.retentionBasis } : {}) } } : {}),
        },
        refunds: r.refunds,
        tiers,
      };
    });
}

export interface ProgramSample {
  timezone: string;
  document: ProgramDocument;
  rules: LevelRules;
}

export function programArb(options: ProgramOptions = {}): fc.Arbitrary<ProgramSample> {
  return fc.tuple(fc.constantFrom(...timezones), levelsArb(options)).map(([timezone, levels]) => {
    const document: ProgramDocument = { metadata: { timezone, currency: 'USD' }, spec: { type: 'levels', enabled: true, levels } };
    return { timezone, document, rules: compileRules(document) };
  });
}

/** One member's order history: ids o1…, import sequence in list order, amounts in cents. */
export function ordersArb(
  memberId: string,
  tz: string,
  maxLength = 20,
  shape: { paidAt?: fc.Arbitrary<Date>; amount?: fc.Arbitrary<number> } = {},
): fc.Arbitrary<Order[]> {
  const one = fc.record({
    paidAt: shape.paidAt ?? instantArb(tz),
    amount: shape.amount ?? fc.oneof(fc.integer({ min: 0, max: 200_000 }), fc.constantFrom(0, 1, 50_000, 100_000, 150_000)),
    refundedPart: fc.constantFrom(0, 0, 0, 0.5, 1),
    status: fc.constantFrom('paid', 'paid', 'paid', 'paid', 'cancelled', 'refunded'),
    tags: fc.subarray([...tags], { maxLength: 1 }),
  });
  return fc.array(one, { maxLength }).map((rows) =>
    rows.map((row, i) => ({
      id: `${memberId}-o${i + 1}`,
      memberId,
      amountMinor: BigInt(row.amount),
      refundedMinor: BigInt(Math.floor(row.amount * row.refundedPart)),
      paidAt: row.paidAt,
      status: row.status as Order['status'],
      tags: row.tags,
      importSeq: i + 1,
    })),
  );
}

export const birthdayArb: fc.Arbitrary<string | null> = fc.option(
  fc.tuple(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 28 })).map(([m, d]) => `${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`),
  { nil: null },
);

export function memberArb(memberId: string): fc.Arbitrary<MemberState> {
  return birthdayArb.map((birthday) => newMember(memberId, new Date(Date.UTC(2023, 0, 1)), birthday));
}

/** Evaluation instants in increasing order (a daily run that may skip days). */
export function evaluationTimesArb(tz: string, maxLength = 12): fc.Arbitrary<Date[]> {
  return fc.array(instantArb(tz), { minLength: 1, maxLength }).map((ts) => [...ts].sort((a, b) => a.getTime() - b.getTime()));
}

/**
 * The same history after refunds and cancellations were imported: some paid orders become
 * refunded, partly refunded or cancelled, each re-import later in processing order.
 */
export function withRefundsArb(orders: Order[]): fc.Arbitrary<Order[]> {
  const last = orders.reduce((max, o) => Math.max(max, o.importSeq), 0);
  return fc.array(fc.constantFrom('keep', 'keep', 'refunded', 'half', 'cancelled'), { minLength: orders.length, maxLength: orders.length }).map((changes) => {
    let seq = last;
    return orders.map((o, i) => {
      const change = changes[i]!;
      if (change === 'keep' || o.status !== 'paid') return o;
      seq += 1;
      if (change === 'half') return { ...o, refundedMinor: o.amountMinor / 2n, importSeq: seq };
      return { ...o, status: change as Order['status'], importSeq: seq };
    });
  });
}

export interface Scenario {
  program: ProgramSample;
  member: MemberState;
  /** Orders as imported before `times`. */
  orders: Order[];
  times: Date[];
  /** The same orders after later refund imports, seen by `laterTimes` (all after `times`). */
  refunded: Order[];
  laterTimes: Date[];
}

/** A program, one member with orders and evaluation times: the unit of comparison. */
export function scenarioArb(options: ProgramOptions = {}): fc.Arbitrary<Scenario> {
  return programArb(options).chain((program) =>
    fc
      .record({
        program: fc.constant(program),
        member: memberArb('m1'),
        orders: ordersArb('m1', program.timezone),
        allTimes: fc.array(instantArb(program.timezone), { minLength: 2, maxLength: 14 }),
      })
      .chain(({ allTimes, ...rest }) => {
        const sorted = [...allTimes].sort((a, b) => a.getTime() - b.getTime());
        const cut = Math.ceil(sorted.length / 2);
        return withRefundsArb(rest.orders).map((refunded) => ({
          ...rest,
          times: sorted.slice(0, cut),
          laterTimes: sorted.slice(cut),
          refunded,
        }));
      }),
  );
}
