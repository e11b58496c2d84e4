/**
 * Timelines for comparing the engine with the reference model under upgrade by points (v1.1
 * §3.2): random programs turned into points programs (every window, tier windows, restartOnMove,
 * modes, retention by points), members with points ledgers (earned and redeemed, some imported
 * late with instants in the past) and orders, evaluated day after day with rule changes in
 * between that switch from amount to points and back, disable a tier or lower the thresholds.
 * Member c has a's orders and entries: same evidence, same history, same fate.
 */
import { expect } from 'vitest';
import fc from 'fast-check';
import type { Queryable } from '../../src/store/db.js';
import { evaluateInline, recalculateInline, recalculationImpact } from '../../src/engine/index.js';
import {
  compileRules,
  evaluateMember,
  recalculateMember,
  type ExistingMembers,
  type LevelsSection,
  type MemberState,
  type Order,
  type PointsEntry,
} from '../../src/rules/index.js';
import { memberArb, ordersArb, programArb, type ProgramSample } from '../semantics/arbitraries.js';
import { addDays, localMidnight } from '../../src/model/localDate.js';
import { addMembers, addMerchant, addVersion, readStandings, standingOf, upsertOrders } from './harness.js';

export const MEMBERS = ['a', 'b', 'c', 'd', 'e', 'f'];
const OWN = MEMBERS.filter((id) => id !== 'c');
const START = ['2023-01-31', '2024-02-29', '2024-03-10', '2024-12-31'];

type Event =
  | { kind: 'evaluate'; at: Date }
  | { kind: 'late points' }
  | { kind: 'change'; at: Date; program: ProgramSample; existingMembers: ExistingMembers; switched: boolean };

export interface PointsCase {
  program: ProgramSample;
  members: MemberState[];
  orders: Order[];
  points: PointsEntry[];
  /** Entries imported in the middle of the timeline (a later import), instants anywhere. */
  late: PointsEntry[];
  events: Event[];
}

function nearArb(tz: string, start: string, fromDay: number, toDay: number): fc.Arbitrary<Date> {
  return fc.tuple(fc.integer({ min: fromDay, max: toDay }), fc.integer({ min: 0, max: 86_399 }), fc.boolean()).map(([day, second, midnight]) => {
    const d = addDays(start, day);
    const begin = localMidnight(d, tz).getTime();
    const end = localMidnight(addDays(d, 1), tz).getTime();
    return new Date(midnight ? begin : Math.min(begin + second * 1000, end - 1000));
  });
}

type Levels = LevelsSection & { upgrade?: Record<string, unknown>; downgrade?: Record<string, unknown> };
type Tier = Levels['tiers'][number] & { threshold?: { amount?: number; orders?: number }; retain?: unknown };

function withLevels(program: ProgramSample, levels: LevelsSection): ProgramSample {
  const document = { ...program.document, spec: { ...program.document.spec, levels } };
  return { ...program, document, rules: compileRules(document) };
}

/**
 * The same program measured by points (what validation accepts): each threshold becomes
 * points = amount + 100 × orders (so tiers still climb strictly), retain 80 % of it, no
 * retention basis. Dates move next to the histories as in ./timeline.ts.
 */
export function toPoints(program: ProgramSample): ProgramSample {
  const levels = program.document.spec.levels as Levels;
  const downgrade = { ...levels.downgrade };
  if (downgrade.retention !== undefined) downgrade.retention = { extend: (downgrade.retention as { extend: unknown }).extend };
  const tiers = (levels.tiers as Tier[]).map((t) => {
    const points = (t.threshold?.amount ?? 0) + 100 * (t.threshold?.orders ?? 0);
    return { ...t, threshold: { points }, ...(t.retain !== undefined ? { retain: { points: Math.floor(points * 0.8) } } : {}) };
  });
  return withLevels(program, { ...levels, upgrade: { ...levels.upgrade, basis: 'points' }, downgrade, tiers } as LevelsSection);
}

function densify(program: ProgramSample, start: string): ProgramSample {
  const levels = program.document.spec.levels as Levels;
  const near = (w: unknown): unknown => ((w as { fixed?: unknown } | undefined)?.fixed ? { fixed: { from: addDays(start, -60), to: addDays(start, 240) } } : w);
  return withLevels(program, {
    ...levels,
    ...(levels.activeFrom !== undefined ? { activeFrom: addDays(start, -90) } : {}),
    upgrade: { ...levels.upgrade, ...(levels.upgrade?.window !== undefined ? { window: near(levels.upgrade.window) } : {}) },
    tiers: levels.tiers.map((t) => ((t as { window?: unknown }).window !== undefined ? { ...t, window: near((t as { window?: unknown }).window) } : t)),
  } as LevelsSection);
}

/** Every threshold of a points program halved (a rule change that moves members up). */
function lowered(program: ProgramSample): ProgramSample {
  const levels = program.document.spec.levels as Levels;
  return withLevels(program, { ...levels, tiers: (levels.tiers as Tier[]).map((t) => ({ ...t, threshold: { points: Math.floor(((t.threshold as { points: number }).points ?? 0) / 2) + 0 } })) } as LevelsSection);
}

function entriesArb(memberId: string, tz: string, start: string, prefix: string): fc.Arbitrary<PointsEntry[]> {
  const one = fc.record({
    at: nearArb(tz, start, -120, 420),
    points: fc.oneof(fc.integer({ min: 1, max: 1500 }), fc.integer({ min: -400, max: -1 }), fc.constantFrom(0, 100, 500, 800)),
  });
  return fc.array(one, { maxLength: 10 }).map((rows) => rows.map((r, i) => ({ id: `${memberId}-${prefix}${i + 1}`, memberId, points: r.points, at: r.at, importSeq: 0 })));
}

const twin = <T extends { id: string; memberId: string }>(rows: T[]): T[] => rows.filter((r) => r.memberId === 'a').map((r) => ({ ...r, id: r.id.replace(/^a-/, 'c-'), memberId: 'c' }));

const changeArb = (tz: string, start: string) =>
  fc.record({
    at: nearArb(tz, start, 0, 540),
    to: fc.constantFrom('points', 'points', 'amount', 'lower', 'disable'),
    random: programArb().map((p) => densify(p, start)),
    pick: fc.nat(),
    existingMembers: fc.constantFrom<ExistingMembers>('recalculate', 'recalculate', 'upgrade_only', 'keep'),
  });

export const pointsCaseArb: fc.Arbitrary<PointsCase> = fc
  .tuple(programArb(), fc.constantFrom(...START), fc.boolean())
  .chain(([raw, start, startByPoints]) => {
    const tz = raw.timezone;
    const inZone = (p: ProgramSample): ProgramSample => {
      const document = { ...p.document, metadata: raw.document.metadata };
      return { ...p, document, rules: compileRules(document) };
    };
    const program = inZone(startByPoints ? toPoints(densify(raw, start)) : densify(raw, start));
    return fc
      .record({
        members: fc.tuple(...OWN.map((id) => memberArb(id))),
        orders: fc.tuple(...OWN.map((id) => ordersArb(id, tz, 8, { paidAt: nearArb(tz, start, -120, 420), amount: fc.integer({ min: 0, max: 120_000 }) }))),
        points: fc.tuple(...OWN.map((id) => entriesArb(id, tz, start, 'p'))),
        late: fc.tuple(...OWN.map((id) => entriesArb(id, tz, start, 'l'))),
        times: fc.array(nearArb(tz, start, 0, 540), { minLength: 4, maxLength: 12 }),
        changes: fc.array(changeArb(tz, start), { minLength: 1, maxLength: 3 }),
        lateAt: fc.nat(),
      })
      .map(({ members, orders, points, late, times, changes, lateAt }): PointsCase => {
        const ab = orders.flat();
        const allOrders = [...ab, ...twin(ab)].map((o, i) => ({ ...o, importSeq: i + 1 }));
        let seq = allOrders.length;
        const firstPoints = [...points.flat(), ...twin(points.flat())].map((e) => ({ ...e, importSeq: ++seq }));
        const latePoints = [...late.flat(), ...twin(late.flat())].map((e) => ({ ...e, importSeq: ++seq }));
        let current = program;
        const timed: { at: Date; event: Event }[] = [...new Set(times.map((t) => t.getTime()))].map((t) => ({ at: new Date(t), event: { kind: 'evaluate', at: new Date(t) } }));
        for (const ch of [...changes].sort((x, y) => x.at.getTime() - y.at.getTime())) {
          const byPoints = current.rules.basis === 'points';
          const levels = current.document.spec.levels as Levels;
          let next: ProgramSample;
          if (ch.to === 'points') next = toPoints(ch.random);
          else if (ch.to === 'amount') next = ch.random;
          else if (ch.to === 'lower' && byPoints) next = lowered(current);
          else {
            const enabled = levels.tiers.filter((t) => t.enabled !== false);
            const off = enabled.length > 0 ? enabled[ch.pick % enabled.length]!.id : null;
            next = withLevels(current, { ...levels, tiers: levels.tiers.map((t) => (t.id === off ? { ...t, enabled: false } : t)) });
          }
          next = inZone(next);
          const at = new Date(ch.at.getTime() + 1);
          timed.push({ at, event: { kind: 'change', at, program: next, existingMembers: ch.existingMembers, switched: next.rules.basis !== current.rules.basis } });
          current = next;
        }
        timed.sort((x, y) => x.at.getTime() - y.at.getTime());
        const events = timed.map((t) => t.event);
        events.splice(lateAt % (events.length + 1), 0, { kind: 'late points' });
        return {
          program,
          members: [members[0]!, members[1]!, { ...members[0]!, memberId: 'c' }, ...members.slice(2)],
          orders: allOrders,
          points: firstPoints,
          late: latePoints,
          events,
        };
      });
  });

/** How often each situation occurred in the cases (the generator's coverage). */
export const seen: Record<string, number> = {};
const see = (key: string): void => void (seen[key] = (seen[key] ?? 0) + 1);

function tally(before: MemberState, after: MemberState, e: Event, points: readonly PointsEntry[], inForce: string): void {
  for (const h of after.history.slice(before.history.length)) {
    const basis = e.kind === 'change' ? e.program.rules.basis : inForce;
    see(`${h.reason} by ${basis}`);
    if (e.kind === 'change' && e.switched) see(`a move when switching to ${basis}`);
    if (h.reason === 'upgrade' && points.some((p) => p.memberId === before.memberId && p.points < 0 && p.at < h.at)) see('an upgrade with a redemption before it');
  }
  for (const g of after.grants.slice(before.grants.length)) see(`${g.type} by ${e.kind === 'change' ? e.program.rules.basis : inForce}`);
}

export async function insertPoints(db: Queryable, merchant: string, entries: readonly PointsEntry[]): Promise<void> {
  for (const e of entries) {
    await db.query('INSERT INTO points_ledger (merchant_id, entry_id, member_id, points, at, import_seq) VALUES ($1, $2, $3, $4, $5, $6)', [
      merchant,
      e.id,
      e.memberId,
      e.points,
      e.at,
      e.importSeq,
    ]);
  }
}

const tallyTiers = (list: MemberState[]): Record<string, number> =>
  list.reduce<Record<string, number>>((acc, s) => ({ ...acc, [s.tier ?? 'basic']: (acc[s.tier ?? 'basic'] ?? 0) + 1 }), {});

/**
 * The timeline through the model alone (`db` null: counting coverage) or through the model and
 * the engine side by side, comparing standings and impact after every rule change and at the end.
 */
export async function runPointsTimeline(db: Queryable | null, merchant: string, c: PointsCase): Promise<MemberState[]> {
  let states = c.members;
  let rules = c.program.rules;
  let points = c.points;
  let version = 1;
  if (db) {
    await addMerchant(db, merchant, new Date('2020-01-01T00:00:00Z'));
    await addVersion(db, merchant, 1, c.program.document, 'active', new Date('2020-01-01T00:00:00Z'));
    await addMembers(db, merchant, c.members);
    await upsertOrders(db, merchant, c.orders);
    await insertPoints(db, merchant, c.points);
  }
  for (const e of c.events) {
    let next = states;
    if (e.kind === 'evaluate') {
      next = states.map((s) => evaluateMember(s, c.orders, e.at, rules, version, points));
      if (db) await evaluateInline(db, merchant, e.at);
    } else if (e.kind === 'late points') {
      points = [...points, ...c.late];
      if (db) await insertPoints(db, merchant, c.late);
    } else {
      version += 1;
      next = states.map((s) => recalculateMember(s, c.orders, e.at, e.program.rules, version, e.existingMembers, points));
      if (db) {
        const impact = await recalculationImpact(db, merchant, e.program.rules, e.at, e.existingMembers);
        expect({ before: impact.before, after: impact.after }, `impact of version ${version}`).toEqual({ before: tallyTiers(states), after: tallyTiers(next) });
        const doc = { ...e.program.document, spec: { ...e.program.document.spec, effective: { existingMembers: e.existingMembers } } };
        await addVersion(db, merchant, version, doc, 'active', e.at);
        await recalculateInline(db, merchant, version, e.at, e.existingMembers);
        await compare(db, merchant, next, `after version ${version} (${e.program.rules.basis})`);
      }
      rules = e.program.rules;
    }
    states.forEach((s, i) => tally(s, next[i]!, e, points, rules.basis));
    states = next;
  }
  if (db) await compare(db, merchant, states, 'after the timeline');
  return states;
}

async function compare(db: Queryable, merchant: string, states: MemberState[], when: string): Promise<void> {
  const engine = await readStandings(db, merchant, MEMBERS);
  for (const [i, id] of MEMBERS.entries()) expect(engine[i], `${when}, member ${id}`).toEqual(standingOf(states[i]!));
}
