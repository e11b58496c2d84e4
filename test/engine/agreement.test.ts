/**
 * The set-based engine and the reference model agree (SPEC §3.3, §3.5): random programs, members
 * and order histories (refunds, cancellations, excluded tags, every window, basis and downgrade
 * mode, month ends, leap days, non-UTC zones), evaluated day after day, then a rule change.
 * TIERFORM_PROPERTY_RUNS raises the number of cases.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { withTestDb } from '../helpers/db.js';
import { evaluateInline, recalculateInline, recalculationImpact } from '../../src/engine/index.js';
import { compileRules, evaluateMember, recalculateMember, type ExistingMembers, type MemberState, type Order } from '../../src/rules/index.js';
import { memberArb, ordersArb, programArb, type ProgramSample } from '../semantics/arbitraries.js';
import { addDays, localMidnight } from '../../src/model/localDate.js';
import { addMembers, addMerchant, addVersion, readStanding, standingOf, upsertOrders } from './harness.js';

const RUNS = Number(process.env.TIERFORM_PROPERTY_RUNS ?? 40);
// A fixed seed keeps CI reproducible (and the coverage check below stable); set one to explore.
const SEED = Number(process.env.TIERFORM_PROPERTY_SEED ?? 20261123);
const MEMBERS = ['a', 'b', 'c'];

interface Case {
  program: ProgramSample;
  next: ProgramSample;
  existingMembers: ExistingMembers;
  members: MemberState[];
  orders: Order[];
  refunded: Order[];
  times: Date[];
  laterTimes: Date[];
  recalcAt: Date;
}

/**
 * Dense histories: orders and evaluations packed into about a year and a half around a start
 * date, with amounts near the generated thresholds, so upgrades, expiries, extensions, falls
 * and refund demotions all happen often.
 */
const START = ['2023-01-31', '2023-02-28', '2023-10-29', '2024-01-31', '2024-02-29', '2024-03-10', '2024-12-31'];

function nearArb(tz: string, start: string, fromDay: number, toDay: number): fc.Arbitrary<Date> {
  return fc.tuple(fc.integer({ min: fromDay, max: toDay }), fc.integer({ min: 0, max: 86_399 }), fc.boolean()).map(([day, second, midnight]) => {
    const d = addDays(start, day);
    const begin = localMidnight(d, tz).getTime();
    const end = localMidnight(addDays(d, 1), tz).getTime();
    return new Date(midnight ? begin : Math.min(begin + second * 1000, end - 1000));
  });
}

function denseOrdersArb(memberId: string, tz: string, start: string): fc.Arbitrary<Order[]> {
  return ordersArb(memberId, tz, 10, {
    paidAt: nearArb(tz, start, -120, 420),
    amount: fc.oneof(fc.integer({ min: 0, max: 120_000 }), fc.constantFrom(10_000, 30_000, 50_000, 80_000)),
  });
}

/** Moves a program's dates next to the histories: activeFrom and fixed windows inside the span. */
function densify(program: ProgramSample, start: string, shift: number): ProgramSample {
  const levels = program.document.spec.levels!;
  const window = levels.upgrade?.window as { fixed?: { from: string; to: string } } | undefined;
  const moved = {
    ...levels,
    ...(levels.activeFrom !== undefined ? { activeFrom: addDays(start, shift - 90) } : {}),
    upgrade: {
      ...levels.upgrade,
      ...(window?.fixed ? { window: { fixed: { from: addDays(start, shift - 60), to: addDays(start, shift + 240) } } } : {}),
    },
  };
  const document = { ...program.document, spec: { ...program.document.spec, levels: moved } };
  return { ...program, document, rules: compileRules(document) };
}

/** Later imports of the same orders: most paid orders get refunded, halved or cancelled. */
function refundsArb(orders: Order[]): fc.Arbitrary<Order[]> {
  const change = fc.constantFrom('keep', 'keep', 'refunded', 'half', 'half', 'cancelled');
  return fc.array(change, { minLength: orders.length, maxLength: orders.length }).map((changes) => {
    let seq = orders.length;
    return orders.map((o, i) => {
      const c = changes[i]!;
      if (c === 'keep' || o.status !== 'paid') return o;
      seq += 1;
      if (c === 'half') return { ...o, refundedMinor: o.amountMinor / 2n, importSeq: seq };
      return { ...o, status: c as Order['status'], importSeq: seq };
    });
  });
}

const caseArb: fc.Arbitrary<Case> = fc
  .tuple(programArb(), fc.constantFrom(...START), fc.integer({ min: 0, max: 120 }))
  .map(([program, start, shift]) => [densify(program, start, shift), start] as const)
  .chain(([program, start]) =>
  fc
    .record({
      program: fc.constant(program),
      next: programArb().map((p) => ({ ...p, document: { ...p.document, metadata: program.document.metadata } })),
      existingMembers: fc.constantFrom<ExistingMembers>('recalculate', 'upgrade_only', 'keep'),
      members: fc.tuple(...MEMBERS.map((id) => memberArb(id))),
      orders: fc.tuple(...MEMBERS.map((id) => denseOrdersArb(id, program.timezone, start))).map((lists) => lists.flat()),
      allTimes: fc.array(nearArb(program.timezone, start, 0, 540), { minLength: 2, maxLength: 12 }),
    })
    .chain(({ allTimes, ...rest }) => {
      const sorted = [...new Set(allTimes.map((t) => t.getTime()))].sort((a, b) => a - b).map((t) => new Date(t));
      const cut = Math.ceil(sorted.length / 2);
      const seqd = rest.orders.map((o, i) => ({ ...o, importSeq: i + 1 }));
      return refundsArb(seqd).map((refunded) => ({
        ...rest,
        next: { ...rest.next, rules: { ...rest.next.rules, timezone: program.timezone } },
        orders: seqd,
        refunded,
        times: sorted.slice(0, cut),
        laterTimes: sorted.slice(cut),
        recalcAt: new Date(sorted.at(-1)!.getTime() + 3_600_000),
      }));
    }),
);

function reference(c: Case): { evaluated: MemberState[]; recalculated: MemberState[] } {
  const evaluated = c.members.map((m) => {
    let s = m;
    for (const t of c.times) s = evaluateMember(s, c.orders, t, c.program.rules, 1);
    for (const t of c.laterTimes) s = evaluateMember(s, c.refunded, t, c.program.rules, 1);
    return s;
  });
  const recalculated = evaluated.map((s) => recalculateMember(s, c.refunded, c.recalcAt, c.next.rules, 2, c.existingMembers));
  return { evaluated, recalculated };
}

const ctx = withTestDb();
let caseNo = 0;
/** How often each history reason and grant type occurred in the compared cases. */
const seen: Record<string, number> = {};

function tallySeen(states: MemberState[]): void {
  for (const s of states) {
    for (const h of s.history) seen[h.reason] = (seen[h.reason] ?? 0) + 1;
    for (const g of s.grants) seen[g.type] = (seen[g.type] ?? 0) + 1;
  }
}

describe('the SQL engine agrees with the reference model', () => {
  it('on every member’s tier, dates, grants and history, through evaluations and a rule change', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const merchant = `p${++caseNo}`;
        const db = ctx.db;
        const want = reference(c);
        tallySeen(want.recalculated);
        await db.transaction(async (tx) => {
          await addMerchant(tx, merchant, c.times[0]!);
          await addVersion(tx, merchant, 1, c.program.document, 'active', new Date('2020-01-01T00:00:00Z'));
          await addMembers(tx, merchant, c.members);
          await upsertOrders(tx, merchant, c.orders);
        });
        for (const t of c.times) await evaluateInline(db, merchant, t);
        await upsertOrders(db, merchant, c.refunded);
        for (const t of c.laterTimes) await evaluateInline(db, merchant, t);
        for (const [i, id] of MEMBERS.entries()) {
          expect(await readStanding(db, merchant, id), `after evaluations, member ${id}`).toEqual(standingOf(want.evaluated[i]!));
        }

        const nextDoc = { ...c.next.document, spec: { ...c.next.document.spec, effective: { existingMembers: c.existingMembers } } };
        const impact = await recalculationImpact(db, merchant, c.next.rules, c.recalcAt, c.existingMembers);
        const tally = (states: MemberState[]): Record<string, number> =>
          states.reduce<Record<string, number>>((acc, s) => ({ ...acc, [s.tier ?? 'basic']: (acc[s.tier ?? 'basic'] ?? 0) + 1 }), {});
        expect(impact.before).toEqual(tally(want.evaluated));
        expect(impact.after).toEqual(tally(want.recalculated));

        await addVersion(db, merchant, 2, nextDoc, 'active', c.recalcAt);
        await recalculateInline(db, merchant, 2, c.recalcAt, c.existingMembers);
        for (const [i, id] of MEMBERS.entries()) {
          expect(await readStanding(db, merchant, id), `after the rule change, member ${id}`).toEqual(standingOf(want.recalculated[i]!));
        }
      }),
      { numRuns: RUNS, seed: SEED },
    );
  }, RUNS * 3_000);

  it('compared cases that exercise every transition and grant', () => {
    // Runs after the property: a generator that stopped producing a path would make the
    // comparison above vacuous for it.
    for (const kind of ['upgrade', 'requalify', 'extend', 'renew', 'expire', 'refund', 'rule_change', 'upgrade_points', 'birthday_discount']) {
      expect(seen[kind] ?? 0, `${kind} in ${JSON.stringify(seen)}`).toBeGreaterThan(0);
    }
  });
});
