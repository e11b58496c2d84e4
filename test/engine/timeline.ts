/**
 * Timelines for comparing the set-based engine with the reference model (SPEC v1.1 §3.3, §3.5):
 * random programs
 * (every window, tier windows, restartOnMove, basis, retention basis, downgrade mode), members and
 * order histories (refunds, cancellations, excluded tags, month ends, leap days, non-UTC zones),
 * evaluated day after day with rule changes in between (random ones, a tier disabled then
 * removed, an exclusion tag no order carries) and refunds imported before or after them.
 * Member c has a's orders and birthday: same orders, same history, same fate.
 * TIERFORM_PROPERTY_RUNS raises the number of cases.
 */
import { expect } from 'vitest';
import fc from 'fast-check';
import type { Queryable } from '../../src/store/db.js';
import { evaluateInline, recalculateInline, recalculationImpact } from '../../src/engine/index.js';
import {
  compileRules,
  evaluateMember,
  qualified,
  recalculateMember,
  requalifiedTier,
  setTierManually,
  pinnedAt,
  type ManualMove,
  rankOf,
  type ExistingMembers,
  type LevelRules,
  type MemberState,
  type Order,
  windowFor,
  inInterval,
} from '../../src/rules/index.js';
import { memberArb, ordersArb, programArb, type ProgramSample } from '../semantics/arbitraries.js';
import { addDays, localDateOf, localMidnight } from '../../src/model/localDate.js';
import { addMembers, addMerchant, addVersion, readStandings, setTierBoth, standingOf, upsertOrders, type Standing } from './harness.js';

export const MEMBERS = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
/** Members with their own orders; c is a's twin. */
const OWN = MEMBERS.filter((id) => id !== 'c');

type Mutation = 'random' | 'disable' | 'remove' | 'unused_tag' | 'lower';

type Event =
  | { kind: 'evaluate'; at: Date }
  | { kind: 'refunds' }
  | { kind: 'change'; at: Date; program: ProgramSample; existingMembers: ExistingMembers; mutation: Mutation }
  | { kind: 'manual'; at: Date; member: string; pick: number; untilDays: number | null };

export interface Case {
  program: ProgramSample;
  members: MemberState[];
  orders: Order[];
  refunded: Order[];
  events: Event[];
  /** After the events: a rule change recalculating everyone, then one equivalent to it (§3.5 invariant). */
  last: { at: Date; program: ProgramSample; equivalent: ProgramSample };
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

type Levels = NonNullable<ProgramSample['document']['spec']['levels']>;

function withLevels(program: ProgramSample, levels: Levels): ProgramSample {
  const document = { ...program.document, spec: { ...program.document.spec, levels } };
  return { ...program, document, rules: compileRules(document) };
}

/** Moves a program's dates next to the histories: activeFrom and fixed windows inside the span. */
function densify(program: ProgramSample, start: string, shift: number): ProgramSample {
  const levels = program.document.spec.levels!;
  const near = (w: unknown): unknown =>
    (w as { fixed?: unknown } | undefined)?.fixed ? { fixed: { from: addDays(start, shift - 60), to: addDays(start, shift + 240) } } : w;
  return withLevels(program, {
    ...levels,
    ...(levels.activeFrom !== undefined ? { activeFrom: addDays(start, shift - 90) } : {}),
    upgrade: { ...levels.upgrade, ...(levels.upgrade?.window !== undefined ? { window: near(levels.upgrade.window) } : {}) },
    tiers: levels.tiers.map((t) => ((t as { window?: unknown }).window !== undefined ? { ...t, window: near((t as { window?: unknown }).window) } : t)),
  });
}

/**
 * The next version: a random program, or the current one with a tier disabled, disabled tiers
 * removed, an unused exclusion tag, or every amount threshold halved.
 */
function mutate(current: ProgramSample, mutation: Mutation, random: ProgramSample, pick: number): ProgramSample {
  const levels = current.document.spec.levels!;
  const enabled = levels.tiers.filter((t) => t.enabled !== false);
  if (mutation === 'random') return random;
  if (mutation === 'lower') {
    // Each tier takes the threshold of the tier below it; the lowest half of its own.
    const first = levels.tiers[0]!.threshold as { amount?: number; orders?: number };
    const half = Object.fromEntries(Object.entries(first).map(([k, v]) => [k, Math.floor(v / 2)]));
    return withLevels(current, { ...levels, tiers: levels.tiers.map((t, i) => ({ ...t, threshold: i === 0 ? half : levels.tiers[i - 1]!.threshold })) });
  }
  if (mutation === 'unused_tag') return withLevels(current, { ...levels, upgrade: { ...levels.upgrade, exclude: [...(levels.upgrade?.exclude ?? []), 'never_used'] } });
  const kept = levels.tiers.filter((t) => t.enabled !== false);
  if (mutation === 'remove' && kept.length > 0 && kept.length < levels.tiers.length) return withLevels(current, { ...levels, tiers: kept });
  if (enabled.length === 0) return random;
  const off = enabled[pick % enabled.length]!.id;
  return withLevels(current, { ...levels, tiers: levels.tiers.map((t) => (t.id === off ? { ...t, enabled: false } : t)) });
}

/**
 * Later imports of the same orders: most paid orders get refunded, halved or cancelled. Their
 * import_seq follows `lastSeq`, the largest of the first import: a later import's seq is larger
 * than every earlier one's, as the import_seq sequence makes it.
 */
function refundsArb(orders: Order[], lastSeq: number): fc.Arbitrary<Order[]> {
  const change = fc.constantFrom('keep', 'keep', 'refunded', 'half', 'half', 'cancelled');
  return fc.array(change, { minLength: orders.length, maxLength: orders.length }).map((changes) => {
    let seq = lastSeq;
    return orders.map((o, i) => {
      const c = changes[i]!;
      if (c === 'keep' || o.status !== 'paid') return o;
      seq += 1;
      if (c === 'half') return { ...o, refundedMinor: o.amountMinor / 2n, importSeq: seq };
      return { ...o, status: c as Order['status'], importSeq: seq };
    });
  });
}

/** Member c: a's orders under c's ids (same amounts, instants, tags and statuses). */
function cloneOrders(orders: Order[]): Order[] {
  return orders.map((o) => ({ ...o, id: o.id.replace(/^a-/, 'c-'), memberId: 'c' }));
}

const changeArb = (tz: string, start: string, shift: number) =>
  fc.record({
    at: nearArb(tz, start, 0, 540),
    // Lowered thresholds late, when the windows at T have lost the evidence that earned a level:
    // the move up then stands on the evidence as of evidenceAt.
    lateAt: nearArb(tz, start, 430, 540),
    mutation: fc.constantFrom<Mutation>('random', 'random', 'disable', 'disable', 'remove', 'lower', 'lower', 'lower', 'unused_tag'),
    random: programArb().map((p) => densify(p, start, shift)),
    pick: fc.nat(),
    existingMembers: fc.constantFrom<ExistingMembers>('recalculate', 'recalculate', 'upgrade_only', 'keep'),
  });

export const caseArb: fc.Arbitrary<Case> = fc
  .tuple(programArb(), fc.constantFrom(...START), fc.integer({ min: 0, max: 120 }))
  .map(([program, start, shift]) => [densify(program, start, shift), start, shift] as const)
  .chain(([program, start, shift]) => {
    const tz = program.timezone;
    const inZone = (p: ProgramSample): ProgramSample => {
      const document = { ...p.document, metadata: program.document.metadata };
      return { ...p, document, rules: compileRules(document) };
    };
    return fc
      .record({
        members: fc.tuple(...OWN.map((id) => memberArb(id))),
        orders: fc.tuple(...OWN.map((id) => denseOrdersArb(id, tz, start))),
        times: fc.array(nearArb(tz, start, 0, 540), { minLength: 4, maxLength: 14 }),
        changes: fc.array(changeArb(tz, start, shift), { minLength: 1, maxLength: 3 }),
        // A tier disabled, then removed by the next version (relegation then removal).
        relegateThenRemove: fc.boolean(),
        // Where the refunds are imported: anywhere, or right after the first rule change (-1).
        refundsAt: fc.oneof(fc.constant(-1), fc.nat()),
        last: changeArb(tz, start, shift),
        // Manual adjustments (§3.10) of members other than a and c (who must keep the same history).
        manuals: fc.array(
          fc.record({
            at: nearArb(tz, start, 0, 540),
            member: fc.constantFrom(...OWN.filter((id) => id !== 'a')),
            pick: fc.nat(),
            untilDays: fc.option(fc.integer({ min: 1, max: 200 })),
          }),
          { maxLength: 2 },
        ),
      })
      .chain(({ members, orders, times, changes, relegateThenRemove, refundsAt, last, manuals }) => {
        const ab = orders.flat().map((o, i) => ({ ...o, importSeq: i + 1 }));
        const clones = cloneOrders(ab.filter((o) => o.memberId === 'a')).map((o, i) => ({ ...o, importSeq: ab.length + i + 1 }));
        return refundsArb(ab, ab.length + clones.length).map((refundedAB): Case => {
          // c's refunds mirror a's (imported later than c's orders), so the two keep the same orders.
          const refundedC = clones.map((o) => {
            const i = ab.findIndex((x) => x.id === o.id.replace(/^c-/, 'a-'));
            const ra = refundedAB[i]!;
            return ra === ab[i] ? o : { ...ra, id: o.id, memberId: 'c', importSeq: ra.importSeq + 1000 };
          });
          let current = program;
          const timed: { at: Date; event: Event }[] = [
            ...[...new Set(times.map((t) => t.getTime()))].map((t) => ({ at: new Date(t), event: { kind: 'evaluate', at: new Date(t) } as Event })),
          ];
          const sortedChanges = changes.map((ch) => (ch.mutation === 'lower' ? { ...ch, at: ch.lateAt } : ch)).sort((x, y) => x.at.getTime() - y.at.getTime());
          if (relegateThenRemove) {
            sortedChanges[0] = { ...sortedChanges[0]!, mutation: 'disable', existingMembers: 'recalculate' };
            const next = sortedChanges[1] ?? { ...sortedChanges[0]!, at: new Date(sortedChanges[0]!.at.getTime() + 86_400_000) };
            sortedChanges[1] = { ...next, mutation: 'remove' };
          }
          for (const ch of sortedChanges) {
            current = inZone(mutate(current, ch.mutation, inZone(ch.random), ch.pick));
            // A rule change an instant after the evaluations of its instant.
            const at = new Date(ch.at.getTime() + 1);
            timed.push({ at, event: { kind: 'change', at, program: current, existingMembers: ch.existingMembers, mutation: ch.mutation } });
          }
          for (const m of manuals) timed.push({ at: m.at, event: { kind: 'manual', ...m } });
          timed.sort((x, y) => x.at.getTime() - y.at.getTime());
          const events = timed.map((t) => t.event);
          const afterChange = events.findIndex((e) => e.kind === 'change') + 1;
          events.splice(refundsAt < 0 ? afterChange : refundsAt % (events.length + 1), 0, { kind: 'refunds' });
          const end = new Date(Math.max(...timed.map((t) => t.at.getTime())) + 3_600_000);
          const final = inZone(mutate(current, last.mutation, inZone(last.random), last.pick));
          const finalLevels = final.document.spec.levels!;
          const equivalent = withLevels(final, { ...finalLevels, upgrade: { ...finalLevels.upgrade, exclude: [...(finalLevels.upgrade?.exclude ?? []), 'not_on_any_order'] } });
          return {
            program,
            members: [members[0]!, members[1]!, { ...members[0]!, memberId: 'c' }, ...members.slice(2)],
            orders: [...ab, ...clones],
            refunded: [...refundedAB, ...refundedC],
            events,
            last: { at: end, program: final, equivalent },
          };
        });
      });
  });

/** How often each transition, grant and v1.1 situation occurred in the compared cases. */
export const seen: Record<string, number> = {};
const see = (key: string): void => void (seen[key] = (seen[key] ?? 0) + 1);

/** What the model's evaluation did, by reason and by the rules in force. */
function tallyEvaluation(before: MemberState, after: MemberState, orders: readonly Order[], t: Date, rules: LevelRules): void {
  if (pinnedAt(before, t) && rules.active) see('a pinned member left alone');
  for (const h of after.history.slice(before.history.length)) {
    see(h.reason);
    if (h.reason === 'extend') see(rules.downgrade.extend !== null ? 'extend with retention' : 'extend without retention');
    if (h.reason === 'expire') see(rules.downgrade.extend !== null ? 'fall with retention' : 'fall without retention');
    if (rules.restartOnMove && before.anchorAt !== null && h.reason !== 'extend') see('a move under restartOnMove after an earlier one');
    const tier = rules.tiers.find((x) => x.id === h.to);
    if (h.reason === 'upgrade' && tier !== undefined && tier.window !== rules.window) see('upgrade in a tier window');
    if (h.reason === 'refund' && before.history.some((x) => x.reason === 'rule_change')) see('refund after a rule change');
  }
  const mine = orders.filter((o) => o.memberId === before.memberId);
  const window = windowFor(before, t, rules);
  if (rules.basis === 'single_order' && mine.some((o) => before.consumedOrders.includes(o.id) && o.status === 'paid' && inInterval(o.paidAt, window))) {
    see('a consumed order in the window, left out of moving up');
  }
  // Decision 3: spend before the member's last fall would move them up, and is left out.
  if (before.fellAt !== null && rules.downgrade.mode !== 'recompute' && after.history.length === before.history.length) {
    const all = qualified({ memberId: before.memberId, anchorAt: before.anchorAt }, mine, t, rules, new Set(before.consumedOrders));
    if ((all?.rank ?? -1) > rankOf(rules, before.tier)) see('spend before a fall left out of moving up');
  }
  // Recompute: a consumed order holding the member's tier that it could not have moved them up to.
  if (rules.downgrade.mode === 'recompute' && rules.basis === 'single_order' && before.tier !== null && after.tier === before.tier) {
    const current = rankOf(rules, before.tier);
    const free = qualified(before, orders.filter((o) => o.memberId === before.memberId), t, rules, new Set(before.consumedOrders));
    if ((free?.rank ?? -1) < current && requalifiedTier(before, orders.filter((o) => o.memberId === before.memberId), t, rules, current)?.rank === current) {
      see('consumed order holds the tier');
    }
  }
  for (const g of after.grants.slice(before.grants.length)) see(g.type);
}

function tallyChange(before: MemberState, after: MemberState, rules: LevelRules, previous: Event | undefined): void {
  const last = before.history.at(-1);
  if (previous?.kind === 'change' && previous.mutation === 'disable' && last?.reason === 'rule_change' && last.from !== null && !rules.tiers.some((t) => t.id === last.from)) {
    see('relegation then removal');
  }
  const h = after.history.slice(before.history.length)[0];
  if (h === undefined) return;
  see('rule_change');
  if (before.history.some((x) => x.reason === 'rule_change')) see('rule change after a rule change');
  const held = rules.tiers.find((t) => t.id === before.tier);
  if (before.tier !== null && held === undefined) see('moved out of a removed tier');
  if (held !== undefined && !held.enabled) see('relegated out of a disabled tier');
  const to = rules.tiers.find((t) => t.id === after.tier)?.rank ?? -1;
  const up = before.tier === null ? to >= 0 : held !== undefined && to > held.rank;
  if (!up && after.evidenceAt !== null && after.evidenceAt < h.at) see('move down keeps evidenceAt');
  if (up && after.evidenceAt !== null && after.evidenceAt < h.at) see('move up on the evidence as of evidenceAt');
  for (const g of after.grants.slice(before.grants.length)) see(g.type);
}

/**
 * A manual event's move under the rules in force: a tier picked among the enabled ones or basic,
 * pinned `untilDays` local days ahead (always pinned under recompute, which needs it). Null when
 * the program is inactive (the command refuses).
 */
export function manualOf(e: Extract<Event, { kind: 'manual' }>, rules: LevelRules): ManualMove | null {
  if (!rules.active) return null;
  const enabled = rules.tiers.filter((t) => t.enabled);
  const tier = enabled[e.pick % (enabled.length + 1)] ?? null;
  const days = e.untilDays ?? (rules.downgrade.mode === 'recompute' ? 30 : null);
  const pinnedUntil = days === null ? null : localMidnight(addDays(localDateOf(e.at, rules.timezone), days), rules.timezone);
  return { tier, pinnedUntil, grants: true };
}

/**
 * The timeline through the reference model alone, counting what happened in `seen`: the
 * coverage check runs it over many more cases than the engine comparison can afford.
 */
export function simulateTimeline(c: Case): void {
  let states = c.members;
  let orders = c.orders;
  let rules = c.program.rules;
  let version = 1;
  // The last rule change before the current event (relegation then removal is counted on it).
  let previous: Event | undefined;
  for (const e of c.events) {
    if (e.kind === 'evaluate') {
      const next = states.map((s) => evaluateMember(s, orders, e.at, rules, version));
      states.forEach((s, i) => tallyEvaluation(s, next[i]!, orders, e.at, rules));
      states = next;
    } else if (e.kind === 'refunds') {
      orders = c.refunded;
    } else if (e.kind === 'manual') {
      const m = manualOf(e, rules);
      if (m === null) continue;
      const i = MEMBERS.indexOf(e.member);
      states = states.map((s, j) => (j === i ? setTierManually(s, m, e.at, rules, version) : s));
      see('manual');
    } else {
      version += 1;
      const next = states.map((s) => recalculateMember(s, orders, e.at, e.program.rules, version, e.existingMembers));
      states.forEach((s, i) => tallyChange(s, next[i]!, e.program.rules, previous));
      states = next;
      rules = e.program.rules;
      previous = e;
    }
  }
}

interface Run {
  states: MemberState[];
  version: number;
}

/** The timeline through the model and the engine side by side, comparing after every rule change and at the end. */
export async function runTimeline(db: Queryable, merchant: string, c: Case): Promise<Run> {
  let states = c.members;
  let orders = c.orders;
  let rules = c.program.rules;
  let version = 1;
  await addMerchant(db, merchant, new Date('2020-01-01T00:00:00Z'));
  await addVersion(db, merchant, 1, c.program.document, 'active', new Date('2020-01-01T00:00:00Z'));
  await addMembers(db, merchant, c.members);
  await upsertOrders(db, merchant, c.orders);
  for (const e of c.events) {
    if (e.kind === 'evaluate') {
      states = states.map((s) => evaluateMember(s, orders, e.at, rules, version));
      await evaluateInline(db, merchant, e.at);
    } else if (e.kind === 'refunds') {
      orders = c.refunded;
      await upsertOrders(db, merchant, c.refunded);
    } else if (e.kind === 'manual') {
      const m = manualOf(e, rules);
      if (m === null) continue;
      const i = MEMBERS.indexOf(e.member);
      const until = m.pinnedUntil === null ? {} : { until: localDateOf(new Date(m.pinnedUntil.getTime()), rules.timezone) };
      states[i] = await setTierBoth(db, merchant, states[i]!, m.tier?.id ?? null, e.at, rules, version, until);
    } else {
      version += 1;
      states = await change(db, merchant, states, orders, e.program, e.at, e.existingMembers, version);
      rules = e.program.rules;
    }
  }
  await compare(db, merchant, states, 'after the timeline');
  return { states, version };
}

export async function change(
  db: Queryable,
  merchant: string,
  states: MemberState[],
  orders: Order[],
  program: ProgramSample,
  at: Date,
  existingMembers: ExistingMembers,
  version: number,
): Promise<MemberState[]> {
  const next = states.map((s) => recalculateMember(s, orders, at, program.rules, version, existingMembers));
  const tally = (list: MemberState[]): Record<string, number> =>
    list.reduce<Record<string, number>>((acc, s) => ({ ...acc, [s.tier ?? 'basic']: (acc[s.tier ?? 'basic'] ?? 0) + 1 }), {});
  const impact = await recalculationImpact(db, merchant, program.rules, at, existingMembers);
  expect({ before: impact.before, after: impact.after }, `impact of version ${version}`).toEqual({ before: tally(states), after: tally(next) });
  const doc = { ...program.document, spec: { ...program.document.spec, effective: { existingMembers } } };
  await addVersion(db, merchant, version, doc, 'active', at);
  await recalculateInline(db, merchant, version, at, existingMembers);
  await compare(db, merchant, next, `after version ${version}`);
  return next;
}

export async function compare(db: Queryable, merchant: string, states: MemberState[], when: string): Promise<Standing[]> {
  const engine = await readStandings(db, merchant, MEMBERS);
  for (const [i, id] of MEMBERS.entries()) expect(engine[i], `${when}, member ${id}`).toEqual(standingOf(states[i]!));
  return engine;
}

