/**
 * Welcome benefits and the join message end to end with the built CLI (SPEC §3.9, v1.1): a
 * version adds `levels.welcome` and `notifications.join`; members who join afterwards — by
 * `import members` or first seen in `import orders` — are welcomed once by run-due: the welcome
 * grants in the ledger (due at joinedAt), the join message in the outbox with `{program.rules}`
 * rendered, released at sendAt; members who joined before get nothing; evaluating again grants
 * nothing twice, and a benefit added later reaches only members who join after it.
 * Runs on the embedded database or, with TIERFORM_TEST_DATABASE_URL, on the server.
 */
import { afterAll, describe, expect, it, vi } from 'vitest';
import { mkdir, writeFile } from 'node:fs/promises';
import { gitRepo, type GitRepo } from '../e2e/repo.js';

vi.setConfig({ testTimeout: 600_000 });

const PROGRAM = 'programs/shop/program.yaml';
const RULES = 'Silver: spend 1,000 HKD within 3 months. Gold: spend 5,000 HKD and place 3 orders within 12 months.';

function program(welcome: string, notifications: string): string {
  return `apiVersion: tierform.dev/v1
kind: MembershipProgram
metadata:
  merchant: shop
  subscription: growth
  timezone: Asia/Hong_Kong
  currency: HKD
spec:
  type: levels
  enabled: true
  effective: { mode: immediate, existingMembers: recalculate }
  levels:
    upgrade: { window: { rolling: { months: 3 } } }
${welcome}
    tiers:
      - id: silver
        name: Silver
        threshold: { amount: 1000 }
      - id: gold
        name: Gold
        threshold: { amount: 5000, orders: 3 }
        window: { rolling: { months: 12 } }
  notifications:
    upgrade: "Hi {member.name}, you are now {tier.name}"
${notifications}`;
}

const WELCOME = '    welcome:\n      - { type: cash_voucher, amountOff: 50, minSpend: 300 }\n      - { type: join_points, points: 100 }';
const JOIN = '    join: "Welcome {member.name}! {program.rules}"\n    sendAt: "09:00"\n';
const ndjson = (rows: object[]): string => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

interface OutboxJson {
  id: number;
  key: string;
  event: string;
  member: string;
  message: string;
  deliverAfter: string;
}
interface MemberJson {
  grants: { type: string; key: string; dueAt: string; at: string; points?: number }[];
  welcomedAt: string | null;
}

let repo: GitRepo | undefined;
afterAll(async () => {
  await repo?.cleanup();
});

describe('welcome benefits and the join message', () => {
  it('welcomes each member who joins after the version once, with grants and a rendered message', async () => {
    const r = (repo = await gitRepo());
    await mkdir(r.dir.path('programs/shop'), { recursive: true });
    const outbox = async (now: string, all = true): Promise<OutboxJson[]> =>
      JSON.parse((await r.ok('outbox', 'list', 'shop', ...(all ? ['--all'] : []), '--format', 'json', '--now', now)).stdout) as OutboxJson[];
    const member = async (id: string, now: string): Promise<MemberJson> =>
      JSON.parse((await r.ok('members', 'show', 'shop', id, '--format', 'json', '--now', now)).stdout) as MemberJson;

    // v1 has no welcome; olga joins under it.
    await writeFile(r.dir.path(PROGRAM), program('', ''));
    await r.ok('apply', 'programs/', '--auto-approve', '--now', '2026-01-01T00:00:00Z');
    await writeFile(r.dir.path('olga.ndjson'), ndjson([{ merchant: 'shop', member: 'olga', joinedAt: '2026-01-05T10:00:00Z', name: 'Olga' }]));
    await r.ok('import', 'members', 'olga.ndjson', '--now', '2026-01-06T00:00:00Z');

    // v2 adds the welcome and the join message: a benefit change, not a rule change.
    await writeFile(r.dir.path(PROGRAM), program(WELCOME, JOIN));
    const plan = JSON.parse((await r.ok('plan', 'programs/', '--format', 'json', '--now', '2026-02-01T00:00:00Z')).stdout) as {
      merchants: { changes: { pointer: string; class: string }[] }[];
    };
    expect(plan.merchants[0]!.changes.filter((c) => /welcome|join/.test(c.pointer))).toEqual([
      expect.objectContaining({ pointer: '/spec/levels/welcome', class: 'benefit' }),
      expect.objectContaining({ pointer: '/spec/notifications/join', class: 'benefit' }),
    ]);
    await r.ok('apply', 'programs/', '--auto-approve', '--now', '2026-02-01T00:00:00Z');

    // ann registers; bob is first seen in an order (joinedAt = its paidAt) that makes him Silver.
    await writeFile(r.dir.path('ann.ndjson'), ndjson([{ merchant: 'shop', member: 'ann', joinedAt: '2026-02-05T10:00:00Z', name: 'Ann' }]));
    await r.ok('import', 'members', 'ann.ndjson', '--now', '2026-02-06T00:00:00Z');
    await writeFile(r.dir.path('bob.ndjson'), ndjson([{ merchant: 'shop', order: 'o1', member: 'bob', amount: 1200, paidAt: '2026-02-06T02:00:00Z', status: 'paid' }]));
    await r.ok('import', 'orders', 'bob.ndjson', '--now', '2026-02-06T03:00:00Z');

    // The daily evaluation at 03:00 Hong Kong time on 7 February (19:00Z on the 6th).
    await r.ok('run-due', '--now', '2026-02-07T00:00:00Z');
    const evaluatedAt = '2026-02-06T19:00:00.000Z';
    const released = '2026-02-07T01:00:00.000Z'; // 09:00 in Hong Kong
    const first = await outbox('2026-02-07T00:00:00Z');
    expect(first.map((e) => [e.key, e.event, e.member, e.message, e.deliverAfter])).toEqual([
      ['join:ann', 'join', 'ann', `Welcome Ann! ${RULES}`, released],
      ['join:bob', 'join', 'bob', `Welcome bob! ${RULES}`, released],
      [expect.stringMatching(/^history:/), 'upgrade', 'bob', 'Hi bob, you are now Silver', released],
    ]);
    // Nothing is released before 09:00.
    expect(await outbox('2026-02-07T00:59:00Z', false)).toEqual([]);
    expect((await outbox('2026-02-07T01:00:00Z', false)).length).toBe(3);

    const ann = await member('ann', '2026-02-07T00:00:00Z');
    expect(ann.welcomedAt).toBe(evaluatedAt);
    expect(ann.grants).toEqual([
      { type: 'cash_voucher', key: 'welcome:0', dueAt: '2026-02-05T10:00:00.000Z', at: evaluatedAt },
      { type: 'join_points', key: 'welcome:1', dueAt: '2026-02-05T10:00:00.000Z', at: evaluatedAt, points: 100 },
    ]);
    expect((await member('bob', '2026-02-07T00:00:00Z')).grants.map((g) => [g.key, g.dueAt])).toEqual([
      ['welcome:0', '2026-02-06T02:00:00.000Z'],
      ['welcome:1', '2026-02-06T02:00:00.000Z'],
    ]);
    // olga joined before the version that added the welcome: nothing retroactively.
    const olga = await member('olga', '2026-02-07T00:00:00Z');
    expect(olga.welcomedAt).toBeNull();
    expect(olga.grants).toEqual([]);
    const card = await r.ok('members', 'show', 'shop', 'ann', '--now', '2026-02-07T00:00:00Z');
    expect(card.stdout).toContain(`welcomed:     ${evaluatedAt}`);

    // Evaluating again (the next day, and by hand) welcomes nobody twice.
    await r.ok('run-due', '--now', '2026-02-08T00:00:00Z');
    await r.ok('evaluate', 'shop', '--now', '2026-02-08T00:00:00Z');
    expect((await outbox('2026-02-08T00:00:00Z')).filter((e) => e.event === 'join').length).toBe(2);
    expect((await member('ann', '2026-02-08T00:00:00Z')).grants.length).toBe(2);

    // v3 adds a third benefit: ann keeps her two; carl, who joins after, gets all three.
    await writeFile(r.dir.path(PROGRAM), program(`${WELCOME}\n      - { type: free_shipping }`, JOIN));
    await r.ok('apply', 'programs/', '--auto-approve', '--now', '2026-02-08T01:00:00Z');
    await writeFile(r.dir.path('carl.ndjson'), ndjson([{ merchant: 'shop', member: 'carl', joinedAt: '2026-02-08T05:00:00Z' }]));
    await r.ok('import', 'members', 'carl.ndjson', '--now', '2026-02-08T06:00:00Z');
    await r.ok('run-due', '--now', '2026-02-09T00:00:00Z');
    expect((await member('ann', '2026-02-09T00:00:00Z')).grants.map((g) => g.key)).toEqual(['welcome:0', 'welcome:1']);
    expect((await member('carl', '2026-02-09T00:00:00Z')).grants.map((g) => `${g.key} ${g.type}`)).toEqual([
      'welcome:0 cash_voucher',
      'welcome:1 join_points',
      'welcome:2 free_shipping',
    ]);
    const joins = (await outbox('2026-02-09T00:00:00Z')).filter((e) => e.event === 'join');
    expect(joins.map((e) => e.member)).toEqual(['ann', 'bob', 'carl']);
  });
});
