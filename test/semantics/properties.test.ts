import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { evaluateMember, qualified, rankOf, recalculateMember, type LevelRules, type MemberState, type Order } from '../../src/rules/index.js';
import { instantArb, ordersArb, programArb, scenarioArb, type Scenario } from './arbitraries.js';

const runs = { numRuns: 200 };

function evaluateAll(rules: LevelRules, s: MemberState, orders: Order[], times: Date[]): MemberState {
  return times.reduce((state, t) => evaluateMember(state, orders, t, rules, 1), s);
}

/** Evaluate a scenario: its times with the orders, then its later times after the refund imports. */
function evaluateScenario(sc: Scenario): MemberState {
  const first = evaluateAll(sc.program.rules, sc.member, sc.orders, sc.times);
  return evaluateAll(sc.program.rules, first, sc.refunded, sc.laterTimes);
}

function lastTime(sc: Scenario): Date {
  return sc.laterTimes.at(-1) ?? sc.times.at(-1)!;
}

function lastOrders(sc: Scenario): Order[] {
  return sc.laterTimes.length > 0 ? sc.refunded : sc.orders;
}

describe('properties of the reference model', () => {
  it('generated programs respect §2 tiers.order', () => {
    fc.assert(
      fc.property(programArb(), ({ rules }) => {
        for (let i = 1; i < rules.tiers.length; i++) {
          const lo = rules.tiers[i - 1]!.threshold;
          const hi = rules.tiers[i]!.threshold;
          const [la, ha, lo2, ho] = [lo.amountMinor ?? 0n, hi.amountMinor ?? 0n, lo.orders ?? 0, hi.orders ?? 0];
          expect(ha >= la && ho >= lo2 && (ha > la || ho > lo2)).toBe(true);
        }
      }),
      runs,
    );
  });

  it('evaluation is idempotent at the same t', () => {
    fc.assert(
      fc.property(scenarioArb(), (sc) => {
        const once = evaluateScenario(sc);
        // Falls included: orders paid before a fall never move the member up again (decision 3).
        expect(evaluateMember(once, lastOrders(sc), lastTime(sc), sc.program.rules, 1)).toEqual(once);
      }),
      runs,
    );
  });

  it("with downgrade never a member's rank never decreases except by refund", () => {
    fc.assert(
      fc.property(scenarioArb({ mode: 'never' }), (sc) => {
        const { rules } = sc.program;
        const s = evaluateScenario(sc);
        for (const h of s.history) {
          if (rankOf(rules, h.to) < rankOf(rules, h.from)) expect(h.reason).toBe('refund');
        }
      }),
      runs,
    );
  });

  it('history is in time order, grant keys are unique, and a validity member never holds an expired level', () => {
    fc.assert(
      fc.property(scenarioArb(), (sc) => {
        const { program } = sc;
        const s = evaluateScenario(sc);
        const ats = s.history.map((h) => h.at.getTime());
        expect(ats).toEqual([...ats].sort((a, b) => a - b));
        expect(new Set(s.grants.map((g) => g.key)).size).toBe(s.grants.length);
        if (program.rules.downgrade.mode === 'validity' && s.tier !== null) {
          expect(s.expiresAt!.getTime()).toBeGreaterThan(lastTime(sc).getTime());
        }
        if (s.tier === null) expect(s.expiresAt).toBeNull();
      }),
      runs,
    );
  });

  it('an order triggers at most one upgrade', () => {
    fc.assert(
      fc.property(scenarioArb({ basis: 'single_order' }), (sc) => {
        const s = evaluateScenario(sc);
        expect(new Set(s.consumedOrders).size).toBe(s.consumedOrders.length);
      }),
      runs,
    );
  });

  it('qualified() is monotone in added eligible orders (accumulated, lifetime)', () => {
    const arb = programArb({ basis: 'accumulated', window: 'lifetime' }).chain((program) =>
      fc.record({
        program: fc.constant(program),
        orders: ordersArb('m1', program.timezone),
        extra: ordersArb('m1', program.timezone, 3),
        t: instantArb(program.timezone),
      }),
    );
    fc.assert(
      fc.property(arb, ({ program: { rules }, orders, extra, t }) => {
        const more = [...orders, ...extra.map((o) => ({ ...o, id: `x-${o.id}` }))];
        const m = { memberId: 'm1', anchorAt: null };
        expect(qualified(m, more, t, rules)?.rank ?? -1).toBeGreaterThanOrEqual(qualified(m, orders, t, rules)?.rank ?? -1);
      }),
      runs,
    );
  });

  it('after a recalculation no member holds a disabled tier, and upgrade_only never moves a member down from an enabled tier', () => {
    const arb = scenarioArb().chain((scenario) =>
      fc.record({
        scenario: fc.constant(scenario),
        next: programArb(),
        mode: fc.constantFrom('recalculate', 'upgrade_only', 'keep' as const),
      }),
    );
    fc.assert(
      fc.property(arb, ({ scenario, next, mode }) => {
        const { program } = scenario;
        const s = evaluateScenario(scenario);
        const orders = lastOrders(scenario);
        const T = new Date(lastTime(scenario).getTime() + 3_600_000);
        const rules = { ...next.rules, timezone: program.timezone };
        const r = recalculateMember(s, orders, T, rules, 2, mode);
        const held = rules.tiers.find((x) => x.id === r.tier);
        if (r.tier !== null) expect(held?.enabled).toBe(true);
        const before = rules.tiers.find((x) => x.id === s.tier);
        if (mode !== 'recalculate' && before?.enabled) expect(rankOf(rules, r.tier)).toBeGreaterThanOrEqual(before.rank);
        if (mode === 'keep' && before?.enabled) expect(r.tier).toBe(s.tier);
      }),
      runs,
    );
  });
});
