/**
 * The program type switching levels → paid → levels, end to end through the command line with
 * the level engine: tiers are kept but inactive while paid, evaluation moves nobody, paid
 * memberships keep their benefits after the switch back, and new purchases are refused then.
 */
import { beforeAll, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { workspace, type Workspace } from '../members/workspace.js';

function program(type: 'levels' | 'paid'): object {
  return {
    apiVersion: 'tierform.dev/v1',
    kind: 'MembershipProgram',
    metadata: { merchant: 'flip', subscription: 'growth', timezone: 'UTC', currency: 'USD' },
    spec: {
      type,
      enabled: true,
      effective: { mode: 'immediate', existingMembers: 'recalculate' },
      levels: {
        tiers: [
          { id: 'silver', name: 'Silver', threshold: { amount: 100 }, benefits: [{ type: 'free_samples' }] },
          { id: 'gold', name: 'Gold', threshold: { amount: 1000 }, benefits: [{ type: 'free_shipping' }] },
        ],
      },
      paid: {
        plans: [{ id: 'plus', name: 'Plus', price: 99, validity: { months: 3 }, benefits: [{ type: 'discount', percentOff: 10 }] }],
      },
    },
  };
}

let w: Workspace;

const stdin = (rows: object[]): string => rows.map((r) => JSON.stringify(r)).join('\n');

async function run(argv: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return runCli([...argv, ...w.db.args], { cwd: w.dir.dir, stdin: input });
}

async function show(now: string): Promise<{ tier: string | null; paid: unknown; entitlements: { type: string; tier?: string; plan?: string }[]; history: unknown[] }> {
  const r = await run(['members', 'show', 'flip', 'ann', '--format', 'json', '--now', now]);
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout);
}

const sources = (s: { entitlements: { type: string; tier?: string; plan?: string }[] }): string[] =>
  s.entitlements.map((e) => `${e.type}:${e.tier ?? e.plan ?? ''}`);

beforeAll(async () => {
  w = await workspace({ 'programs/flip/program.yaml': program('levels') });
  expect((await w.cli('apply', '--auto-approve', '--now', '2026-01-01T00:00:00Z')).code).toBe(0);
  const orders = await run(['import', 'orders', '-', '--now', '2026-01-02T00:00:00Z'], stdin([{ merchant: 'flip', order: 'o1', member: 'ann', amount: 150, paidAt: '2026-01-02T00:00:00Z', status: 'paid' }]));
  expect(orders.code).toBe(0);
}, 180_000);

it('levels → paid → levels', async () => {
  expect((await run(['evaluate', 'flip', '--now', '2026-01-03T00:00:00Z'])).code).toBe(0);
  const levels = await show('2026-01-03T00:00:00Z');
  expect(levels.tier).toBe('silver');
  expect(sources(levels)).toEqual(['free_samples:silver']);

  // To paid: the tier is kept, its benefits are inactive; purchases are accepted.
  await w.dir.write({ 'programs/flip/program.yaml': program('paid') });
  expect((await w.cli('apply', '--auto-approve', '--now', '2026-02-01T00:00:00Z')).code).toBe(0);
  const bought = await run(['import', 'purchases', '-', '--now', '2026-02-02T00:00:00Z'], stdin([{ merchant: 'flip', purchase: 'p1', member: 'ann', plan: 'plus', paidAt: '2026-02-02T00:00:00Z', status: 'paid' }]));
  expect(bought.code).toBe(0);
  const paid = await show('2026-02-03T00:00:00Z');
  expect(paid.tier).toBe('silver');
  expect(sources(paid)).toEqual(['discount:plus']);

  // While paid, an evaluation moves nobody, even a member who now qualifies for gold.
  await run(['import', 'orders', '-', '--now', '2026-02-04T00:00:00Z'], stdin([{ merchant: 'flip', order: 'o2', member: 'ann', amount: 2000, paidAt: '2026-02-04T00:00:00Z', status: 'paid' }]));
  expect((await run(['evaluate', 'flip', '--now', '2026-02-05T00:00:00Z'])).code).toBe(0);
  const still = await show('2026-02-05T00:00:00Z');
  expect(still.tier).toBe('silver');
  expect(still.history).toEqual(levels.history);

  // Back to levels: members are recalculated; the running membership keeps its benefits.
  await w.dir.write({ 'programs/flip/program.yaml': program('levels') });
  expect((await w.cli('apply', '--auto-approve', '--now', '2026-03-01T00:00:00Z')).code).toBe(0);
  const back = await show('2026-03-02T00:00:00Z');
  expect(back.tier).toBe('gold');
  expect(sources(back)).toEqual(['free_shipping:gold', 'discount:plus']);
  // New purchases are refused while the type is levels; the membership ends as bought.
  const refused = await run(['import', 'purchases', '-', '--now', '2026-03-03T00:00:00Z'], stdin([{ merchant: 'flip', purchase: 'p2', member: 'ann', plan: 'plus', paidAt: '2026-03-03T00:00:00Z', status: 'paid' }]));
  expect(refused.code).toBe(1);
  expect(refused.stdout).toContain('line 1');
  expect(sources(await show('2026-05-02T00:00:00Z'))).toEqual(['free_shipping:gold']);
}, 180_000);
