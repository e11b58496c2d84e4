/**
 * Upgrade by points end to end through the command line (SPEC v1.1 §3.2, §4.5): a program by
 * amount, members with orders and a points ledger imported from files; the plan of switching
 * it to points shows the members it moves like any rule change (tierform's own upgrade points
 * never count, redemptions never lower); after the apply, members show gives the points earned
 * in the window, and an evaluation sees points imported since the last one.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { workspace, type Workspace } from '../members/workspace.js';

const M = 'pts';
const TIMEOUT = 300_000;

const header = `apiVersion: tierform.dev/v1
kind: MembershipProgram
metadata: { merchant: ${M}, subscription: growth, timezone: UTC, currency: USD }
spec:
  type: levels
  enabled: true
  effective: { mode: immediate, existingMembers: recalculate }
  levels:`;

const byAmount = `${header}
    upgrade: { basis: accumulated, window: lifetime }
    tiers:
      - { id: silver, name: Silver, threshold: { amount: 100 } }
      - { id: gold, name: Gold, threshold: { amount: 1000 }, benefits: [{ type: upgrade_points, points: 5000 }] }
`;

const byPoints = `${header}
    upgrade: { basis: points, window: { rolling: { months: 12 } } }
    downgrade: { mode: recompute }
    tiers:
      - { id: silver, name: Silver, threshold: { points: 500 } }
      - { id: gold, name: Gold, threshold: { points: 2000 }, benefits: [{ type: upgrade_points, points: 5000 }] }
`;

const ndjson = (rows: object[]): string => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

const members = ndjson(['A', 'B', 'C'].map((member) => ({ merchant: M, member, joinedAt: '2026-01-01T00:00:00Z' })));
const orders = ndjson([
  { merchant: M, order: 'a1', member: 'A', amount: '1500', paidAt: '2026-02-01T00:00:00Z', status: 'paid' },
  { merchant: M, order: 'b1', member: 'B', amount: '200', paidAt: '2026-02-01T00:00:00Z', status: 'paid' },
]);
// B earned 2,500 and redeemed 2,000; the redemption never lowers what B earned.
const points = [
  'merchant,entry,member,points,at,reason',
  `${M},e1,A,300,2026-02-01T00:00:00Z,order a1`,
  `${M},e2,B,2500,2026-02-02T00:00:00Z,order b1`,
  `${M},e3,B,-2000,2026-02-10T00:00:00Z,redeemed`,
  `${M},e4,C,900,2026-02-03T00:00:00Z,`,
].join('\n');

let w: Workspace;

async function ok(...argv: string[]): Promise<string> {
  const r = await w.cli(...argv);
  expect(r.stderr, argv.join(' ')).toBe('');
  expect(r.code, argv.join(' ')).toBe(0);
  return r.stdout.replace(/^target: .*\n/, '');
}

interface Shown {
  tier: string | null;
  points?: { earned: number; window: { from: string | null; to: string } };
  grants: { type: string; points?: number }[];
  history: { from: string | null; to: string | null; reason: string; version: number }[];
}

async function show(member: string, now: string): Promise<Shown> {
  return JSON.parse(await ok('members', 'show', M, member, '--format', 'json', '--now', now)) as Shown;
}

beforeAll(async () => {
  w = await workspace({
    [`programs/${M}/program.yaml`]: byAmount,
    'members.ndjson': members,
    'orders.ndjson': orders,
    'points.csv': points,
  });
}, 120_000);

describe('upgrade by points through the CLI', () => {
  it('imports the ledger and evaluates by amount first: A gold (with 5,000 upgrade points), B silver, C basic', async () => {
    expect(await ok('apply', '--auto-approve', '--now', '2026-01-01T00:00:00Z')).toContain('applied version 1');
    await ok('import', 'members', 'members.ndjson', '--now', '2026-01-01T00:00:00Z');
    await ok('import', 'orders', 'orders.ndjson', '--now', '2026-02-15T00:00:00Z');
    expect(await ok('import', 'points', 'points.csv', '--now', '2026-02-15T00:00:00Z')).toBe('Imported 4 points entries: 4 new, 0 updated\n');
    await ok('evaluate', M, '--now', '2026-03-01T00:00:00Z');
    const a = await show('A', '2026-03-01T00:00:00Z');
    expect(a.tier).toBe('gold');
    expect(a.grants).toEqual([expect.objectContaining({ type: 'upgrade_points', points: 5000 })]);
    // Under a program by amount, members show has no points figure.
    expect(a.points).toBeUndefined();
    expect((await show('B', '2026-03-01T00:00:00Z')).tier).toBe('silver');
    expect((await show('C', '2026-03-01T00:00:00Z')).tier).toBeNull();
  }, TIMEOUT);

  it('plans the switch to points like any rule change: the impact counts earned points only', async () => {
    await w.dir.write({ [`programs/${M}/program.yaml`]: byPoints });
    expect(await ok('validate', `programs/${M}/program.yaml`)).toMatch(/valid/i);
    const plan = JSON.parse(await ok('plan', '--format', 'json', '--now', '2026-03-02T00:00:00Z')) as {
      merchants: { action: string; changes: { pointer: string; class: string }[]; recalculation: { mode: string }; impact: { before: object; after: object; transitions: object[] } }[];
    };
    const [m] = plan.merchants;
    expect(m!.action).toBe('update');
    expect(m!.changes).toContainEqual(expect.objectContaining({ pointer: '/spec/levels/upgrade/basis', class: 'rule' }));
    expect(m!.recalculation.mode).toBe('immediate');
    // A: 300 earned (the 5,000 upgrade points tierform granted never count) → basic.
    // B: 2,500 earned (the 2,000 redeemed never lower it) → gold. C: 900 → silver.
    expect(m!.impact.before).toEqual({ silver: 1, gold: 1, basic: 1 });
    expect(m!.impact.after).toEqual({ silver: 1, gold: 1, basic: 1 });
    expect(m!.impact.transitions).toEqual(
      expect.arrayContaining([
        { from: 'gold', to: 'basic', count: 1 },
        { from: 'silver', to: 'gold', count: 1 },
        { from: 'basic', to: 'silver', count: 1 },
      ]),
    );
    expect(m!.impact.transitions).toHaveLength(3);
    const text = await ok('plan', '--now', '2026-03-02T00:00:00Z');
    expect(text).toContain('/spec/levels/upgrade/basis');
  }, TIMEOUT);

  it('applies it: members move as planned, and members show gives the points earned in the window (text and json)', async () => {
    expect(await ok('apply', '--auto-approve', '--now', '2026-03-02T00:00:00Z')).toContain('applied version 2');
    const now = '2026-03-02T12:00:00Z';
    const b = await show('B', now);
    expect(b.tier).toBe('gold');
    expect(b.points).toEqual({ earned: 2500, window: { from: '2025-03-02T00:00:00.000Z', to: '2026-03-02T12:00:00.000Z' } });
    const a = await show('A', now);
    expect(a.tier).toBeNull();
    expect(a.points?.earned).toBe(300);
    expect(a.history.at(-1)).toEqual(expect.objectContaining({ from: 'gold', to: null, reason: 'rule_change', version: 2 }));
    expect((await show('C', now)).tier).toBe('silver');
    const card = await ok('members', 'show', M, 'B', '--now', now);
    expect(card).toContain('points:       2,500 earned in the window from 2025-03-02T00:00:00.000Z to 2026-03-02T12:00:00.000Z');
  }, TIMEOUT);

  it('an evaluation sees points imported since the last one; a redemption never lowers a member, even in mode recompute', async () => {
    await w.dir.write({
      'more.ndjson': ndjson([
        { merchant: M, entry: 'e5', member: 'C', points: 1200, at: '2026-03-03T00:00:00Z' },
        { merchant: M, entry: 'e6', member: 'B', points: -2400, at: '2026-03-03T00:00:00Z', reason: 'redeemed' },
      ]),
    });
    expect(await ok('import', 'points', 'more.ndjson', '--now', '2026-03-03T01:00:00Z')).toBe('Imported 2 points entries: 2 new, 0 updated\n');
    await ok('evaluate', M, '--now', '2026-03-04T00:00:00Z');
    const c = await show('C', '2026-03-04T00:00:00Z');
    expect(c.tier).toBe('gold');
    expect(c.points?.earned).toBe(2100);
    expect(c.history.at(-1)).toEqual(expect.objectContaining({ from: 'silver', to: 'gold', reason: 'upgrade' }));
    const b = await show('B', '2026-03-04T00:00:00Z');
    expect(b.tier).toBe('gold');
    expect(b.points?.earned).toBe(2500);
    const status = JSON.parse(await ok('status', M, '--format', 'json', '--now', '2026-03-04T00:00:00Z')) as { members: Record<string, number> };
    expect(status.members).toEqual({ silver: 0, gold: 2, basic: 1 });
  }, TIMEOUT);
});
