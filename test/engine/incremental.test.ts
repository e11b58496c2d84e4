/**
 * The incremental daily evaluation (docs/scheduling.md, "Who a daily evaluation touches"): after
 * a complete evaluation, the next one finds its candidates by index and touches nobody else,
 * and still agrees with the reference model. Each case has one member whose only reason to move
 * is the one under test: an order leaving the window, an expiry, a birthday month starting.
 */
import { describe, expect, it } from 'vitest';
import { withTestDb } from '../helpers/db.js';
import { continueRun, openRun, recalculateInline } from '../../src/engine/index.js';
import { loadCurrentVersions } from '../../src/engine/versions.js';
import { usableMark } from '../../src/engine/evaluationMarks.js';
import { findCandidates } from '../../src/engine/candidates.js';
import type { Db } from '../../src/store/db.js';
import { evaluateMember, type LevelsSection, type MemberState, type Order, type ProgramDocument } from '../../src/rules/index.js';
import { at, member, order, program } from '../semantics/helpers.js';
import { addMembers, addMerchant, addVersion, readStandings, standingOf, upsertOrders } from './harness.js';
import { runImport } from '../../src/import/pipeline.js';
import { membersImport } from '../../src/import/members.js';
import { setMemberTiers } from '../../src/members/setTier.js';
import { setTierManually } from '../../src/rules/manual.js';

async function* lines(records: object[]): AsyncGenerator<Buffer> {
  yield Buffer.from(records.map((r) => JSON.stringify(r)).join('\n') + '\n');
}

const ctx = withTestDb();
let merchants = 0;

interface World {
  merchant: string;
  levels: LevelsSection;
  states: MemberState[];
  orders: Order[];
}

async function world(levels: LevelsSection, members: MemberState[], orders: Order[]): Promise<World> {
  const merchant = `inc${++merchants}`;
  const document: ProgramDocument = { metadata: { timezone: 'UTC', currency: 'USD' }, spec: { type: 'levels', enabled: true, levels } };
  await addMerchant(ctx.db, merchant, new Date('2020-01-01T00:00:00Z'));
  await addVersion(ctx.db, merchant, 1, document, 'active', new Date('2020-01-01T00:00:00Z'));
  await addMembers(ctx.db, merchant, members);
  await upsertOrders(ctx.db, merchant, orders);
  return { merchant, levels, states: members, orders };
}

async function importOrders(w: World, orders: Order[]): Promise<void> {
  await upsertOrders(ctx.db, w.merchant, orders);
  w.orders = [...w.orders, ...orders];
}

/** The candidates the next evaluation at `t` would look at (null: it evaluates everyone). */
async function candidatesAt(db: Db, merchant: string, t: Date): Promise<string[] | null> {
  const versions = await loadCurrentVersions(db, merchant);
  const mark = await usableMark(db, merchant, versions, t);
  if (mark === null) return null;
  const rules = [versions.active!.rules];
  return (await findCandidates(db, { merchant, rules, mark, at: t, lo: null, hi: null })).sort();
}

/** Every member row as stored, with the transaction that last wrote it. */
async function rows(db: Db, merchant: string): Promise<Map<string, string>> {
  const { rows: found } = await db.query<{ member_id: string; row: string }>(
    `SELECT member_id, xmin::text || ' ' || row_to_json(m)::text AS row FROM members m WHERE merchant_id = $1`,
    [merchant],
  );
  return new Map(found.map((r) => [r.member_id, r.row]));
}

/**
 * A daily evaluation at `t` as run-due runs it (a run in batches of 2), and the model's; the two
 * must agree on every member. Returns the members whose stored row changed.
 */
async function evaluate(w: World, t: Date): Promise<string[]> {
  const before = await rows(ctx.db, w.merchant);
  const { run } = await openRun(ctx.db, { merchant: w.merchant, kind: 'evaluate', version: 1, at: t, key: `evaluate:${t.toISOString()}` }, t);
  await continueRun(ctx.db, w.merchant, run.runId, { batchSize: 2, clock: () => t });
  const rules = program(w.levels);
  w.states = w.states.map((s) => evaluateMember(s, w.orders, t, rules, 1));
  const ids = w.states.map((s) => s.memberId);
  expect(await readStandings(ctx.db, w.merchant, ids), `at ${t.toISOString()}`).toEqual(w.states.map(standingOf));
  const after = await rows(ctx.db, w.merchant);
  return ids.filter((id) => before.get(id) !== after.get(id));
}

describe('the incremental daily evaluation', () => {
  it('touches only its candidates; an order leaving the rolling window and a birthday month are reasons of their own', async () => {
    const levels: LevelsSection = {
      upgrade: { window: { rolling: { months: 1 } } },
      downgrade: { mode: 'recompute' },
      tiers: [
        { id: 'bronze', threshold: { amount: 100 }, benefits: [{ type: 'birthday_discount' }] },
        { id: 'silver', threshold: { amount: 300 } },
      ],
    };
    const w = await world(
      levels,
      [member('leaves'), member('stays'), member('buys'), member('born', '03-15'), member('idle')],
      [
        order('leaves', '2024-01-10T00:00:00Z', 150),
        order('stays', '2024-01-25T00:00:00Z', 400),
        // Imported before it is paid: it enters the window at the first evaluation after 2 February.
        order('born', '2024-02-02T00:00:00Z', 150),
      ],
    );
    // The first evaluation sees everyone; it moves leaves and stays up.
    expect(await candidatesAt(ctx.db, w.merchant, at('2024-02-01T12:00:00Z'))).toBeNull();
    await evaluate(w, at('2024-02-01T12:00:00Z'));
    expect(w.states.map((s) => s.tier)).toEqual(['bronze', 'silver', null, null, null]);

    // buys has a new order, born's enters the window, leaves and stays moved at the last
    // evaluation (they may move again); idle is left alone.
    await importOrders(w, [order('buys', '2024-02-03T00:00:00Z', 350)]);
    expect(await candidatesAt(ctx.db, w.merchant, at('2024-02-05T12:00:00Z'))).toEqual(['born', 'buys', 'leaves', 'stays']);
    await evaluate(w, at('2024-02-05T12:00:00Z'));

    // Only born and buys moved last time and nothing else happened: nobody else is looked at,
    // and no member's row is written.
    expect(await candidatesAt(ctx.db, w.merchant, at('2024-02-08T12:00:00Z'))).toEqual(['born', 'buys']);
    expect(await evaluate(w, at('2024-02-08T12:00:00Z'))).toEqual([]);

    // The window's start passes leaves' only order: leaves is found by that alone and falls.
    expect(await candidatesAt(ctx.db, w.merchant, at('2024-02-11T12:00:00Z'))).toEqual(['leaves']);
    expect(await evaluate(w, at('2024-02-11T12:00:00Z'))).toEqual(['leaves']);
    expect(w.states.map((s) => s.tier)).toEqual([null, 'silver', 'silver', 'bronze', null]);

    // stays' order leaves on 29 February (stays falls); a second evaluation that day moves nobody.
    await evaluate(w, at('2024-02-29T06:00:00Z'));
    expect(await candidatesAt(ctx.db, w.merchant, at('2024-02-29T18:00:00Z'))).toEqual(['stays']);
    await evaluate(w, at('2024-02-29T18:00:00Z'));
    // The first evaluation of March: born is a candidate for the birthday month alone (every
    // order is still in the window) and gets the grant; no member's row is written for it.
    expect(await candidatesAt(ctx.db, w.merchant, at('2024-03-01T12:00:00Z'))).toEqual(['born']);
    expect(await evaluate(w, at('2024-03-01T12:00:00Z'))).toEqual([]);
    expect(w.states.find((s) => s.memberId === 'born')!.grants.map((g) => g.key)).toEqual(['birthday_discount:2024']);
    // Later in March nobody is due again.
    expect(await candidatesAt(ctx.db, w.merchant, at('2024-03-02T12:00:00Z'))).toEqual([]);
    expect(await evaluate(w, at('2024-03-02T12:00:00Z'))).toEqual([]);
  });

  it('moves the import watermark of the members it judges, moved or not (mode recompute: no refund step reads it first)', async () => {
    const levels: LevelsSection = { upgrade: { window: { rolling: { months: 12 } } }, downgrade: { mode: 'recompute' }, tiers: [{ id: 'bronze', threshold: { amount: 100 } }] };
    const w = await world(levels, [member('mover'), member('small')], []);
    await evaluate(w, at('2024-02-01T12:00:00Z'));
    await importOrders(w, [order('mover', '2024-02-02T00:00:00Z', 150), order('small', '2024-02-02T00:00:00Z', 10)]);
    // Both rows are written: mover's move and small's watermark.
    expect(await evaluate(w, at('2024-02-03T12:00:00Z'))).toEqual(['mover', 'small']);
    expect(w.states.map((s) => s.tier)).toEqual(['bronze', null]);
    const behind = await ctx.db.query<{ member_id: string }>(
      `SELECT m.member_id FROM members m WHERE m.merchant_id = $1
         AND m.last_evaluated_seq < coalesce((SELECT max(o.import_seq) FROM orders o WHERE o.merchant_id = m.merchant_id AND o.member_id = m.member_id), 0)`,
      [w.merchant],
    );
    expect(behind.rows).toEqual([]);
  });

  it('finds a validity period ending by its expiry alone, and the fall agrees with the model', async () => {
    const levels: LevelsSection = {
      upgrade: { window: 'lifetime' },
      downgrade: { mode: 'validity', validity: { months: 1 } },
      tiers: [{ id: 'bronze', threshold: { amount: 100 } }, { id: 'silver', threshold: { amount: 1000 } }],
    };
    const w = await world(levels, [member('expires'), member('other')], [order('expires', '2024-01-10T00:00:00Z', 150)]);
    await evaluate(w, at('2024-01-15T12:00:00Z'));
    await evaluate(w, at('2024-01-20T12:00:00Z'));
    expect(await candidatesAt(ctx.db, w.merchant, at('2024-02-01T12:00:00Z'))).toEqual([]);
    await evaluate(w, at('2024-02-01T12:00:00Z'));
    // Bronze from 15 January expires at midnight on 15 February: found by its expiry, it cannot
    // be extended (no order in the period) and falls to basic with the model.
    expect(await candidatesAt(ctx.db, w.merchant, at('2024-02-16T12:00:00Z'))).toEqual(['expires']);
    expect(await evaluate(w, at('2024-02-16T12:00:00Z'))).toEqual(['expires']);
    expect(w.states.map((s) => s.tier)).toEqual([null, null]);
  });

  it('finds a member whose birthday was re-imported into the current month by the changed record, not one re-imported unchanged', async () => {
    const levels: LevelsSection = { upgrade: { window: 'lifetime' }, tiers: [{ id: 'bronze', threshold: { amount: 100 }, benefits: [{ type: 'birthday_discount' }] }] };
    const w = await world(
      levels,
      [member('moved', '01-20'), member('other')],
      [order('moved', '2024-01-02T00:00:00Z', 150), order('other', '2024-01-02T00:00:00Z', 150)],
    );
    await evaluate(w, at('2024-03-05T12:00:00Z'));
    await evaluate(w, at('2024-03-10T12:00:00Z'));
    expect(await candidatesAt(ctx.db, w.merchant, at('2024-03-12T12:00:00Z'))).toEqual([]);
    const file = [
      { merchant: w.merchant, member: 'moved', joinedAt: '2000-01-01T00:00:00Z', birthday: '03-20' },
      { merchant: w.merchant, member: 'other', joinedAt: '2000-01-01T00:00:00Z' },
    ];
    // The harness wrote the orders' import_seq itself; a real import's comes after them.
    await ctx.db.query(`SELECT setval('import_seq', (SELECT max(import_seq) FROM orders))`);
    const outcome = await runImport(ctx.db, membersImport, { input: lines(file), format: 'ndjson' });
    expect(outcome).toMatchObject({ ok: true, inserted: 0, updated: 1 });
    w.states = w.states.map((s) => (s.memberId === 'moved' ? { ...s, birthday: '03-20' } : s));
    expect(await candidatesAt(ctx.db, w.merchant, at('2024-03-12T12:00:00Z'))).toEqual(['moved']);
    await evaluate(w, at('2024-03-12T12:00:00Z'));
    expect(w.states[0]!.grants.map((g) => g.key)).toEqual(['birthday_discount:2024']);
  });

  it('finds a member whose pin ended by the pin alone, and judges them with the orders imported while pinned', async () => {
    const levels: LevelsSection = { upgrade: { window: 'lifetime' }, tiers: [{ id: 'bronze', threshold: { amount: 100 } }, { id: 'silver', threshold: { amount: 300 } }] };
    const w = await world(levels, [member('pinned'), member('other')], [order('pinned', '2024-01-02T00:00:00Z', 150), order('other', '2024-01-02T00:00:00Z', 150)]);
    await evaluate(w, at('2024-01-05T12:00:00Z'));
    // Set to basic until 20 January (local midnight, UTC), by the command's code and the model's.
    const t = at('2024-01-06T00:00:00Z');
    await setMemberTiers(ctx.db, w.merchant, [{ member: 'pinned', tier: 'basic', reason: 'test', until: '2024-01-20' }], t, 'test', true);
    const rules = program(levels);
    w.states = w.states.map((s) => (s.memberId === 'pinned' ? setTierManually(s, { tier: null, pinnedUntil: at('2024-01-20T00:00:00Z'), grants: true }, t, rules, 1) : s));
    await evaluate(w, at('2024-01-08T12:00:00Z'));
    // An order imported while pinned waits for the pin's end.
    await importOrders(w, [order('pinned', '2024-01-09T00:00:00Z', 200)]);
    await evaluate(w, at('2024-01-10T12:00:00Z'));
    await evaluate(w, at('2024-01-15T12:00:00Z'));
    // The order made the member a candidate on the 10th (left alone: pinned); since then nothing.
    expect(await candidatesAt(ctx.db, w.merchant, at('2024-01-18T12:00:00Z'))).toEqual([]);
    await evaluate(w, at('2024-01-18T12:00:00Z'));
    expect(w.states[0]!.tier).toBeNull();
    // The pin ends at midnight on 20 January: found by that alone, the member reaches bronze on
    // the order paid after the move (a manual move down sticks like a fall: earlier orders never
    // lift them again), with the model.
    expect(await candidatesAt(ctx.db, w.merchant, at('2024-01-21T12:00:00Z'))).toEqual(['pinned']);
    expect(await evaluate(w, at('2024-01-21T12:00:00Z'))).toEqual(['pinned']);
    expect(w.states.map((s) => s.tier)).toEqual(['bronze', 'bronze']);
  });

  it('a rule change or a recalculation makes the next evaluation look at everyone', async () => {
    const levels: LevelsSection = { upgrade: { window: 'lifetime' }, tiers: [{ id: 'bronze', threshold: { amount: 100 } }] };
    const w = await world(levels, [member('a'), member('b')], [order('a', '2024-01-10T00:00:00Z', 150)]);
    await evaluate(w, at('2024-01-15T12:00:00Z'));
    expect(await candidatesAt(ctx.db, w.merchant, at('2024-01-16T12:00:00Z'))).toEqual(['a']);
    await recalculateInline(ctx.db, w.merchant, 1, at('2024-01-15T13:00:00Z'));
    expect(await candidatesAt(ctx.db, w.merchant, at('2024-01-16T12:00:00Z'))).toBeNull();
    await evaluate(w, at('2024-01-16T12:00:00Z'));
    expect(await candidatesAt(ctx.db, w.merchant, at('2024-01-17T12:00:00Z'))).toEqual([]);
    const document: ProgramDocument = { metadata: { timezone: 'UTC', currency: 'USD' }, spec: { type: 'levels', enabled: true, levels } };
    await addVersion(ctx.db, w.merchant, 2, document, 'active', at('2024-01-16T00:00:00Z'));
    expect(await candidatesAt(ctx.db, w.merchant, at('2024-01-16T12:00:00Z'))).toBeNull();
  });
});
