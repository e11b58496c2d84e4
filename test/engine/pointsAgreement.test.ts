/**
 * Under upgrade by points (v1.1 §3.2) the set-based engine and the reference model agree:
 * timelines of ./pointsTimeline.ts with evaluations, late points imports and rule changes that
 * switch between amount and points, compared after every rule change (impact included) and at
 * the end. TIERFORM_PROPERTY_RUNS raises the number of cases.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { withTestDb } from '../helpers/db.js';
import { pointsCaseArb, runPointsTimeline, seen } from './pointsTimeline.js';
import { standingOf } from './harness.js';

const RUNS = Number(process.env.TIERFORM_PROPERTY_RUNS ?? 30);
const SEED = Number(process.env.TIERFORM_PROPERTY_SEED ?? 20261130);
const COVERAGE_RUNS = 150;

const ctx = withTestDb();
let caseNo = 0;

describe('the SQL engine agrees with the reference model under upgrade by points', () => {
  it('on every member’s tier, dates, grants and history, through evaluations, late points and switches between amount and points; same evidence, same fate', async () => {
    await fc.assert(
      fc.asyncProperty(pointsCaseArb, async (c) => {
        const states = await runPointsTimeline(ctx.db, `pt${++caseNo}`, c);
        // Member c has a's orders and points entries: treated alike.
        const [a, , clone] = states;
        expect(standingOf(clone!), 'c has the same orders, points and history as a').toEqual(standingOf(a!));
      }),
      { numRuns: RUNS, seed: SEED },
    );
  }, RUNS * 6_000);

  it('the generator produces upgrades by points, redemptions, late entries and moves on switching either way', async () => {
    for (const c of fc.sample(pointsCaseArb, { numRuns: COVERAGE_RUNS, seed: SEED })) await runPointsTimeline(null, 'model', c);
    const wanted = [
      'upgrade by points', 'expire by points', 'extend by points', 'requalify by points', 'rule_change by points', 'upgrade_points by points',
      'a move when switching to points', 'a move when switching to accumulated', 'an upgrade with a redemption before it',
    ];
    for (const kind of wanted) expect(seen[kind] ?? 0, `${kind} in ${JSON.stringify(seen)}`).toBeGreaterThan(0);
  }, 300_000);
});
