/**
 * SPEC §3.3's worked example end to end through the command line: apply the program, import
 * members and orders from NDJSON files, evaluate on 2023-04-15 and on 2024-04-15, and read the
 * result with members show and status; then a rule change applied with existingMembers: keep,
 * and `recalc` (--dry-run writes nothing; without it, members move).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { workspace, type Workspace } from '../members/workspace.js';

const MERCHANT = 'shop';
/** Every command opens the database anew (an embedded data directory takes seconds on a busy machine). */
const TIMEOUT = 300_000;

function program(silver: number, existingMembers = 'recalculate'): string {
  return `apiVersion: tierform.dev/v1
kind: MembershipProgram
metadata: { merchant: ${MERCHANT}, subscription: growth, timezone: UTC, currency: USD }
spec:
  type: levels
  enabled: true
  effective: { mode: immediate, existingMembers: ${existingMembers} }
  levels:
    upgrade: { basis: accumulated, window: { rolling: { months: 3 } } }
    downgrade: { mode: validity, validity: { months: 12 } }
    tiers:
      - { id: bronze, name: Bronze, threshold: { amount: 500 } }
      - { id: silver, name: Silver, threshold: { amount: ${silver} } }
`;
}

const ndjson = (rows: object[]): string => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

const members = ndjson([
  { merchant: MERCHANT, member: 'A', joinedAt: '2023-01-01T00:00:00Z', name: 'Ann' },
  { merchant: MERCHANT, member: 'B', joinedAt: '2023-01-01T00:00:00Z', name: 'Bob' },
]);
const orders = ndjson([
  { merchant: MERCHANT, order: 'a1', member: 'A', amount: '1000.00', paidAt: '2023-04-10T12:00:00Z', status: 'paid' },
  { merchant: MERCHANT, order: 'b1', member: 'B', amount: '1000.00', paidAt: '2023-04-10T12:00:00+00:00', status: 'paid' },
  { merchant: MERCHANT, order: 'a2', member: 'A', amount: '400.00', paidAt: '2024-02-01T12:00:00Z', status: 'paid' },
  { merchant: MERCHANT, order: 'a3', member: 'A', amount: '500.00', paidAt: '2024-03-20T20:00:00+08:00', status: 'paid' },
  { merchant: MERCHANT, order: 'b2', member: 'B', amount: '400.00', paidAt: '2024-03-01T12:00:00Z', status: 'paid' },
]);

interface Shown {
  tier: string | null;
  tierSince: string | null;
  expiresAt: string | null;
  anchorAt: string | null;
  history: { from: string | null; to: string | null; at: string; reason: string; version: number }[];
}

let w: Workspace;

async function ok(...argv: string[]): Promise<string> {
  const r = await w.cli(...argv);
  expect(r.stderr, argv.join(' ')).toBe('');
  expect(r.code, argv.join(' ')).toBe(0);
  return r.stdout;
}

async function show(member: string): Promise<Shown> {
  return JSON.parse(await ok('members', 'show', MERCHANT, member, '--format', 'json', '--now', '2024-04-20T00:00:00Z')) as Shown;
}

async function perTier(now: string): Promise<Record<string, number>> {
  return (JSON.parse(await ok('status', MERCHANT, '--format', 'json', '--now', now)) as { members: Record<string, number> }).members;
}

const UP = '2023-04-15T03:00:00.000Z';
const DAY = '2024-04-15T03:00:00.000Z';

beforeAll(async () => {
  w = await workspace({
    [`programs/${MERCHANT}/program.yaml`]: program(1000),
    'members.ndjson': members,
    'orders.ndjson': orders,
  });
}, 120_000);

describe('§3.3 worked example through the CLI', () => {
  it('apply, import members and orders, evaluate on 2023-04-15: A and B reach silver', async () => {
    expect(await ok('apply', '--auto-approve', '--now', '2023-04-01T00:00:00Z')).toContain('applied version 1');
    expect(JSON.parse(await ok('import', 'members', 'members.ndjson', '--format', 'json', '--now', '2023-04-01T00:00:00Z'))).toEqual({
      inserted: 2,
      updated: 0,
      rejected: [],
    });
    expect(JSON.parse(await ok('import', 'orders', 'orders.ndjson', '--format', 'json', '--now', '2024-04-14T00:00:00Z'))).toEqual({
      inserted: 5,
      updated: 0,
      rejected: [],
    });
    expect(await perTier('2023-04-15T00:00:00Z')).toEqual({ bronze: 0, silver: 0, basic: 2 });

    await ok('evaluate', MERCHANT, '--now', UP);
    for (const id of ['A', 'B']) {
      expect(await show(id)).toMatchObject({
        tier: 'silver',
        tierSince: UP,
        anchorAt: UP,
        expiresAt: '2024-04-15T00:00:00.000Z',
        history: [{ from: null, to: 'silver', at: UP, reason: 'upgrade', version: 1 }],
      });
    }
    expect(await perTier(UP)).toEqual({ bronze: 0, silver: 2, basic: 0 });
  }, TIMEOUT);

  it('evaluate on 2024-04-15: A (900 in 3 months) falls to bronze, B (400) becomes basic', async () => {
    await ok('evaluate', MERCHANT, '--now', DAY);
    const a = await show('A');
    expect(a).toMatchObject({ tier: 'bronze', tierSince: DAY, anchorAt: DAY, expiresAt: '2025-04-15T00:00:00.000Z' });
    expect(a.history.map((h) => [h.from, h.to, h.at, h.reason])).toEqual([
      [null, 'silver', UP, 'upgrade'],
      ['silver', 'bronze', DAY, 'expire'],
    ]);
    const b = await show('B');
    expect(b).toMatchObject({ tier: null, expiresAt: null });
    expect(b.history.map((h) => [h.from, h.to, h.reason])).toEqual([
      [null, 'silver', 'upgrade'],
      ['silver', null, 'expire'],
    ]);
    expect(await perTier(DAY)).toEqual({ bronze: 1, silver: 0, basic: 1 });
    // Evaluating again at the same instant changes nothing.
    await ok('evaluate', MERCHANT, '--now', DAY);
    expect(await show('A')).toEqual(a);
  }, TIMEOUT);

  it('recalc --dry-run shows the impact of a kept rule change and writes nothing; recalc applies it', async () => {
    // Silver lowered to 850; existing members are kept at apply time (§3.5 keep).
    await w.dir.write({ [`programs/${MERCHANT}/program.yaml`]: program(850, 'keep') });
    expect(await ok('apply', '--auto-approve', '--now', '2024-04-16T00:00:00Z')).toContain('applied version 2');
    const before = await show('A');
    expect(before.tier).toBe('bronze');

    const NOW = '2024-04-16T06:00:00.000Z';
    const dry = JSON.parse(await ok('recalc', MERCHANT, '--dry-run', '--format', 'json', '--now', NOW)) as {
      version: number;
      before: Record<string, number>;
      after: Record<string, number>;
      transitions: { from: string; to: string; count: number }[];
    };
    // A's evidence as of tierSince (2024-04-15) is 900 ≥ 850: silver. B has 400: basic.
    expect(dry).toMatchObject({ version: 2, before: { bronze: 1, basic: 1 }, after: { silver: 1, basic: 1 }, transitions: [{ from: 'bronze', to: 'silver', count: 1 }] });
    expect(await show('A')).toEqual(before);
    expect(await perTier(NOW)).toEqual({ bronze: 1, silver: 0, basic: 1 });

    const applied = JSON.parse(await ok('recalc', MERCHANT, '--format', 'json', '--now', NOW)) as Record<string, unknown>;
    expect(JSON.stringify(applied)).toMatch(/"done"/);
    const a = await show('A');
    expect(a).toMatchObject({ tier: 'silver', tierSince: NOW, anchorAt: NOW, expiresAt: '2025-04-16T00:00:00.000Z' });
    expect(a.history.at(-1)).toEqual({ from: 'bronze', to: 'silver', at: NOW, reason: 'rule_change', version: 2 });
    expect((await show('B')).history).toHaveLength(2);
    expect(await perTier(NOW)).toEqual({ bronze: 0, silver: 1, basic: 1 });
  }, TIMEOUT);
});
