/**
 * `simulate` end to end through the command line on a small history whose outcome is computed
 * by hand, against the live state it must leave untouched, and against the normal code path:
 * a copy of the history with the program applied at the start of --from and run-due run at
 * every daily fire time must show the same figures.
 *
 * By hand (rolling one month, mode recompute, evaluation at 03:00 UTC; a window at local date d
 * is [d − 1 month, t)):
 * - A (250 on 01-10): bronze (current) / silver (proposed) from 01-11, basic from 02-11;
 * - B (150 on 01-20, 200 on 02-05): bronze from 01-21; silver from 02-06 (350); on 02-21 only
 *   the 200 is left: bronze under the current program (silver needs 300), silver under the
 *   proposal (200); basic from 03-06;
 * - C (400 on 02-25): silver from 02-26, basic from 03-26.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { workspace, type Workspace } from '../members/workspace.js';
import { CURRENT, MEMBERS, MERCHANT, ORDERS, PROPOSED } from './fixtures.js';
import type { Simulation } from '../../src/simulate/simulate.js';
import type { Db, Queryable } from '../../src/store/db.js';
import { runDue } from '../../src/schedule/runDue.js';
import { compileRules } from '../../src/rules/index.js';
import { parse } from 'yaml';
import { replayBenefits, replayMoves, tierCounts } from '../../src/simulate/figures.js';
import { addDays } from '../../src/model/localDate.js';

const TIMEOUT = 300_000;
const NOW = '2026-06-01T00:00:00Z';
const RANGE = ['--from', '2026-01-01', '--to', '2026-03-31', '--now', NOW];

let live: Workspace;

async function ok(w: Workspace, ...argv: string[]): Promise<string> {
  const r = await w.cli(...argv);
  expect(r.stderr, argv.join(' ')).toBe('');
  expect(r.code, argv.join(' ')).toBe(0);
  return r.stdout;
}

/** Every row of every tierform table, as text, in a stable order. */
async function dumpTables(q: Queryable): Promise<Record<string, string[]>> {
  const { rows } = await q.query<{ table_name: string }>(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'tierform' AND table_type = 'BASE TABLE' ORDER BY 1",
  );
  const dump: Record<string, string[]> = {};
  for (const { table_name } of rows) {
    const data = await q.query<{ r: string }>(`SELECT row_to_json(t)::text AS r FROM tierform."${table_name}" t ORDER BY 1`);
    dump[table_name] = data.rows.map((x) => x.r);
  }
  return dump;
}

async function loadHistory(w: Workspace, appliedAt: string): Promise<void> {
  expect(await ok(w, 'apply', '--auto-approve', '--now', appliedAt)).toContain('applied version 1');
  await w.dir.write({ 'members.ndjson': MEMBERS, 'orders.ndjson': ORDERS });
  await ok(w, 'import', 'members', 'members.ndjson', '--now', appliedAt);
  await ok(w, 'import', 'orders', 'orders.ndjson', '--now', NOW);
}

beforeAll(async () => {
  live = await workspace({ [`programs/${MERCHANT}/program.yaml`]: CURRENT });
  // The live state has a history of its own: applied before the range, evaluated after it.
  await loadHistory(live, '2025-12-01T00:00:00Z');
  await ok(live, 'evaluate', MERCHANT, '--now', '2026-02-06T03:00:00Z');
  await ok(live, 'evaluate', MERCHANT, '--now', '2026-05-01T03:00:00Z');
  await live.dir.write({ [`programs/${MERCHANT}/program.yaml`]: PROPOSED });
}, TIMEOUT);

let simulation: Simulation;

describe('simulate on a hand-computed history', () => {
  it('reports members per tier at each month end, moves and grants for both programs, and changes nothing', async () => {
    const before = await live.sql(dumpTables);
    simulation = JSON.parse(await ok(live, 'simulate', ...RANGE, '--format', 'json')) as Simulation;
    expect(await live.sql(dumpTables)).toEqual(before);

    expect(simulation).toMatchObject({ formatVersion: 1, from: '2026-01-01', to: '2026-03-31' });
    const [m] = simulation.merchants;
    expect(m!.merchant).toBe(MERCHANT);
    expect(m!.current.version).toBe(1);
    expect(m!.current.evaluations).toBe(90);
    for (const side of [m!.current, m!.proposed]) expect(side.start).toEqual({ bronze: 0, silver: 0, basic: 3 });
    expect(m!.current.monthEnds).toEqual([
      { date: '2026-01-31', tiers: { bronze: 2, silver: 0, basic: 1 } },
      { date: '2026-02-28', tiers: { bronze: 1, silver: 1, basic: 1 } },
      { date: '2026-03-31', tiers: { bronze: 0, silver: 0, basic: 3 } },
    ]);
    expect(m!.proposed.monthEnds).toEqual([
      { date: '2026-01-31', tiers: { bronze: 1, silver: 1, basic: 1 } },
      { date: '2026-02-28', tiers: { bronze: 0, silver: 2, basic: 1 } },
      { date: '2026-03-31', tiers: { bronze: 0, silver: 0, basic: 3 } },
    ]);
    expect(m!.current.moves).toMatchObject({ up: 4, down: 4, same: 0, byReason: { upgrade: 4, requalify: 4 } });
    expect(m!.proposed.moves).toMatchObject({ up: 4, down: 3, same: 0, byReason: { upgrade: 4, requalify: 3 } });
    expect(m!.proposed.moves.transitions).toContainEqual({ from: 'silver', to: 'basic', reason: 'requalify', count: 3 });
    // B and C reach silver under the current program (100 points each); A, B and C under the proposal (50 each).
    expect(m!.current.benefits).toEqual([{ type: 'upgrade_points', count: 2, points: 200, amountOff: null }]);
    expect(m!.proposed.benefits).toEqual([{ type: 'upgrade_points', count: 3, points: 150, amountOff: null }]);
  }, TIMEOUT);

  it('renders markdown with a Mermaid chart per program and text with both sides', async () => {
    const md = await ok(live, 'simulate', ...RANGE, '--format', 'markdown');
    expect(md).toContain('| 2026-02-28 | 1 → 0 | 1 → 2 | 1 → 1 |');
    expect(md.match(/```mermaid\nxychart-beta/g)).toHaveLength(2);
    expect(md).toContain('  line [1, 2, 0]');
    const text = await ok(live, 'simulate', ...RANGE);
    expect(text).toContain('moves, proposed:     4 up, 3 down (requalify 3, upgrade 4)');
    expect(text).toContain('benefits, current:   upgrade_points 2× 200 points');
  }, TIMEOUT);

  it('refuses bad input with codes and exit 1, changing nothing', async () => {
    const before = await live.sql(dumpTables);
    const refused = async (code: string, ...argv: string[]): Promise<void> => {
      const r = await live.cli('simulate', ...argv);
      expect(r.code, argv.join(' ')).toBe(1);
      expect(r.stderr, argv.join(' ')).toContain(`error ${code}:`);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    };
    await refused('simulate.range', '--from', '2026-03-01', '--to', '2026-02-01', '--now', NOW);
    await refused('simulate.before-first-order', '--from', '2025-10-01', '--to', '2025-12-31', '--now', NOW);
    await refused('simulate.range-future', '--from', '2026-01-01', '--to', '2026-06-02', '--now', NOW);
    await refused('usage.option-value', '--from', '2026-13-01', '--to', '2026-06-02', '--now', NOW);
    await refused('simulate.no-program', '--merchant', 'globex', ...RANGE);
    await live.dir.write({ 'programs/other/program.yaml': PROPOSED.replace(`merchant: ${MERCHANT}`, 'merchant: other') });
    await refused('state.unknown-merchant', 'programs/other', ...RANGE);
    await live.dir.write({ 'broken/shop/program.yaml': PROPOSED.replace('amount: 100', 'amount: -5') });
    const invalid = await live.cli('simulate', 'broken', ...RANGE);
    expect(invalid.code).toBe(1);
    expect(invalid.stdout).toMatch(/program\.yaml:\d+:\d+: error /);
    expect(await live.sql(dumpTables)).toEqual(before);
  }, TIMEOUT);
});

describe('simulate equals the daily evaluation run day by day on a copy', () => {
  for (const side of ['current', 'proposed'] as const) {
    it(`${side}: apply at the start of --from, run-due at every fire time, same figures`, async () => {
      const text = side === 'current' ? CURRENT : PROPOSED;
      const w = await workspace({ [`programs/${MERCHANT}/program.yaml`]: text });
      await loadHistory(w, '2026-01-01T00:00:00Z');
      const rules = compileRules(parse(text));
      const start = new Date('2026-01-01T00:00:00Z');
      const monthEnds = await w.sql(async (db) => {
        const ends: { date: string; tiers: Record<string, number> }[] = [];
        for (let day = '2026-01-01'; day <= '2026-03-31'; day = addDays(day, 1)) {
          const now = new Date(`${day}T03:00:00Z`);
          // The workspace hands out a full Db, typed as the Queryable most tests need.
          const result = await runDue(db as unknown as Db, { now, clock: () => now, lockTimeoutMs: 10_000, claimant: 'test' });
          expect(result.ok).toBe(true);
          if (['2026-01-31', '2026-02-28', '2026-03-31'].includes(day)) ends.push({ date: day, tiers: await tierCounts(db, MERCHANT, rules) });
        }
        return ends;
      });
      const figures = await w.sql(async (db) => ({
        moves: await replayMoves(db, MERCHANT, rules, start),
        benefits: await replayBenefits(db, MERCHANT, start, () => null),
      }));
      const simulated = simulation.merchants[0]![side];
      expect(monthEnds).toEqual(simulated.monthEnds);
      expect(figures.moves).toEqual(simulated.moves);
      expect(figures.benefits).toEqual(simulated.benefits);
    }, TIMEOUT);
  }
});
