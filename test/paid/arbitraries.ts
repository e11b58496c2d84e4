/** Generators for paid histories: plans, purchases imported over time, refunds, evaluations. */
import fc from 'fast-check';
import type { Purchase } from '../../src/rules/index.js';
import type { PlanSpec } from './helpers.js';

export const ZONES = ['UTC', 'Asia/Shanghai', 'America/New_York', 'Europe/London', 'Australia/Lord_Howe'] as const;

export type Step =
  | { kind: 'import'; at: Date; purchases: Purchase[] }
  | { kind: 'evaluate'; at: Date };

export interface PaidScenario {
  timezone: string;
  plans: PlanSpec[];
  members: { id: string; birthday: string | null }[];
  steps: Step[];
}

const START = Date.parse('2026-01-01T00:00:00Z');
const YEAR = 365 * 86_400_000;

const validityArb = fc.oneof(
  fc.integer({ min: 1, max: 3 }).map((months) => ({ months })),
  fc.integer({ min: 20, max: 45 }).map((days) => ({ days })),
);

const planArb = (id: string): fc.Arbitrary<PlanSpec> =>
  fc.record({
    validity: validityArb,
    joinPoints: fc.option(fc.integer({ min: 1, max: 900 }), { nil: null }),
    every: fc.option(fc.integer({ min: 1, max: 2 }), { nil: null }),
    onStart: fc.boolean(),
    birthday: fc.boolean(),
  }).map((p) => ({
    id,
    name: id.toUpperCase(),
    validity: p.validity,
    benefits: [
      ...(p.joinPoints === null ? [] : [{ type: 'join_points', points: p.joinPoints }]),
      ...(p.every === null ? [] : [{ type: 'free_shipping', grant: { every: { months: p.every } } }]),
      ...(p.onStart ? [{ type: 'cash_voucher', amountOff: 5, grant: 'on_start' }] : []),
      ...(p.birthday ? [{ type: 'birthday_discount', percentOff: 10 }] : []),
      { type: 'discount', percentOff: 10 },
    ],
  }));

/** An instant in 2026, to the millisecond, with a bias towards month ends and midnights. */
const instantArb = fc.oneof(
  fc.integer({ min: 0, max: YEAR }).map((ms) => new Date(START + ms)),
  fc.record({ month: fc.integer({ min: 0, max: 11 }), day: fc.constantFrom(1, 28, 29, 30, 31), hour: fc.integer({ min: 0, max: 23 }) }).map(
    ({ month, day, hour }) => new Date(Date.UTC(2026, month, Math.min(day, new Date(Date.UTC(2026, month + 1, 0)).getUTCDate()), hour)),
  ),
);

export function scenarioArb(): fc.Arbitrary<PaidScenario> {
  return fc
    .record({
      timezone: fc.constantFrom(...ZONES),
      plans: fc.tuple(planArb('a'), planArb('b')),
      members: fc.uniqueArray(
        fc.record({ id: fc.constantFrom('ann', 'bob', 'cyd'), birthday: fc.option(fc.constantFrom('01-15', '03-31', '2000-06-10', '02-29', '12-01'), { nil: null }) }),
        { minLength: 1, maxLength: 3, selector: (m) => m.id },
      ),
      raw: fc.array(
        fc.record({ member: fc.nat(2), plan: fc.constantFrom('a', 'b'), paidAt: instantArb, importLag: fc.integer({ min: 0, max: 40 * 86_400_000 }), refundLag: fc.option(fc.integer({ min: 0, max: 200 * 86_400_000 }), { nil: null }) }),
        { maxLength: 7 },
      ),
      evaluations: fc.array(instantArb, { minLength: 1, maxLength: 6 }),
    })
    .map(({ timezone, plans, members, raw, evaluations }) => {
      const steps: Step[] = [];
      raw.forEach((r, i) => {
        const plan = plans.find((p) => p.id === r.plan)!;
        const p: Purchase = {
          id: `p${i}`,
          memberId: members[r.member % members.length]!.id,
          planId: r.plan,
          paidAt: r.paidAt,
          status: 'paid',
          validity: plan.validity!,
          timezone,
        };
        const importedAt = new Date(r.paidAt.getTime() + r.importLag);
        steps.push({ kind: 'import', at: importedAt, purchases: [p] });
        if (r.refundLag !== null) steps.push({ kind: 'import', at: new Date(importedAt.getTime() + r.refundLag), purchases: [{ ...p, status: 'refunded' }] });
      });
      for (const at of evaluations) steps.push({ kind: 'evaluate', at });
      // Ties: imports first, then evaluations, in generation order.
      const order = (s: Step): number => (s.kind === 'import' ? 0 : 1);
      steps.sort((x, y) => x.at.getTime() - y.at.getTime() || order(x) - order(y));
      return { timezone, plans, members, steps };
    });
}

/** Runs from TIERFORM_PROPERTY_RUNS when set, else `fallback`. */
export function propertyRuns(fallback: number): number {
  const n = Number(process.env.TIERFORM_PROPERTY_RUNS);
  return Number.isSafeInteger(n) && n > 0 ? n : fallback;
}
