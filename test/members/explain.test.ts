/**
 * `members explain` end to end through the command line, on the embedded database or the server
 * (TIERFORM_TEST_DATABASE_URL): a member who reached silver is explained before their expiry
 * (figures, orders left out and why, the extension standard), at the expiry (the fall), and
 * under a pending version; what explain predicts is then what evaluate and run-due do.
 * Bad input: unknown merchant, unknown member, a wrong --format.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { runBin } from '../helpers/cli.js';
import { workspace, type Workspace } from './workspace.js';

const TIMEOUT = 300_000;

function program(silver: number, scheduledAt?: string): string {
  const effective = scheduledAt ? `{ mode: scheduled, at: "${scheduledAt}", existingMembers: recalculate }` : '{ mode: immediate }';
  return `apiVersion: tierform.dev/v1
kind: MembershipProgram
metadata: { merchant: shop, subscription: growth, timezone: Asia/Shanghai, currency: USD }
spec:
  type: levels
  enabled: true
  effective: ${effective}
  levels:
    upgrade: { basis: accumulated, window: { rolling: { months: 3 } }, exclude: [gift_card] }
    downgrade: { mode: validity, validity: { months: 12 } }
    tiers:
      - { id: bronze, name: Bronze, threshold: { amount: 500 } }
      - { id: silver, name: Silver, threshold: { amount: ${silver} } }
`;
}

const ndjson = (rows: object[]): string => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
const order = (id: string, amount: string, paidAt: string, more: object = {}) => ({ merchant: 'shop', order: id, member: 'A', amount, paidAt, status: 'paid', ...more });

let w: Workspace;

async function ok(...argv: string[]): Promise<string> {
  const r = await w.cli(...argv);
  expect(r.stderr, argv.join(' ')).toBe('');
  expect(r.code, argv.join(' ')).toBe(0);
  return r.stdout;
}

async function explain(now: string): Promise<any> {
  return JSON.parse(await ok('members', 'explain', 'shop', 'A', '--now', now, '--format', 'json'));
}

beforeAll(async () => {
  w = await workspace({
    'programs/shop/program.yaml': program(1000),
    'members.ndjson': ndjson([{ merchant: 'shop', member: 'A', joinedAt: '2023-01-01T00:00:00Z', name: 'Ann' }]),
    'orders.ndjson': ndjson([
      order('a1', '1000.00', '2023-04-10T12:00:00Z'),
      order('a2', '400.00', '2024-02-01T12:00:00Z'),
      order('a3', '500.00', '2024-03-20T12:00:00Z'),
      order('a4', '200.00', '2024-03-25T12:00:00Z', { tags: ['gift_card'] }),
      order('a5', '300.00', '2024-03-28T12:00:00Z', { status: 'cancelled' }),
    ]),
  });
  await ok('apply', '--auto-approve', '--now', '2023-04-01T00:00:00Z');
  await ok('import', 'members', 'members.ndjson', '--now', '2023-04-01T00:00:00Z');
  await ok('import', 'orders', 'orders.ndjson', '--now', '2023-04-12T00:00:00Z');
  // a1 (1,000 in the 3 months to 2023-04-15): silver, valid through local 2024-04-14.
  await ok('evaluate', 'shop', '--now', '2023-04-15T03:00:00Z');
}, TIMEOUT);

describe('members explain through the CLI', () => {
  it('before the expiry: the window in Shanghai time, each order, the figures, and the extension standard', async () => {
    const e = await explain('2024-04-10T00:00:00Z');
    expect(e.standing.tier).toBe('silver');
    // 3 months back from local 2024-04-10: from local midnight 2024-01-10.
    expect(e.windows).toEqual([
      expect.objectContaining({ kind: 'rolling', from: { at: '2024-01-09T16:00:00.000Z', local: '2024-01-10T00:00:00+08:00' }, to: { at: '2024-04-10T00:00:00.000Z', local: '2024-04-10T08:00:00+08:00' }, lowerBound: 'window' }),
    ]);
    expect(e.orders.map((o: any) => [o.order, o.counts, o.reason])).toEqual([
      ['a1', false, 'outside_window'],
      ['a2', true, null],
      ['a3', true, null],
      ['a4', false, 'excluded_tag'],
      ['a5', false, 'cancelled'],
    ]);
    // 400 + 500 = 900: bronze met, silver 100 short.
    expect(e.tiers.map((t: any) => [t.tier, t.figures.amount, t.met, t.missing.amount])).toEqual([
      ['bronze', '900.00', true, null],
      ['silver', '900.00', false, '100.00'],
    ]);
    expect(e.verdict).toEqual({ kind: 'stay', tier: 'silver', moves: [], summary: 'would stay at silver' });
    expect(e.next).toBeNull();
    // No retention: the extension standard is silver's threshold, over [2023-04-15 11:00, 2024-04-15 00:00) local.
    expect(e.expiry).toMatchObject({
      tier: 'silver',
      expiresAt: { at: '2024-04-14T16:00:00.000Z' },
      lastDay: '2024-04-14',
      standard: { amount: '1000.00', orders: null },
      source: 'threshold',
      figures: { amount: '900.00', orders: 2 },
      met: false,
      missing: { amount: '100.00', orders: null },
      extendedTo: { at: '2025-04-14T16:00:00.000Z' },
      fallsTo: 'bronze',
      summary: 'to be extended: spend 100.00 USD more by 2024-04-14; otherwise, with the orders as they stand, they fall to bronze',
    });
    expect(e.history).toEqual([{ from: null, to: 'silver', at: { at: '2023-04-15T03:00:00.000Z', local: '2023-04-15T11:00:00+08:00' }, reason: 'upgrade', version: 1 }]);
  }, TIMEOUT);

  it('at the expiry, predicts the fall to bronze, which evaluate then makes', async () => {
    const at = '2024-04-15T03:00:00Z';
    const e = await explain(at);
    expect(e.verdict).toEqual({ kind: 'move', tier: 'bronze', moves: [{ from: 'silver', to: 'bronze', reason: 'expire' }], summary: 'would fall at expiry to bronze' });
    await ok('evaluate', 'shop', '--now', at);
    const shown = JSON.parse(await ok('members', 'show', 'shop', 'A', '--format', 'json', '--now', at));
    expect(shown.tier).toBe('bronze');
  }, TIMEOUT);

  it('shows a pending version’s effect, which run-due then makes', async () => {
    await w.dir.write({ 'programs/shop/program.yaml': program(800, '2024-06-01T00:00:00+08:00') });
    await ok('apply', '--auto-approve', '--now', '2024-05-01T00:00:00Z');
    const e = await explain('2024-05-02T00:00:00Z');
    // As of the evidence that set bronze (2024-04-15), the 3 months held a2 + a3 = 900 ≥ 800.
    expect(e.pending).toEqual({
      version: 2,
      at: { at: '2024-05-31T16:00:00.000Z', local: '2024-06-01T00:00:00+08:00' },
      existingMembers: 'recalculate',
      from: 'bronze',
      to: 'silver',
      summary: 'version 2, taking effect 2024-06-01T00:00:00+08:00, moves them from bronze to silver',
    });
    // A member who joins after the pending version was applied is judged by it from the start.
    await w.dir.write({ 'late.ndjson': ndjson([{ merchant: 'shop', member: 'L', joinedAt: '2024-05-01T12:00:00Z' }]) });
    await ok('import', 'members', 'late.ndjson', '--now', '2024-05-02T00:00:00Z');
    const late = JSON.parse(await ok('members', 'explain', 'shop', 'L', '--now', '2024-05-02T00:00:00Z', '--format', 'json'));
    expect(late.version).toEqual({ number: 2, status: 'pending', judgedBy: 'joined_after_pending' });
    expect(late.pending).toBeNull();
    expect(late.tiers.map((t: any) => [t.tier, t.threshold.amount])).toEqual([['bronze', '500.00'], ['silver', '800.00']]);
    await ok('run-due', '--now', '2024-05-31T16:00:00Z');
    expect(JSON.parse(await ok('members', 'show', 'shop', 'A', '--format', 'json', '--now', '2024-05-31T16:00:00Z')).tier).toBe('silver');
  }, TIMEOUT);

  it('as text, from the built binary', async () => {
    const r = await runBin(['members', 'explain', 'shop', 'A', '--now', '2024-06-02T00:00:00Z', ...w.db.args], { cwd: w.dir.dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Member A (Ann) of shop at 2024-06-02T08:00:00+08:00 (Asia/Shanghai), judged by active version 2');
    expect(r.stdout).toContain('Verdict: the evaluation at this instant would stay at silver.');
    expect(r.stdout).toMatch(/left out\s+a4\s+2024-03-25T20:00:00\+08:00\s+200\.00 USD\s+excluded tag \(gift_card\)/);
  }, TIMEOUT);

  it('refuses an unknown merchant, an unknown member and a wrong format with a code and no stack trace', async () => {
    for (const [argv, code] of [
      [['members', 'explain', 'nope', 'A'], 'state.unknown-merchant'],
      [['members', 'explain', 'shop', 'ghost'], 'state.unknown-member'],
      [['members', 'explain', 'shop', 'A', '--format', 'yaml'], 'usage.invalid'],
      [['members', 'explain', 'shop'], 'usage.invalid'],
    ] as const) {
      const r = await w.cli(...argv, '--now', '2024-06-02T00:00:00Z');
      expect(r.code, argv.join(' ')).toBe(1);
      expect(r.stderr, argv.join(' ')).toContain(code);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.stdout).toBe('');
    }
  }, TIMEOUT);
});

describe('members explain under basis points through the CLI', () => {
  const P = 'pts';
  const byPoints = `apiVersion: tierform.dev/v1
kind: MembershipProgram
metadata: { merchant: ${P}, subscription: growth, timezone: UTC, currency: USD }
spec:
  type: levels
  enabled: true
  effective: { mode: immediate }
  levels:
    upgrade: { basis: points, window: { rolling: { months: 12 } } }
    downgrade: { mode: recompute }
    tiers:
      - { id: silver, name: Silver, threshold: { points: 500 } }
      - { id: gold, name: Gold, threshold: { points: 2000 } }
`;
  // A earned 300 + 100 in the 12 months (150 before them); the 100 redeemed never lowers it; the
  // 5,000 USD order is not measured under basis points.
  const ledger = (rows: string[]): string => ['merchant,entry,member,points,at,reason', ...rows].join('\n') + '\n';
  let p: Workspace;

  async function pok(...argv: string[]): Promise<string> {
    const r = await p.cli(...argv);
    expect(r.stderr, argv.join(' ')).toBe('');
    expect(r.code, argv.join(' ')).toBe(0);
    return r.stdout;
  }

  beforeAll(async () => {
    p = await workspace({
      [`programs/${P}/program.yaml`]: byPoints,
      'members.ndjson': ndjson([{ merchant: P, member: 'A', joinedAt: '2024-01-01T00:00:00Z' }]),
      'orders.ndjson': ndjson([{ merchant: P, order: 'a1', member: 'A', amount: '5000.00', paidAt: '2026-02-05T00:00:00Z', status: 'paid' }]),
      'points.csv': ledger([`${P},e1,A,300,2026-02-01T00:00:00Z,order`, `${P},e2,A,-100,2026-02-10T00:00:00Z,redeemed`, `${P},e3,A,150,2025-01-01T00:00:00Z,order`, `${P},e4,A,100,2026-02-20T00:00:00Z,order`]),
      'more.csv': ledger([`${P},e5,A,150,2026-03-05T00:00:00Z,order`]),
    });
    await pok('apply', '--auto-approve', '--now', '2024-01-01T00:00:00Z');
    await pok('import', 'members', 'members.ndjson', '--now', '2024-01-01T00:00:00Z');
    await pok('import', 'orders', 'orders.ndjson', '--now', '2026-02-25T00:00:00Z');
    await pok('import', 'points', 'points.csv', '--now', '2026-02-25T00:00:00Z');
    await pok('evaluate', P, '--now', '2026-03-01T00:00:00Z');
  }, TIMEOUT);

  it('lists the ledger entries that count and why the others do not, and the gap in points; the verdict is what evaluate does', async () => {
    const e = JSON.parse(await pok('members', 'explain', P, 'A', '--now', '2026-03-01T00:00:00Z', '--format', 'json'));
    expect(e.basis).toBe('points');
    expect(e.orders).toEqual([]);
    // 12 months back from 2026-03-01: from 2025-03-01, so e3 (2025-01-01) is outside.
    expect(e.entries.map((x: any) => [x.entry, x.points, x.counts, x.reason])).toEqual([
      ['e3', 150, false, 'outside_window'],
      ['e1', 300, true, null],
      ['e2', -100, false, 'redemption'],
      ['e4', 100, true, null],
    ]);
    // 300 + 100 = 400 points: silver (500) lacks 100; e1 is the first to leave, after 2027-02-01.
    expect(e.tiers.map((t: any) => [t.tier, t.threshold.points, t.figures.points, t.met, t.missing.points])).toEqual([
      ['silver', 500, 400, false, 100],
      ['gold', 2000, 400, false, 1600],
    ]);
    expect(e.verdict).toEqual({ kind: 'stay', tier: null, moves: [], summary: 'would stay at basic' });
    expect(e.next).toMatchObject({ tier: 'silver', missing: { amount: null, points: 100 }, by: '2027-02-01', summary: 'silver: earn 100 points more by 2027-02-01' });

    // 150 more earned: explain predicts the move to silver, and evaluate makes it.
    await pok('import', 'points', 'more.csv', '--now', '2026-03-06T00:00:00Z');
    const after = JSON.parse(await pok('members', 'explain', P, 'A', '--now', '2026-03-10T00:00:00Z', '--format', 'json'));
    expect(after.tiers[0]).toMatchObject({ tier: 'silver', figures: { points: 550 }, met: true });
    expect(after.verdict).toMatchObject({ kind: 'move', tier: 'silver', moves: [{ from: null, to: 'silver', reason: 'upgrade' }] });
    await pok('evaluate', P, '--now', '2026-03-10T00:00:00Z');
    expect(JSON.parse(await pok('members', 'show', P, 'A', '--format', 'json', '--now', '2026-03-10T00:00:00Z')).tier).toBe('silver');

    const text = await pok('members', 'explain', P, 'A', '--now', '2026-03-10T00:00:00Z');
    expect(text).toContain('Windows (points earned):');
    expect(text).toMatch(/left out\s+e2\s+\S+\s+-100\s+redemption/);
    expect(text).toContain('Next tier: gold: earn 1,450 points more by 2027-02-01');
    expect(text).not.toContain('USD');
  }, TIMEOUT);
});
