/**
 * SPEC v1.1 §3.5, property-tested on the engine and the reference model: applying a version whose
 * rules give members the same derived tier moves nobody, however many rule changes came before.
 * After a timeline of ./timeline.ts, a rule change recalculates everyone at T; then the same
 * rules with an exclusion tag no order carries take effect at T. TIERFORM_PROPERTY_RUNS raises
 * the number of cases.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { withTestDb } from '../helpers/db.js';
import { caseArb, change, compare, runTimeline } from './timeline.js';

const RUNS = Math.ceil(Number(process.env.TIERFORM_PROPERTY_RUNS ?? 40) / 2);
const SEED = Number(process.env.TIERFORM_PROPERTY_SEED ?? 20261124);

const ctx = withTestDb();
let caseNo = 0;

describe('§3.5 invariant', () => {
  it('§3.5 invariant (v1.1): a version giving members the same derived tier moves nobody, however many rule changes came before', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const merchant = `i${++caseNo}`;
        const run = await runTimeline(ctx.db, merchant, c);
        const settled = await change(ctx.db, merchant, run.states, c.refunded, c.last.program, c.last.at, 'recalculate', run.version + 1);
        const standings = await compare(ctx.db, merchant, settled, 'settled');
        // The same rules and an exclusion tag no order carries, at the same instant: nobody moves.
        const again = await change(ctx.db, merchant, settled, c.refunded, c.last.equivalent, c.last.at, 'recalculate', run.version + 2);
        expect(again, 'reference model').toEqual(settled);
        expect(await compare(ctx.db, merchant, again, 'equivalent version'), 'engine').toEqual(standings);
      }),
      { numRuns: RUNS, seed: SEED },
    );
  }, RUNS * 6_000);

});
