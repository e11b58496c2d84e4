/**
 * A subscription downgrade, end to end with the built CLI (SPEC §4.6, docs/decisions.md): a Pro
 * merchant running five tiers is moved to Growth (three tiers). `merchant set` names what the
 * program exceeds and refuses; with --allow-over-cap and a reason it records the change; status
 * flags the merchant; the plan that removes the two top tiers is accepted although they hold
 * members, shows the members it moves, and after apply the merchant is within the caps.
 * Runs on the embedded database or, with TIERFORM_TEST_DATABASE_URL, on the server.
 */
import { afterAll, describe, expect, it, vi } from 'vitest';
import { mkdir, writeFile } from 'node:fs/promises';
import { gitRepo, type GitRepo } from '../e2e/repo.js';
import { openDb } from '../../src/store/open.js';

vi.setConfig({ testTimeout: 600_000 });

const PROGRAM = 'programs/shop/program.yaml';
const TIERS = ['t1', 't2', 't3', 't4', 't5'];

function program(subscription: string, tiers: readonly string[]): string {
  const body = tiers
    .map((id, i) => `      - id: ${id}\n        name: Tier ${i + 1}\n        threshold: { amount: ${(i + 1) * 100} }\n        benefits:\n          - { type: free_shipping }\n`)
    .join('');
  return `apiVersion: tierform.dev/v1
kind: MembershipProgram
metadata:
  merchant: shop
  subscription: ${subscription}
  timezone: UTC
  currency: USD
spec:
  type: levels
  enabled: true
  effective: { mode: immediate, existingMembers: recalculate }
  levels:
    upgrade: { basis: accumulated, window: lifetime }
    downgrade: { mode: recompute }
    tiers:
${body}`;
}

const ndjson = (rows: object[]): string => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
const MEMBERS = ['m1', 'm4', 'm5'].map((member) => ({ merchant: 'shop', member, joinedAt: '2026-01-05T09:00:00Z', name: member }));
const ORDERS = [
  { merchant: 'shop', order: 'o1', member: 'm1', amount: 150, paidAt: '2026-02-01T10:00:00Z', status: 'paid' },
  { merchant: 'shop', order: 'o4', member: 'm4', amount: 450, paidAt: '2026-02-01T10:00:00Z', status: 'paid' },
  { merchant: 'shop', order: 'o5', member: 'm5', amount: 900, paidAt: '2026-02-01T10:00:00Z', status: 'paid' },
];

/** The recorded subscription changes, read from the repository's database between CLI runs. */
async function recordedChanges(r: GitRepo): Promise<Record<string, unknown>[]> {
  const [flag, target = ''] = r.db.args;
  const db = await openDb({ ...(flag === '--db' ? { db: target } : { dataDir: target }), env: {}, cwd: r.dir.dir, migrate: false, lockTimeoutMs: 10_000 });
  try {
    const res = await db.query<Record<string, unknown>>(
      `SELECT from_subscription, to_subscription, changed_at, actor, reason, over_cap FROM subscription_changes WHERE merchant_id = 'shop' ORDER BY change_id`,
    );
    return res.rows.map((row) => ({ ...row, changed_at: new Date(row.changed_at as string).toISOString() }));
  } finally {
    await db.close();
  }
}

interface StatusJson {
  subscription: string;
  members: Record<string, number>;
  overCap: { code: string; message: string }[];
}

let repo: GitRepo | undefined;
afterAll(async () => {
  await repo?.cleanup();
});

describe('subscription downgrade', () => {
  it('refuses over the caps, records an allowed downgrade, flags it, and accepts the plan that fits', async () => {
    const r = (repo = await gitRepo());
    const status = async (): Promise<StatusJson> => JSON.parse((await r.ok('status', 'shop', '--format', 'json', '--now', '2026-03-01T00:00:00Z')).stdout) as StatusJson;
    await mkdir(r.dir.path('programs/shop'), { recursive: true });
    await writeFile(r.dir.path(PROGRAM), program('pro', TIERS));
    await r.ok('apply', 'programs/', '--auto-approve', '--now', '2026-02-10T00:00:00Z');
    await writeFile(r.dir.path('members.ndjson'), ndjson(MEMBERS));
    await writeFile(r.dir.path('orders.ndjson'), ndjson(ORDERS));
    await r.ok('import', 'members', 'members.ndjson', '--now', '2026-02-11T00:00:00Z');
    await r.ok('import', 'orders', 'orders.ndjson', '--now', '2026-02-11T00:00:00Z');
    await r.ok('evaluate', 'shop', '--now', '2026-02-12T00:00:00Z');
    expect((await status()).members).toEqual({ t1: 1, t2: 0, t3: 0, t4: 1, t5: 1, basic: 0 });
    expect((await status()).overCap).toEqual([]);

    // 1. The downgrade names what the program exceeds, and changes nothing.
    const refused = await r.cli('merchant', 'set', 'shop', '--subscription', 'growth', '--now', '2026-02-20T00:00:00Z');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('merchant.over-cap');
    expect(refused.stderr).toContain("subscription 'growth' allows at most 3 tiers, but 5 are defined; remove 2 (over the cap: t4, t5)");
    expect((await status()).subscription).toBe('pro');

    // Lite has no tiered program at all; allowing needs a reason.
    const lite = await r.cli('merchant', 'set', 'shop', '--subscription', 'lite', '--now', '2026-02-20T00:00:00Z');
    expect(lite.code).toBe(1);
    expect(lite.stderr).toContain('caps.levels-unsupported');
    const noReason = await r.cli('merchant', 'set', 'shop', '--subscription', 'growth', '--allow-over-cap', '--now', '2026-02-20T00:00:00Z');
    expect(noReason.code).not.toBe(0);
    expect(noReason.stderr).toContain('--allow-over-cap needs --reason');
    expect((await status()).subscription).toBe('pro');
    expect(await recordedChanges(r)).toEqual([]);

    // 2. Allowed, with actor and reason; status flags the merchant (json and text).
    const allowed = await r.ok('merchant', 'set', 'shop', '--subscription', 'growth', '--allow-over-cap', '--reason', 'plan downgraded at renewal', '--actor', 'ops-kim', '--now', '2026-02-20T00:00:00Z');
    expect(allowed.stdout).toContain('Merchant shop: subscription pro → growth.');
    expect(allowed.stdout).toContain('Over the caps of growth, allowed by ops-kim (plan downgraded at renewal):');
    expect(await recordedChanges(r)).toEqual([
      {
        from_subscription: 'pro',
        to_subscription: 'growth',
        changed_at: '2026-02-20T00:00:00.000Z',
        actor: 'ops-kim',
        reason: 'plan downgraded at renewal',
        over_cap: [{ code: 'caps.max-tiers', message: expect.stringContaining('active version 1: subscription \'growth\' allows at most 3 tiers') }],
      },
    ]);
    const flagged = await status();
    expect(flagged.subscription).toBe('growth');
    expect(flagged.overCap).toEqual([{ code: 'caps.max-tiers', message: expect.stringContaining('(over the cap: t4, t5)') }]);
    const text = await r.ok('status', '--now', '2026-03-01T00:00:00Z');
    expect(text.stdout).toContain('shop: OVER THE CAPS of subscription growth:');

    // The file still says pro: refused as before.
    const mismatch = await r.cli('plan', '--now', '2026-02-21T00:00:00Z');
    expect(mismatch.code).toBe(1);
    expect(mismatch.stdout + mismatch.stderr).toContain('plan.subscription-mismatch');

    // 3. The file that fits: three tiers on growth. Its plan moves t4 and t5 members like a rule change.
    await writeFile(r.dir.path(PROGRAM), program('growth', TIERS.slice(0, 3)));
    const planned = await r.ok('plan', '--format', 'json', '--now', '2026-02-21T00:00:00Z');
    const plan = JSON.parse(planned.stdout) as { merchants: { errors: unknown[]; impact: { transitions: { from: string; to: string; count: number }[] } | null }[] };
    expect(plan.merchants[0]!.errors).toEqual([]);
    expect(plan.merchants[0]!.impact?.transitions).toEqual(
      expect.arrayContaining([
        { from: 't4', to: 't3', count: 1 },
        { from: 't5', to: 't3', count: 1 },
      ]),
    );
    await r.ok('apply', 'programs/', '--auto-approve', '--now', '2026-02-21T00:00:00Z');
    const within = await status();
    expect(within.overCap).toEqual([]);
    expect(within.members).toEqual({ t1: 1, t2: 0, t3: 2, basic: 0 });
    expect((await r.ok('status', '--now', '2026-03-01T00:00:00Z')).stdout).not.toContain('OVER THE CAPS');
  });
});
