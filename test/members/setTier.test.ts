/**
 * `tierform members set-tier` end to end (SPEC v1.1 §3.10): the move, its history, grants and
 * notification; the pin against evaluations; the file form; bad input refused with nothing written.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { insertMembers, workspace, type Workspace } from './workspace.js';

const T0 = '2026-03-01T00:00:00.000Z';
const T1 = '2026-03-02T02:00:00.000Z';

function program(merchant: string, downgrade: object): object {
  return {
    apiVersion: 'tierform.dev/v1',
    kind: 'MembershipProgram',
    metadata: { merchant, subscription: 'growth', timezone: 'Asia/Shanghai', currency: 'USD' },
    spec: {
      type: 'levels',
      enabled: true,
      effective: { mode: 'immediate', existingMembers: 'recalculate' },
      levels: {
        downgrade,
        tiers: [
          { id: 'silver', name: 'Silver', threshold: { amount: 100 } },
          { id: 'gold', name: 'Gold', threshold: { amount: 1000 }, benefits: [{ type: 'upgrade_points', points: 200 }] },
        ],
      },
      notifications: { upgrade: 'Hi {member.name}, you are now {tier.name}!' },
    },
  };
}

let w: Workspace;

beforeAll(async () => {
  w = await workspace({
    'programs/shop/program.yaml': program('shop', { mode: 'validity', validity: { months: 12 } }),
    'programs/rc/program.yaml': program('rc', { mode: 'recompute' }),
  });
  const applied = await w.cli('apply', '--auto-approve', '--now', T0);
  expect(applied.stderr).toBe('');
  expect(applied.code).toBe(0);
  await w.sql(async (q) => {
    const members = ['m-1', 'm-2', 'm-3', 'm-4'].map((member) => ({ member, joinedAt: '2026-01-01T00:00:00Z', name: member.toUpperCase() }));
    await insertMembers(q, 'shop', members);
    await insertMembers(q, 'rc', [{ member: 'r-1', joinedAt: '2026-01-01T00:00:00Z' }]);
  });
}, 120_000);

/** What a refused command must leave alone: history, grants, outbox and standings. */
async function written(): Promise<string> {
  return w.sql(async (q) => {
    const counts = await q.query<{ n: string }>(
      `SELECT (SELECT count(*) FROM member_history) + (SELECT count(*) FROM grants) + (SELECT count(*) FROM outbox) AS n`,
    );
    const tiers = await q.query<{ s: string }>(`SELECT string_agg(member_id || '=' || coalesce(tier_id, '-'), ',' ORDER BY member_id) AS s FROM members`);
    return `${counts.rows[0]!.n}/${tiers.rows[0]!.s}`;
  });
}

describe('members set-tier', () => {
  it('moves a member up by hand: history manual with actor and reason, upgrade points, the notification, the pin shown', async () => {
    const r = await w.cli('members', 'set-tier', 'shop', 'm-1', 'gold', '--reason', 'order cancelled after the upgrade', '--until', '2026-06-01', '--actor', 'alice', '--now', T1);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('m-1: basic → gold (manual, pinned until 2026-05-31T16:00:00.000Z, 200 upgrade points granted)');
    const show = JSON.parse((await w.cli('members', 'show', 'shop', 'm-1', '--format', 'json', '--now', T1)).stdout) as Record<string, unknown>;
    expect(show).toMatchObject({
      tier: 'gold',
      tierSince: T1,
      anchorAt: T1,
      // 2026-03-02 10:00 local + 12 months: the start of 2027-03-02 in Asia/Shanghai.
      expiresAt: '2027-03-01T16:00:00.000Z',
      pinnedUntil: '2026-05-31T16:00:00.000Z',
      grants: [{ type: 'upgrade_points', key: 'upgrade_points:gold', tier: 'gold', dueAt: T1, at: T1, points: 200 }],
      history: [{ from: null, to: 'gold', at: T1, reason: 'manual', version: 1, actor: 'alice', note: 'order cancelled after the upgrade' }],
    });
    const card = await w.cli('members', 'show', 'shop', 'm-1', '--now', T1);
    expect(card.stdout).toContain('pinned until: 2026-05-31T16:00:00.000Z');
    const outbox = await w.sql((q) => q.query<{ event: string; message: string }>(`SELECT event, message FROM outbox WHERE merchant_id = 'shop' AND member_id = 'm-1'`));
    expect(outbox.rows).toEqual([{ event: 'upgrade', message: 'Hi M-1, you are now Gold!' }]);
    // Back down by hand and up again: the points of gold were granted once, ever.
    expect((await w.cli('members', 'set-tier', 'shop', 'm-1', 'basic', '--reason', 'test', '--now', '2026-03-03T00:00:00Z')).code).toBe(0);
    const again = await w.cli('members', 'set-tier', 'shop', 'm-1', 'gold', '--reason', 'test', '--no-grants', '--now', '2026-03-04T00:00:00Z');
    expect(again.stdout).toContain('m-1: basic → gold (manual)');
    const grants = await w.sql((q) => q.query(`SELECT 1 FROM grants WHERE merchant_id = 'shop' AND member_id = 'm-1'`));
    expect(grants.rows).toHaveLength(1);
  });

  it('refuses bad input with a code and writes nothing', async () => {
    const before = await written();
    const cases: [string[], string][] = [
      [['shop', 'nobody', 'gold', '--reason', 'x'], 'state.unknown-member'],
      [['shop', 'm-2', 'diamond', '--reason', 'x'], 'members.unknown-tier'],
      [['shop', 'm-2', 'gold', '--reason', 'x', '--until', '2026-03-02'], 'members.pin-past'],
      [['shop', 'm-2', 'gold', '--reason', 'x', '--until', '2026-02-30'], 'members.until-invalid'],
      [['shop', 'm-2', 'gold'], 'usage.invalid'],
      [['rc', 'r-1', 'gold', '--reason', 'x'], 'members.pin-required'],
      [['nope', 'm-2', 'gold', '--reason', 'x'], 'members.program-inactive'],
    ];
    for (const [args, code] of cases) {
      const r = await w.cli('members', 'set-tier', ...args, '--now', T1);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr, args.join(' ')).toContain(`error ${code}:`);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    expect(await written()).toBe(before);
  });

  it('takes a file: all or nothing, problems reported with their line numbers', async () => {
    await w.dir.write({ 'bad.csv': 'member,tier,reason,until\nm-2,gold,vip,2026-12-31\nm-3,,vip,\n"m-4,silver\n' });
    const bad = await w.cli('members', 'set-tier', 'shop', '--file', 'bad.csv', '--now', T1);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('error members.file-invalid:');
    expect(bad.stderr).toContain('bad.csv:3:');
    expect(bad.stderr).toContain('bad.csv:4:');
    await w.dir.write({ 'unknown.ndjson': '{"member":"m-2","tier":"gold"}\n{"member":"m-3","tier":"bronze"}\n' });
    const unknown = await w.cli('members', 'set-tier', 'shop', '--file', 'unknown.ndjson', '--reason', 'batch', '--now', T1);
    expect(unknown.stderr).toContain('error members.unknown-tier: line 2:');
    const before = await written();
    expect(before).toContain('m-2=-');
    await w.dir.write({ 'good.csv': 'member,tier,reason,until\nm-2,gold,vip event,2026-12-31\nm-3,silver,,\n' });
    const good = await w.cli('members', 'set-tier', 'shop', '--file', 'good.csv', '--reason', 'spring batch', '--actor', 'ops', '--now', T1, '--format', 'json');
    expect(good.stderr).toBe('');
    const json = JSON.parse(good.stdout) as { moves: unknown[] };
    expect(json.moves).toEqual([
      { member: 'm-2', from: null, to: 'gold', pinnedUntil: '2026-12-30T16:00:00.000Z', pointsGranted: 200 },
      { member: 'm-3', from: null, to: 'silver', pinnedUntil: null, pointsGranted: null },
    ]);
    const notes = await w.sql((q) => q.query<{ member_id: string; note: string; actor: string }>(
      `SELECT member_id, note, actor FROM member_history WHERE merchant_id = 'shop' AND member_id IN ('m-2', 'm-3') ORDER BY member_id`,
    ));
    expect(notes.rows).toEqual([
      { member_id: 'm-2', note: 'vip event', actor: 'ops' },
      { member_id: 'm-3', note: 'spring batch', actor: 'ops' },
    ]);
  });

  it('a pin holds against evaluations until the start of its local date (mode recompute)', async () => {
    const set = await w.cli('members', 'set-tier', 'rc', 'r-1', 'gold', '--reason', 'partner', '--until', '2026-04-01', '--now', T1);
    expect(set.stderr).toBe('');
    expect((await w.cli('evaluate', 'rc', '--now', '2026-03-31T15:59:59Z')).code).toBe(0);
    const held = JSON.parse((await w.cli('members', 'show', 'rc', 'r-1', '--format', 'json', '--now', '2026-03-31T15:59:59Z')).stdout) as { tier: string };
    expect(held.tier).toBe('gold');
    expect((await w.cli('evaluate', 'rc', '--now', '2026-03-31T16:00:00Z')).code).toBe(0);
    const after = JSON.parse((await w.cli('members', 'show', 'rc', 'r-1', '--format', 'json', '--now', '2026-03-31T16:00:00Z')).stdout) as {
      tier: string | null;
      pinnedUntil: string | null;
      history: { reason: string }[];
    };
    expect(after).toMatchObject({ tier: null, pinnedUntil: null });
    expect(after.history.map((h) => h.reason)).toEqual(['manual', 'requalify']);
  });

  it('refuses a --now before the merchant\'s latest evaluation, as the engine does, and writes nothing', async () => {
    expect((await w.cli('evaluate', 'shop', '--now', '2026-03-10T00:00:00Z')).code).toBe(0);
    const before = await written();
    const early = await w.cli('members', 'set-tier', 'shop', 'm-4', 'gold', '--reason', 'late fix', '--now', '2026-03-09T23:59:59Z');
    expect(early.code).toBe(1);
    expect(early.stderr).toContain('error engine.clock-backwards: refusing to set tiers of shop at 2026-03-09T23:59:59.000Z');
    expect(early.stderr).not.toMatch(/\n\s+at /);
    const batch = await w.cli('members', 'set-tier', 'shop', '--file', 'good.csv', '--reason', 'batch', '--now', '2026-03-09T00:00:00Z');
    expect(batch.stderr).toContain('error engine.clock-backwards:');
    expect(await written()).toBe(before);
    // At the evaluation's own instant the move is allowed: it comes after what was judged.
    const same = await w.cli('members', 'set-tier', 'shop', 'm-4', 'gold', '--reason', 'late fix', '--now', '2026-03-10T00:00:00Z');
    expect(same.stderr).toBe('');
    expect(await written()).toContain('m-4=gold');
  });
});
