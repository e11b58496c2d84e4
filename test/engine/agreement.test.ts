/**
 * The set-based engine and the reference model agree (SPEC v1.1 §3.3, §3.5) through the
 * timelines of ./timeline.ts: evaluations, refunds and rule changes, compared after every rule
 * change and at the end, impact included. TIERFORM_PROPERTY_RUNS raises the number of cases.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { withTestDb } from '../helpers/db.js';
import { caseArb, compare, runTimeline, seen, simulateTimeline } from './timeline.js';

const RUNS = Number(process.env.TIERFORM_PROPERTY_RUNS ?? 40);
// A fixed seed keeps CI reproducible (and the coverage check below stable); set one to explore.
const SEED = Number(process.env.TIERFORM_PROPERTY_SEED ?? 20261123);
const COVERAGE_RUNS = 150;

const ctx = withTestDb();
let caseNo = 0;

describe('the SQL engine agrees with the reference model', () => {
  it('on every member’s tier, dates, grants and history, through evaluations, refunds and rule changes; same orders, same history, same fate', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const merchant = `p${++caseNo}`;
        const { states } = await runTimeline(ctx.db, merchant, c);
        // Member c has a's orders and history: treated alike, in the model and in the engine.
        const [a, , clone] = await compare(ctx.db, merchant, states, 'same fate');
        expect(clone, 'c has the same orders and history as a').toEqual(a);
      }),
      { numRuns: RUNS, seed: SEED },
    );
  }, RUNS * 6_000);

  it('the generator produces every transition, grant and v1.1 situation', () => {
    // A generator that stopped producing a path would make the comparison above vacuous for it.
    // Counted on the reference model over many more cases of the same generator than the
    // comparison can afford on a database.
    for (const c of fc.sample(caseArb, { numRuns: COVERAGE_RUNS, seed: SEED })) simulateTimeline(c);
    const wanted = [
      'upgrade', 'requalify', 'extend', 'expire', 'refund', 'rule_change', 'upgrade_points', 'birthday_discount',
      'rule change after a rule change', 'relegated out of a disabled tier', 'relegation then removal', 'refund after a rule change',
      'extend with retention', 'extend without retention', 'fall with retention', 'fall without retention',
      'a move under restartOnMove after an earlier one', 'upgrade in a tier window', 'a consumed order in the window, left out of moving up', 'consumed order holds the tier',
      'move down keeps evidenceAt', 'move up on the evidence as of evidenceAt',
      'spend before a fall left out of moving up', 'manual', 'a pinned member left alone',
    ];
    for (const kind of wanted) expect(seen[kind] ?? 0, `${kind} in ${JSON.stringify(seen)}`).toBeGreaterThan(0);
  }, 300_000);
});
