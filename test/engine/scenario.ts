/**
 * One merchant driven through the set-based engine and the reference model side by side: every
 * read checks that the two agree before returning the engine's standing. Test files call
 * Scenario.use(ctx) with their database (withTestDb).
 */
import { expect } from 'vitest';
import { evaluateInline, recalculateInline, recalculationImpact } from '../../src/engine/index.js';
import {
  compileRules,
  evaluateMember,
  recalculateMember,
  type ExistingMembers,
  type LevelRules,
  type LevelsSection,
  type MemberState,
  type Order,
  type ProgramDocument,
} from '../../src/rules/index.js';
import type { Db } from '../../src/store/db.js';
import { at, member } from '../semantics/helpers.js';
import { addMembers, addMerchant, addVersion, readConsumed, readStanding, setTierBoth, standingOf, upsertOrders, type Standing } from './harness.js';

let ctx: { db: Db } | null = null;
const db = (): Db => {
  if (ctx === null) throw new Error('Scenario.use(ctx) first');
  return ctx.db;
};

let merchants = 0;
let reimports = 1_000_000;

/** A processing order later than every order imported so far. */
export function nextImportSeq(): number {
  reimports += 1;
  return reimports;
}

/** A later import of an order (refund, cancellation): same id, a later processing order. */
export function reimport(o: Order, change: Partial<Order>): Order {
  reimports += 1;
  return { ...o, ...change, importSeq: reimports };
}

export interface ProgramOptions {
  timezone?: string;
  type?: string;
  enabled?: boolean;
}

export function documentOf(levels: LevelsSection, options: ProgramOptions = {}): ProgramDocument {
  return {
    metadata: { timezone: options.timezone ?? 'UTC', currency: 'USD' },
    spec: { type: options.type ?? 'levels', enabled: options.enabled ?? true, levels },
  };
}

/** An instant as the ISO text readStanding returns: a local midnight (YYYY-MM-DD) in `tz`, or a timestamp. */
export const iso = (text: string, tz = 'UTC'): string => at(text, tz).toISOString();

/**
 * One merchant, driven through the engine and the reference model side by side. Every read
 * checks that the two agree before returning the engine's standing.
 */
export class Scenario {
  static use(context: { db: Db }): void {
    ctx = context;
  }

  private version = 1;
  private rules: LevelRules;
  private readonly states = new Map<string, MemberState>();
  private orders: Order[];
  readonly merchant = `r${++merchants}`;

  private constructor(private readonly document: ProgramDocument, members: MemberState[], orders: Order[]) {
    this.rules = compileRules(document);
    for (const m of members) this.states.set(m.memberId, m);
    this.orders = [...orders];
  }

  static async start(
    levels: LevelsSection,
    members: (string | MemberState)[],
    orders: Order[],
    options: ProgramOptions = {},
  ): Promise<Scenario> {
    const s = new Scenario(
      documentOf(levels, options),
      members.map((m) => (typeof m === 'string' ? member(m) : m)),
      orders,
    );
    await db().transaction(async (tx) => {
      await addMerchant(tx, s.merchant, new Date('2020-01-01T00:00:00Z'));
      await addVersion(tx, s.merchant, 1, s.document, 'active', new Date('2020-01-01T00:00:00Z'));
      await addMembers(tx, s.merchant, [...s.states.values()]);
      await upsertOrders(tx, s.merchant, s.orders);
    });
    return s;
  }

  /** A daily evaluation at each instant in turn. */
  async evaluate(...instants: Date[]): Promise<this> {
    for (const t of instants) {
      await evaluateInline(db(), this.merchant, t);
      for (const [id, s] of this.states) this.states.set(id, evaluateMember(s, this.orders, t, this.rules, this.version));
    }
    return this;
  }

  /** A manual adjustment (§3.10) at t, in the engine and the model. */
  async setTier(id: string, tier: string | null, t: Date, options: { until?: string; grants?: boolean } = {}): Promise<this> {
    const next = await setTierBoth(db(), this.merchant, this.states.get(id)!, tier, t, this.rules, this.version, options);
    this.states.set(id, next);
    return this;
  }

  /** Imports orders (new ones, or later imports of existing ids). */
  async importOrders(orders: Order[]): Promise<this> {
    await upsertOrders(db(), this.merchant, orders);
    for (const o of orders) {
      const i = this.orders.findIndex((x) => x.id === o.id);
      if (i >= 0) this.orders[i] = o;
      else this.orders.push(o);
    }
    return this;
  }

  /** A new active version that is not a rule change (benefits, names): no recalculation. */
  async activate(levels: LevelsSection, at: Date, options: ProgramOptions = {}): Promise<this> {
    this.version += 1;
    const doc = documentOf(levels, { timezone: this.rules.timezone, ...options });
    await addVersion(db(), this.merchant, this.version, doc, 'active', at);
    this.rules = compileRules(doc);
    return this;
  }

  /**
   * A rule change taking effect at T (§3.5): the impact (dry run) first, checked against the
   * model and returned, then the recalculation itself.
   */
  async recalculate(
    levels: LevelsSection,
    T: Date,
    existingMembers: ExistingMembers = 'recalculate',
  ): Promise<{ before: Record<string, number>; after: Record<string, number> }> {
    const doc = documentOf(levels, { timezone: this.rules.timezone });
    const rules = compileRules(doc);
    const next = new Map<string, MemberState>();
    for (const [id, s] of this.states) next.set(id, recalculateMember(s, this.orders, T, rules, this.version + 1, existingMembers));
    const tally = (states: Iterable<MemberState>): Record<string, number> => {
      const out: Record<string, number> = {};
      for (const s of states) out[s.tier ?? 'basic'] = (out[s.tier ?? 'basic'] ?? 0) + 1;
      return out;
    };
    const impact = await recalculationImpact(db(), this.merchant, rules, T, existingMembers);
    expect({ before: impact.before, after: impact.after }, 'impact: engine vs model').toEqual({
      before: tally(this.states.values()),
      after: tally(next.values()),
    });
    this.version += 1;
    await addVersion(db(), this.merchant, this.version, doc, 'active', T);
    await recalculateInline(db(), this.merchant, this.version, T, existingMembers);
    this.rules = rules;
    for (const [id, s] of next) this.states.set(id, s);
    return { before: impact.before, after: impact.after };
  }

  /** The engine's standing of a member, after checking the model has the same. */
  async standing(id: string): Promise<Standing> {
    const engine = await readStanding(db(), this.merchant, id);
    expect(engine, `member ${id}: engine (received) vs reference model (expected)`).toEqual(standingOf(this.states.get(id)!));
    return engine;
  }

  async tier(id: string): Promise<string | null> {
    return (await this.standing(id)).tier;
  }

  /** Orders consumed by upgrades, in the engine; checked against the model. */
  async consumed(id: string): Promise<string[]> {
    const engine = await readConsumed(db(), this.merchant, id);
    expect(engine, `consumed orders of ${id}`).toEqual([...this.states.get(id)!.consumedOrders].sort());
    return engine;
  }
}
