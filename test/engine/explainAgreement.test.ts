/**
 * `members explain` agrees with the SQL engine: on the generated timelines of ./timeline.ts
 * (evaluations, refunds, rule changes), before every daily evaluation each member is explained
 * at that instant from the live state, and the verdict — would move to X (and why), would be
 * extended, would fall at expiry, would stay — must be exactly what the engine's evaluation at
 * that instant then does. The same on the points timelines of ./pointsTimeline.ts (upgrade by
 * points, redemptions, late entries, switches between amount and points), where the entries
 * explain lists as counted must add up to the points figures it shows.
 * TIERFORM_PROPERTY_RUNS raises the number of cases.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { withTestDb } from '../helpers/db.js';
import { evaluateInline, recalculateInline } from '../../src/engine/index.js';
import { explainMemberNow } from '../../src/members/explain.js';
import type { ExplainView } from '../../src/members/explainView.js';
import { caseArb, manualOf, MEMBERS, type Case } from './timeline.js';
import { insertPoints, pointsCaseArb, MEMBERS as POINTS_MEMBERS, type PointsCase } from './pointsTimeline.js';
import { setMemberTiers } from '../../src/members/setTier.js';
import { localDateOf } from '../../src/model/localDate.js';
import { addMembers, addMerchant, addVersion, readStandings, upsertOrders } from './harness.js';
import type { Queryable } from '../../src/store/db.js';
import { compileRules, type LevelsSection, type ProgramDocument } from '../../src/rules/index.js';

const RUNS = Number(process.env.TIERFORM_PROPERTY_RUNS ?? 15);
const SEED = Number(process.env.TIERFORM_PROPERTY_SEED ?? 20261130);

const ctx = withTestDb();
let caseNo = 0;
/** Verdicts compared, by kind of move (`stay`, `upgrade`, `extend`, …), so the test cannot pass vacuously. */
const compared: Record<string, number> = {};

/** Returns whether any member moved, so the caller can ask again right after the move. */
async function explainThenEvaluate(db: Queryable, merchant: string, at: Date, members: readonly string[] = MEMBERS): Promise<boolean> {
  const views: ExplainView[] = [];
  for (const id of members) views.push((await explainMemberNow(db, merchant, id, at)).view);
  const before = await readStandings(db, merchant, [...members]);
  await evaluateInline(db, merchant, at);
  const after = await readStandings(db, merchant, [...members]);
  let moved = false;
  members.forEach((id, i) => {
    const did = after[i]!.history.slice(before[i]!.history.length).map((h) => ({ from: h.from, to: h.to, reason: h.reason }));
    const { verdict: v, tiers, standing } = views[i]!;
    expect({ tier: v.tier, moves: v.moves }, `member ${id} at ${at.toISOString()}: ${v.summary}`).toEqual({ tier: after[i]!.tier, moves: did });
    for (const kind of did.length === 0 ? [v.kind === 'pinned' ? 'pinned' : 'stay'] : did.map((m) => m.reason)) compared[kind] = (compared[kind] ?? 0) + 1;
    // The figures shown for moving up are the ones the evaluation read: when it moved nobody up
    // (and no pin held it), no enabled tier above the member's shows as met; when it moved them up,
    // the tier they reached does. After a fall, figures counting the spend before it would fail this.
    const rank = tiers.find((t) => t.tier === standing.tier)?.rank ?? (standing.tier === null ? -1 : Infinity);
    const aboveMet = tiers.filter((t) => t.enabled && t.rank > rank && t.met).map((t) => t.tier);
    if (v.kind === 'stay' || (v.kind === 'move' && v.moves[0]!.reason !== 'upgrade')) expect(aboveMet, `member ${id} at ${at.toISOString()}: figures`).toEqual([]);
    if (v.kind === 'move' && v.moves[0]!.reason === 'upgrade') expect(aboveMet, `member ${id} at ${at.toISOString()}: figures`).toContain(v.moves[0]!.to);
    if (standing.fellAt !== null) compared['after a fall'] = (compared['after a fall'] ?? 0) + 1;
    if (views[i]!.basis === 'points') checkPoints(views[i]!, did, `member ${id} at ${at.toISOString()}`);
    moved ||= did.length > 0;
  });
  return moved;
}

/**
 * Under basis points: the entries listed as counting in a window add up to the points figures of
 * that window's tiers, a redemption never counts, and no order is listed (orders are not measured).
 */
function checkPoints(v: ExplainView, did: { reason: string }[], where: string): void {
  expect(v.orders, `${where}: orders`).toEqual([]);
  for (const t of v.tiers) {
    if (t.window === null) continue;
    const sum = v.entries!.filter((x) => x.countsIn.includes(t.window!)).reduce((a, x) => a + x.points, 0);
    expect(t.figures.points, `${where}: ${t.tier}'s points against the entries counted`).toBe(sum);
  }
  for (const x of v.entries!) if (x.points <= 0) expect(x.reason, `${where}: entry ${x.entry}`).toBe('redemption');
  for (const kind of did.length === 0 ? ['stay'] : did.map((m) => m.reason)) compared[`${kind} by points`] = (compared[`${kind} by points`] ?? 0) + 1;
}

/** A points timeline: explained and evaluated at each evaluation, late entries and rule changes between. */
async function runPoints(db: Queryable, merchant: string, c: PointsCase): Promise<void> {
  await addMerchant(db, merchant, new Date('2020-01-01T00:00:00Z'));
  await addVersion(db, merchant, 1, c.program.document, 'active', new Date('2020-01-01T00:00:00Z'));
  await addMembers(db, merchant, c.members);
  await upsertOrders(db, merchant, c.orders);
  await insertPoints(db, merchant, c.points);
  let version = 1;
  for (const e of c.events) {
    if (e.kind === 'evaluate') {
      if (await explainThenEvaluate(db, merchant, e.at, POINTS_MEMBERS)) await explainThenEvaluate(db, merchant, new Date(e.at.getTime() + 1000), POINTS_MEMBERS);
    } else if (e.kind === 'late points') await insertPoints(db, merchant, c.late);
    else {
      version += 1;
      const doc = { ...e.program.document, spec: { ...e.program.document.spec, effective: { existingMembers: e.existingMembers } } };
      await addVersion(db, merchant, version, doc, 'active', e.at);
      await recalculateInline(db, merchant, version, e.at, e.existingMembers);
    }
  }
}

/**
 * Explains and evaluates at `at`, and when someone moved, a second later too: right after a fall
 * or a demotion the order that earned the lost tier is still in the window, and only its
 * consumed mark keeps it from moving the member straight back up.
 */
async function explainThenEvaluateTwice(db: Queryable, merchant: string, at: Date): Promise<void> {
  if (await explainThenEvaluate(db, merchant, at)) await explainThenEvaluate(db, merchant, new Date(at.getTime() + 1000));
}

async function refundTiered(db: Queryable, merchant: string): Promise<boolean> {
  const { rows } = await db.query(
    `UPDATE orders SET status = 'refunded', import_seq = import_seq + 100000
     WHERE merchant_id = $1 AND status = 'paid'
       AND member_id IN (SELECT member_id FROM members WHERE merchant_id = $1 AND tier_id IS NOT NULL)
     RETURNING order_id`,
    [merchant],
  );
  return rows.length > 0;
}

/** What the property forces on a generated program, so refund demotions and consumed orders are frequent. */
interface Forced {
  refunds: boolean;
  singleOrder: boolean;
}

function forced(document: ProgramDocument, f: Forced): ProgramDocument {
  const levels = document.spec.levels;
  if (levels === undefined) return document;
  const upgrade = f.singleOrder ? { ...levels.upgrade, basis: 'single_order' } : levels.upgrade;
  const next = { ...levels, upgrade, ...(f.refunds ? { refunds: 'recalculate' } : {}) } as LevelsSection;
  return { ...document, spec: { ...document.spec, levels: next } };
}

async function run(db: Queryable, merchant: string, c: Case, force: Forced): Promise<void> {
  await addMerchant(db, merchant, new Date('2020-01-01T00:00:00Z'));
  await addVersion(db, merchant, 1, forced(c.program.document, force), 'active', new Date('2020-01-01T00:00:00Z'));
  await addMembers(db, merchant, c.members);
  await upsertOrders(db, merchant, c.orders);
  let version = 1;
  let rules = compileRules(forced(c.program.document, force));
  let refundedAll = false;
  for (const e of c.events) {
    if (e.kind === 'evaluate') {
      await explainThenEvaluateTwice(db, merchant, e.at);
      // Once, as soon as refunds can demote: every order of the members who hold a tier refunded,
      // so the next verdicts include demotions re-derived as of evidenceAt.
      if (!refundedAll && rules.refunds === 'recalculate' && rules.downgrade.mode !== 'recompute') refundedAll = await refundTiered(db, merchant);
    } else if (e.kind === 'refunds') await upsertOrders(db, merchant, c.refunded);
    // Manual moves (the command's write path) bring pins, manual evidence and falls by hand.
    else if (e.kind === 'manual') {
      const m = manualOf(e, rules);
      if (m === null) continue;
      const until = m.pinnedUntil === null ? null : localDateOf(m.pinnedUntil, rules.timezone);
      await setMemberTiers(db, merchant, [{ member: e.member, tier: m.tier?.id ?? 'basic', reason: 'by hand', until }], e.at, 'tester', true);
    }
    else {
      const document = forced(e.program.document, force);
      rules = compileRules(document);
      version += 1;
      const doc = { ...document, spec: { ...document.spec, effective: { existingMembers: e.existingMembers } } };
      await addVersion(db, merchant, version, doc, 'active', e.at);
      await recalculateInline(db, merchant, version, e.at, e.existingMembers);
    }
  }
  // After the timeline, once more at its end (refunds not yet judged), then at the next expiries,
  // to the instant: extensions and falls, the verdicts that look furthest back.
  let at = c.last.at;
  await explainThenEvaluate(db, merchant, at);
  for (let round = 0; round < 3; round++) {
    const { rows } = await db.query<{ next: Date | null }>('SELECT min(expires_at) AS next FROM members WHERE merchant_id = $1 AND expires_at > $2', [merchant, at]);
    if (!rows[0]?.next) break;
    at = new Date(rows[0].next);
    await explainThenEvaluateTwice(db, merchant, at);
  }
}

describe('members explain agrees with the engine', () => {
  it('its verdict at an instant is what the evaluation at that instant does, for every member, on generated histories', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, fc.record({ refunds: fc.boolean(), singleOrder: fc.boolean() }), async (c, force) => {
        await run(ctx.db, `x${++caseNo}`, c, force);
      }),
      { numRuns: RUNS, seed: SEED },
    );
    for (const kind of ['stay', 'upgrade', 'extend', 'expire', 'refund', 'requalify', 'pinned', 'after a fall']) {
      expect(compared[kind] ?? 0, `${kind} verdicts compared: ${JSON.stringify(compared)}`).toBeGreaterThan(0);
    }
  }, RUNS * 8_000);

  it('under basis points too: the verdict is the evaluation, and the entries counted add up to the points shown', async () => {
    await fc.assert(
      fc.asyncProperty(pointsCaseArb, async (c) => {
        await runPoints(ctx.db, `p${++caseNo}`, c);
      }),
      { numRuns: RUNS, seed: SEED },
    );
    for (const kind of ['stay by points', 'upgrade by points']) {
      expect(compared[kind] ?? 0, `${kind} verdicts compared: ${JSON.stringify(compared)}`).toBeGreaterThan(0);
    }
  }, RUNS * 8_000);

  it('after a fall, the order that earned the lost tier cannot earn it again: explain and the engine keep the member basic', async () => {
    // single_order, silver from 100, valid 1 month. o1 (150) moves m to silver on 2026-01-05;
    // nothing is bought in the validity period, so m falls to basic at the expiry (2026-02-05);
    // o1 is still in the lifetime window a second later, but it was paid before the fall (and is consumed).
    const merchant = 'fall';
    const document: ProgramDocument = {
      metadata: { timezone: 'UTC', currency: 'USD' },
      spec: { type: 'levels', enabled: true, levels: { upgrade: { basis: 'single_order' }, downgrade: { mode: 'validity', validity: { months: 1 } }, tiers: [{ id: 'silver', threshold: { amount: 100 } }] } as LevelsSection },
    };
    await addMerchant(ctx.db, merchant, new Date('2026-01-01T00:00:00Z'));
    await addVersion(ctx.db, merchant, 1, document, 'active', new Date('2026-01-01T00:00:00Z'));
    await ctx.db.query('INSERT INTO members (merchant_id, member_id, joined_at) VALUES ($1, $2, $3)', [merchant, 'm', new Date('2026-01-01T00:00:00Z')]);
    await upsertOrders(ctx.db, merchant, [{ id: 'o1', memberId: 'm', amountMinor: 15_000n, refundedMinor: 0n, paidAt: new Date('2026-01-04T12:00:00Z'), status: 'paid', tags: [], importSeq: 1 }]);
    const verdict = async (at: string) => (await explainMemberNow(ctx.db, merchant, 'm', new Date(at))).view;
    const steps: string[] = [];
    for (const at of ['2026-01-05T00:00:00Z', '2026-02-05T00:00:00Z', '2026-02-05T00:00:01Z']) {
      const v = await verdict(at);
      steps.push(v.verdict.summary);
      await evaluateInline(ctx.db, merchant, new Date(at));
      const { rows } = await ctx.db.query<{ tier_id: string | null }>('SELECT tier_id FROM members WHERE merchant_id = $1 AND member_id = $2', [merchant, 'm']);
      expect(rows[0]!.tier_id, `${at}: ${v.verdict.summary}`).toBe(v.verdict.tier);
    }
    expect(steps).toEqual(['would move up to silver', 'would fall at expiry to basic', 'would stay at basic']);
    expect((await verdict('2026-02-06T00:00:00Z')).orders).toMatchObject([{ order: 'o1', counts: false, reason: 'before_fall' }]);
  });
});
