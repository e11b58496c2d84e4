import { beforeAll, describe, expect, it } from 'vitest';
import { insertMembers, workspace, type Workspace } from './workspace.js';

const T0 = '2026-03-01T00:00:00.000Z';

function program(goldBenefits: object[]): object {
  return {
    apiVersion: 'tierform.dev/v1',
    kind: 'MembershipProgram',
    metadata: { merchant: 'shop', subscription: 'growth', timezone: 'Asia/Shanghai', currency: 'USD' },
    spec: {
      type: 'levels',
      enabled: true,
      effective: { mode: 'immediate', existingMembers: 'recalculate' },
      levels: {
        downgrade: { mode: 'validity', validity: { months: 12 } },
        tiers: [
          {
            id: 'silver',
            name: 'Silver',
            threshold: { amount: 100 },
            benefits: [
              { type: 'upgrade_points', points: 50 },
              { type: 'free_shipping', channels: ['app', 'online_store'] },
            ],
          },
          { id: 'gold', name: 'Gold Member', threshold: { amount: 1000 }, benefits: goldBenefits },
          { id: 'platinum', name: 'Platinum', threshold: { amount: 5000 } },
        ],
      },
    },
  };
}

const GOLD_V1 = [
  { type: 'upgrade_points', points: 200 },
  { type: 'discount', percentOff: 10, minSpend: 50 },
  { type: 'cash_voucher', amountOff: '12.5' },
  { type: 'birthday_discount', percentOff: 20 },
  { type: 'exclusive_products', collections: ['vip-drops', 'archive'] },
  { type: 'prepayment_ratio', percent: 30 },
  { type: 'free_samples', channels: ['pos'] },
  { type: 'custom', description: 'Ships within 24 hours' },
];

let w: Workspace;

beforeAll(async () => {
  w = await workspace({ 'programs/shop/program.yaml': program(GOLD_V1) });
  const applied = await w.cli('apply', '--auto-approve', '--now', T0);
  expect(applied.stderr).toBe('');
  expect(applied.code).toBe(0);
  await w.sql(async (q) => {
    await insertMembers(q, 'shop', [
      {
        member: 'm-gold',
        joinedAt: '2026-01-01T00:00:00Z',
        name: 'Grace',
        tier: 'gold',
        tierSince: '2026-02-10T00:00:00Z',
        anchorAt: '2026-02-10T00:00:00Z',
        expiresAt: '2027-02-09T16:00:00Z',
      },
      { member: 'm-silver', joinedAt: '2026-01-02T00:00:00Z', tier: 'silver', tierSince: '2026-01-20T00:00:00Z', anchorAt: '2026-01-20T00:00:00Z', expiresAt: '2027-01-19T16:00:00Z' },
      { member: 'm-basic', joinedAt: '2026-01-03T00:00:00Z' },
      { member: 'a-basic', joinedAt: '2026-01-04T00:00:00Z' },
      { member: 'Z-gold', joinedAt: '2026-01-05T00:00:00Z', tier: 'gold', tierSince: '2026-02-11T00:00:00Z', anchorAt: '2026-02-11T00:00:00Z', expiresAt: '2027-02-10T16:00:00Z' },
    ]);
    const history = [
      ['m-gold', null, 'silver', '2026-01-15T00:00:00Z', 'upgrade', 1],
      ['m-gold', 'silver', 'gold', '2026-02-10T00:00:00Z', 'upgrade', 1],
    ];
    for (const [member, from, to, at, reason, version] of history) {
      await q.query('INSERT INTO member_history (merchant_id, member_id, from_tier, to_tier, at, reason, version) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
        'shop', member, from, to, at, reason, version,
      ]);
    }
    const grants = [
      ['m-gold', 'upgrade_points:silver', 'upgrade_points', 'silver', null, '2026-01-15T00:00:00Z', '2026-01-15T00:00:00Z', 50],
      ['m-gold', 'upgrade_points:gold', 'upgrade_points', 'gold', null, '2026-02-10T00:00:00Z', '2026-02-10T00:00:00Z', 200],
      ['m-gold', 'birthday_discount:2026', 'birthday_discount', 'gold', null, '2026-02-20T00:00:00Z', '2026-02-21T19:00:00Z', null],
    ];
    for (const [member, key, type, tier, plan, dueAt, at, points] of grants) {
      await q.query(
        'INSERT INTO grants (merchant_id, member_id, grant_key, type, tier_id, plan_id, due_at, at, points, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1)',
        ['shop', member, key, type, tier, plan, dueAt, at, points],
      );
    }
  });
}, 120_000);

const ALL = ['online_store', 'app', 'pos', 'kiosk'];

describe('members show', () => {
  it('prints the standing as SPEC §5.1 JSON: state, entitlements of the active version, grants, history', async () => {
    const r = await w.cli('members', 'show', 'shop', 'm-gold', '--format', 'json', '--now', T0);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(Object.keys(json)).toEqual(['merchant', 'member', 'tier', 'tierSince', 'expiresAt', 'anchorAt', 'pinnedUntil', 'paid', 'entitlements', 'grants', 'history', 'welcomedAt']);
    expect(json).toEqual({
      merchant: 'shop',
      member: 'm-gold',
      tier: 'gold',
      tierSince: '2026-02-10T00:00:00.000Z',
      expiresAt: '2027-02-09T16:00:00.000Z',
      anchorAt: '2026-02-10T00:00:00.000Z',
      pinnedUntil: null,
      paid: null,
      entitlements: [
        { type: 'discount', percentOff: 10, minSpend: '50.00', currency: 'USD', channels: ALL, tier: 'gold' },
        { type: 'cash_voucher', amountOff: '12.50', currency: 'USD', channels: ALL, tier: 'gold' },
        { type: 'exclusive_products', collections: ['archive', 'vip-drops'], channels: ALL, tier: 'gold' },
        { type: 'prepayment_ratio', percent: 30, channels: ALL, tier: 'gold' },
        { type: 'free_samples', channels: ['pos'], tier: 'gold' },
        { type: 'custom', description: 'Ships within 24 hours', channels: ALL, tier: 'gold' },
      ],
      grants: [
        { type: 'upgrade_points', key: 'upgrade_points:silver', tier: 'silver', dueAt: '2026-01-15T00:00:00.000Z', at: '2026-01-15T00:00:00.000Z', points: 50 },
        { type: 'upgrade_points', key: 'upgrade_points:gold', tier: 'gold', dueAt: '2026-02-10T00:00:00.000Z', at: '2026-02-10T00:00:00.000Z', points: 200 },
        { type: 'birthday_discount', key: 'birthday_discount:2026', tier: 'gold', dueAt: '2026-02-20T00:00:00.000Z', at: '2026-02-21T19:00:00.000Z' },
      ],
      history: [
        { from: null, to: 'silver', at: '2026-01-15T00:00:00.000Z', reason: 'upgrade', version: 1 },
        { from: 'silver', to: 'gold', at: '2026-02-10T00:00:00.000Z', reason: 'upgrade', version: 1 },
      ],
      welcomedAt: null,
    });
  });

  it('gives a basic member no tier, no entitlements and empty lists', async () => {
    const r = await w.cli('members', 'show', 'shop', 'm-basic', '--format', 'json', '--now', T0);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      merchant: 'shop',
      member: 'm-basic',
      tier: null,
      tierSince: null,
      expiresAt: null,
      anchorAt: null,
      pinnedUntil: null,
      paid: null,
      entitlements: [],
      grants: [],
      history: [],
      welcomedAt: null,
    });
  });

  it('prints a readable card', async () => {
    const r = await w.cli('members', 'show', 'shop', 'm-gold', '--now', T0);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Member m-gold (Grace) of shop');
    expect(r.stdout).toContain('gold (Gold Member)');
    expect(r.stdout).toContain('expires:      2027-02-09T16:00:00.000Z');
    expect(r.stdout).toContain('discount 10% off on orders of 50.00 USD or more; all channels');
    expect(r.stdout).toContain('free samples; channels: pos');
    expect(r.stdout).toContain('upgrade_points (gold), 200 points');
    expect(r.stdout).toContain('silver → gold  upgrade, version 1');
  });

  it('refuses an unknown member and an unknown merchant with stable codes', async () => {
    const member = await w.cli('members', 'show', 'shop', 'nobody', '--format', 'json');
    expect(member.code).toBe(1);
    expect(member.stdout).toBe('');
    expect(member.stderr).toMatch(/^error state\.unknown-member: /);
    const merchant = await w.cli('members', 'show', 'nope', 'm-gold');
    expect(merchant.code).toBe(1);
    expect(merchant.stderr).toMatch(/^error state\.unknown-merchant: /);
    const list = await w.cli('members', 'list', 'nope');
    expect(list.code).toBe(1);
    expect(list.stderr).toMatch(/^error state\.unknown-merchant: /);
  });

  it('takes a merchant and a member', async () => {
    const r = await w.cli('members', 'show', 'shop');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('usage: tierform members show');
  });
});

describe('members list', () => {
  it('lists members in member id order (byte order), as JSON and as a table', async () => {
    const json = await w.cli('members', 'list', 'shop', '--format', 'json');
    expect(json.code).toBe(0);
    const members = JSON.parse(json.stdout) as { member: string; tier: string | null }[];
    expect(members.map((m) => [m.member, m.tier])).toEqual([
      ['Z-gold', 'gold'],
      ['a-basic', null],
      ['m-basic', null],
      ['m-gold', 'gold'],
      ['m-silver', 'silver'],
    ]);
    expect(members[3]).toEqual({
      member: 'm-gold',
      name: 'Grace',
      joinedAt: '2026-01-01T00:00:00.000Z',
      tier: 'gold',
      tierSince: '2026-02-10T00:00:00.000Z',
      expiresAt: '2027-02-09T16:00:00.000Z',
      anchorAt: '2026-02-10T00:00:00.000Z',
    });
    const text = await w.cli('members', 'list', 'shop');
    expect(text.stdout.split('\n')[0]).toMatch(/^member\s+tier\s+since\s+expires\s+name$/);
    expect(text.stdout).toMatch(/m-basic\s+basic/);
  });

  it('filters by tier, basic included, and limits', async () => {
    expect(JSON.parse((await w.cli('members', 'list', 'shop', '--tier', 'platinum', '--format', 'json')).stdout)).toEqual([]);
    expect((await w.cli('members', 'list', 'shop', '--tier', 'platinum')).stdout).toBe('No members of shop at platinum.\n');
    const gold = JSON.parse((await w.cli('members', 'list', 'shop', '--tier', 'gold', '--format', 'json')).stdout) as { member: string }[];
    expect(gold.map((m) => m.member)).toEqual(['Z-gold', 'm-gold']);
    const basic = JSON.parse((await w.cli('members', 'list', 'shop', '--tier', 'basic', '--format', 'json')).stdout) as { member: string }[];
    expect(basic.map((m) => m.member)).toEqual(['a-basic', 'm-basic']);
    const limited = await w.cli('members', 'list', 'shop', '--limit', '2');
    expect(limited.stdout).toContain('Z-gold');
    expect(limited.stdout).toContain('a-basic');
    expect(limited.stdout).not.toContain('m-gold');
    expect(limited.stdout).toContain('2 of 5 members shown');
    const limitedJson = JSON.parse((await w.cli('members', 'list', 'shop', '--limit', '1', '--format', 'json')).stdout) as unknown[];
    expect(limitedJson).toHaveLength(1);
  });

  it('refuses a tier the program does not define and a bad limit', async () => {
    const tier = await w.cli('members', 'list', 'shop', '--tier', 'diamond');
    expect(tier.code).toBe(1);
    expect(tier.stderr).toMatch(/^error state\.unknown-tier: /);
    const limit = await w.cli('members', 'list', 'shop', '--limit', '0');
    expect(limit.code).toBe(1);
    expect(limit.stderr).toContain('--limit');
  });
});

describe('status', () => {
  it('counts members per tier from the stored state: every tier of the active version, empty ones and basic included', async () => {
    const r = await w.cli('status', 'shop', '--format', 'json', '--now', T0);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { members: Record<string, number> }).members).toEqual({ silver: 1, gold: 2, platinum: 0, basic: 2 });
    const text = await w.cli('status', '--now', T0);
    expect(text.stdout).toContain('silver 1, gold 2, platinum 0, basic 2');
  });
});

describe('entitlements follow the active version', () => {
  it('an edit of a benefit reaches every member of the tier at once, without touching grants', async () => {
    await w.dir.write({
      'programs/shop/program.yaml': program([
        { type: 'upgrade_points', points: 999 },
        { type: 'discount', percentOff: 15, channels: ['app'] },
      ]),
    });
    const applied = await w.cli('apply', '--auto-approve', '--now', '2026-03-02T00:00:00Z');
    expect(applied.code).toBe(0);
    for (const member of ['m-gold', 'Z-gold']) {
      const r = JSON.parse((await w.cli('members', 'show', 'shop', member, '--format', 'json')).stdout) as { entitlements: unknown[]; grants: { points?: number }[] };
      expect(r.entitlements).toEqual([{ type: 'discount', percentOff: 15, channels: ['app'], tier: 'gold' }]);
      if (member === 'm-gold') expect(r.grants.map((g) => g.points)).toEqual([50, 200, undefined]);
    }
    const silver = JSON.parse((await w.cli('members', 'show', 'shop', 'm-silver', '--format', 'json')).stdout) as { entitlements: unknown[] };
    expect(silver.entitlements).toEqual([{ type: 'free_shipping', channels: ['online_store', 'app'], tier: 'silver' }]);
  });

  it('a disabled program gives no tier entitlements', async () => {
    const doc = program([{ type: 'discount', percentOff: 15 }]) as { spec: { enabled: boolean } };
    doc.spec.enabled = false;
    await w.dir.write({ 'programs/shop/program.yaml': doc });
    const applied = await w.cli('apply', '--auto-approve', '--now', '2026-03-03T00:00:00Z');
    expect(applied.stderr).toBe('');
    expect(applied.code).toBe(0);
    const r = JSON.parse((await w.cli('members', 'show', 'shop', 'm-gold', '--format', 'json')).stdout) as { tier: string; entitlements: unknown[] };
    expect(r.entitlements).toEqual([]);
  });
});
