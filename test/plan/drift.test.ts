/**
 * Impact separates the change from drift (SPEC §4.7). Raising a threshold used to show members
 * moving up: those the current rules would move anyway (orders arrived since their last
 * evaluation). Here gus (stored basic, spend 600) and hal (stored bronze, spend 1,200) drift
 * under the current rules to silver and gold; raising gold to 1,500 costs cat and hal gold.
 */
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { readFile } from 'node:fs/promises';
import { insertMembers, insertOrders, type Workspace } from '../members/workspace.js';
import { BEFORE, NOW, program, shopWithMembers } from './impactWorkspace.js';

vi.setConfig({ testTimeout: 300_000 });

type Moves = { from: string; to: string; count: number }[];
interface ImpactJson {
  before: Record<string, number>;
  after: Record<string, number>;
  transitions: Moves;
  drift: Moves;
}

const RAISED = program({ gold: 1500 });
let w: Workspace;

beforeAll(async () => {
  w = await shopWithMembers({ 'tierform.yaml': '' });
  await w.sql(async (q) => {
    await insertMembers(q, 'shop', [
      { member: 'gus', joinedAt: '2026-01-01T00:00:00Z', tier: null },
      { member: 'hal', joinedAt: '2026-01-01T00:00:00Z', tier: 'bronze', tierSince: '2026-02-01T00:00:00Z', anchorAt: '2026-02-01T00:00:00Z' },
    ]);
    await insertOrders(q, 'shop', [
      { order: 'o-gus', member: 'gus', amountMinor: 60_000, paidAt: '2026-03-05T00:00:00Z' },
      { order: 'o-hal', member: 'hal', amountMinor: 120_000, paidAt: '2026-03-05T00:00:00Z' },
    ]);
  });
  await w.dir.write({ 'programs/shop/program.yaml': RAISED });
}, 300_000);

async function impact(...argv: string[]): Promise<ImpactJson> {
  const r = await w.cli('plan', '--format', 'json', '--now', NOW, ...argv);
  expect(r.code, r.stderr + r.stdout).toBe(0);
  return (JSON.parse(r.stdout) as { merchants: { impact: ImpactJson }[] }).merchants[0]!.impact;
}

describe('plan impact: the change apart from drift', () => {
  it('raising a threshold shows nobody moving up: the current rules’ moves are drift', async () => {
    const shown = await impact();
    expect(shown.before).toEqual({ ...BEFORE, basic: 2, bronze: 2 });
    expect(shown.transitions).toEqual([{ from: 'gold', to: 'silver', count: 2 }]);
    expect(shown.drift).toEqual([
      { from: 'basic', to: 'silver', count: 1 },
      { from: 'bronze', to: 'gold', count: 1 },
    ]);
    // before + drift + transitions = after.
    expect(shown.after).toEqual({ basic: 1, bronze: 1, silver: 5, gold: 0 });

    // The unchanged program: drift only, the same moves recalc --dry-run shows.
    await w.dir.write({ 'programs/shop/program.yaml': program() });
    const dry = await w.cli('recalc', 'shop', '--dry-run', '--format', 'json', '--now', NOW);
    const recalc = JSON.parse(dry.stdout) as { transitions: Moves };
    expect(recalc.transitions.map((t) => `${t.from}→${t.to} ${t.count}`).sort()).toEqual(shown.drift.map((t) => `${t.from}→${t.to} ${t.count}`).sort());
    await w.dir.write({ 'programs/shop/program.yaml': RAISED });

    const text = await w.cli('plan', '--now', NOW);
    expect(text.stdout).toContain(': 0 up, 2 down');
    expect(text.stdout).toContain('moves: gold→silver 2');
    expect(text.stdout).toMatch(/drift \(the current rules would make these moves anyway; not part of this change\): basic→silver 1, bronze→gold 1/);
    const md = await w.cli('plan', '--format', 'markdown', '--now', NOW);
    expect(md.stdout).toMatch(/\| shop \| [^|]+ \| \d+ \| [^|]+ \| 0 \| 2 \|/);
    expect(md.stdout).toContain('Drift, not part of this change');
  });

  it('plan --movers writes the members the change moves, from the current rules’ tier', async () => {
    const r = await w.cli('plan', '--movers', 'movers.csv', '--now', NOW);
    expect(r.code).toBe(0);
    expect(await readFile(w.dir.path('movers.csv'), 'utf8')).toBe('merchant,member,from,to,reason\nshop,cat,gold,silver,downgrade\nshop,hal,gold,silver,downgrade\n');
  });

  it('the guardrail counts the change’s downgrades, not drift', async () => {
    expect((await w.cli('plan', '--max-downgrades', '2', '--now', NOW)).code).toBe(0);
    const over = await w.cli('plan', '--max-downgrades', '1', '--format', 'json', '--now', NOW);
    expect(over.code).toBe(1);
    expect(over.stdout).toContain('shop would demote 2 of 7 members');
  });

  it('after the apply, the members per tier are the impact’s after', async () => {
    const planned = await impact();
    const applied = await w.cli('apply', '--auto-approve', '--max-downgrades', '2', '--now', NOW);
    expect(applied.code, applied.stderr).toBe(0);
    const status = JSON.parse((await w.cli('status', 'shop', '--format', 'json', '--now', NOW)).stdout) as { members: Record<string, number> };
    expect(status.members).toEqual(planned.after);
  });
});
