/**
 * `members explain` agrees with the SQL engine: on the generated timelines of ./timeline.ts
 * (evaluations, refunds, rule changes), before every daily evaluation each member is explained
 * at that instant from the live state, and the verdict — would move to X (and why), would be
 * extended, would fall at expiry, would stay — must be exactly what the engine's evaluation at
 * that instant then does. TIERFORM_PROPERTY_RUNS raises the number of cases.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { withTestDb } from '../helpers/db.js';
import { evaluateInline, recalculateInline } from '../../src/engine/index.js';
import { explainMemberNow } from '../../src/members/explain.js';
import type { ExplainView } from '../../src/members/explainView.js';
import { caseArb, MEMBERS, type Case } from './timeline.js';
import { addMembers, addMerchant, addVersion, readStandings, upsertOrders } from './harness.js';
import type { Queryable } from '../../src/store/db.js';
import { compileRules, type LevelsSection, type ProgramDocument } from '../../src/rules/index.js';

const RUNS = Number(process.env.TIERFORM_PROPERTY_RUNS ?? 15);
const SEED = Number(process.env.TIERFORM_PROPERTY_SEED ?? 20261130);

const ctx = withTestDb();
let caseNo = 0;
/** Verdicts compared, by kind of move (`stay`, `upgrade`, `extend`, …), so the test cannot pass vacuously. */
const compared: Record<string, number> = {};

async function explainThenEvaluate(db: Queryable, merchant: string, at: Date): Promise<void> {
  const verdicts: ExplainView['verdict'][] = [];
  for (const id of MEMBERS) verdicts.push((await explainMemberNow(db, merchant, id, at)).view.verdict);
  const before = await readStandings(db, merchant, MEMBERS);
  await evaluateInline(db, merchant, at);
  const after = await readStandings(db, merchant, MEMBERS);
  MEMBERS.forEach((id, i) => {
    const did = after[i]!.history.slice(before[i]!.history.length).map((h) => ({ from: h.from, to: h.to, reason: h.reason }));
    const v = verdicts[i]!;
    expect({ tier: v.tier, moves: v.moves }, `member ${id} at ${at.toISOString()}: ${v.summary}`).toEqual({ tier: after[i]!.tier, moves: did });
    for (const kind of did.length === 0 ? ['stay'] : did.map((m) => m.reason)) compared[kind] = (compared[kind] ?? 0) + 1;
  });
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

/** The document with `refunds: recalculate` when `force` is set (refund demotions happen more often). */
function withRefunds(document: ProgramDocument, force: boolean): ProgramDocument {
  if (!force || document.spec.levels === undefined) return document;
  return { ...document, spec: { ...document.spec, levels: { ...document.spec.levels, refunds: 'recalculate' } as LevelsSection } };
}

async function run(db: Queryable, merchant: string, c: Case, forceRefunds: boolean): Promise<void> {
  await addMerchant(db, merchant, new Date('2020-01-01T00:00:00Z'));
  await addVersion(db, merchant, 1, withRefunds(c.program.document, forceRefunds), 'active', new Date('2020-01-01T00:00:00Z'));
  await addMembers(db, merchant, c.members);
  await upsertOrders(db, merchant, c.orders);
  let version = 1;
  let rules = compileRules(withRefunds(c.program.document, forceRefunds));
  let refundedAll = false;
  for (const e of c.events) {
    if (e.kind === 'evaluate') {
      await explainThenEvaluate(db, merchant, e.at);
      // Once, as soon as refunds can demote: every order of the members who hold a tier refunded,
      // so the next verdicts include demotions re-derived as of evidenceAt.
      if (!refundedAll && rules.refunds === 'recalculate' && rules.downgrade.mode !== 'recompute') refundedAll = await refundTiered(db, merchant);
    } else if (e.kind === 'refunds') await upsertOrders(db, merchant, c.refunded);
    else {
      const forced = withRefunds(e.program.document, forceRefunds);
      rules = compileRules(forced);
      version += 1;
      const doc = { ...forced, spec: { ...forced.spec, effective: { existingMembers: e.existingMembers } } };
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
    await explainThenEvaluate(db, merchant, at);
  }
}

describe('members explain agrees with the engine', () => {
  it('its verdict at an instant is what the evaluation at that instant does, for every member, on generated histories', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, fc.boolean(), async (c, forceRefunds) => {
        await run(ctx.db, `x${++caseNo}`, c, forceRefunds);
      }),
      { numRuns: RUNS, seed: SEED },
    );
    for (const kind of ['stay', 'upgrade', 'extend', 'expire', 'refund', 'requalify']) {
      expect(compared[kind] ?? 0, `${kind} verdicts compared: ${JSON.stringify(compared)}`).toBeGreaterThan(0);
    }
  }, RUNS * 8_000);
});
