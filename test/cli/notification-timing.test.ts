/**
 * Notification send time and length, end to end with the built CLI (SPEC §1.1, v1.1): plan
 * refuses a template the live data can render over maxLength, naming the template, the
 * rendering and its length; the evaluation's messages wait for sendAt in the merchant's zone and
 * `outbox list` shows them once released (or with --all). A malformed sendAt is a schema error.
 * Runs on the embedded database or, with TIERFORM_TEST_DATABASE_URL, on the server.
 */
import { afterAll, describe, expect, it, vi } from 'vitest';
import { mkdir, writeFile } from 'node:fs/promises';
import { gitRepo, type GitRepo } from '../e2e/repo.js';

vi.setConfig({ testTimeout: 600_000 });

const PROGRAM = 'programs/shop/program.yaml';
const LONG_NAME = 'Maximiliane Oberhausen-Wittgenstein';

function program(notifications: string): string {
  return `apiVersion: tierform.dev/v1
kind: MembershipProgram
metadata:
  merchant: shop
  subscription: growth
  timezone: Asia/Shanghai
  currency: USD
spec:
  type: levels
  enabled: true
  effective: { mode: immediate, existingMembers: recalculate }
  levels:
    tiers:
      - id: silver
        name: Silver
        threshold: { amount: 100 }
        benefits:
          - { type: free_shipping }
      - id: gold
        name: Gold Circle
        threshold: { amount: 1000 }
        benefits:
          - { type: discount, percentOff: 10 }
  notifications:
${notifications}`;
}

const ndjson = (rows: object[]): string => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

interface OutboxJson {
  member: string;
  message: string;
  createdAt: string;
  deliverAfter: string;
}

let repo: GitRepo | undefined;
afterAll(async () => {
  await repo?.cleanup();
});

describe('notification send time and length', () => {
  it('refuses a template over maxLength at plan, and releases messages at sendAt', async () => {
    const r = (repo = await gitRepo());
    await mkdir(r.dir.path('programs/shop'), { recursive: true });
    const template = '    upgrade: "Hi {member.name}, you are now {tier.name}!"\n';
    await writeFile(r.dir.path(PROGRAM), program(template));
    await r.ok('apply', 'programs/', '--auto-approve', '--now', '2026-02-10T00:00:00Z');
    await writeFile(
      r.dir.path('members.ndjson'),
      ndjson([
        { merchant: 'shop', member: 'ann', joinedAt: '2026-01-05T09:00:00Z', name: 'Ann' },
        { merchant: 'shop', member: 'max', joinedAt: '2026-01-05T09:00:00Z', name: LONG_NAME },
      ]),
    );
    await r.ok('import', 'members', 'members.ndjson', '--now', '2026-02-11T00:00:00Z');

    // A malformed send time is a schema error; nothing is planned.
    await writeFile(r.dir.path(PROGRAM), program(`${template}    sendAt: "9:00"\n`));
    const badTime = await r.cli('validate', 'programs/');
    expect(badTime.code).toBe(1);
    expect(badTime.stdout).toMatch(/error schema\.[a-z-]+: .*/);
    expect(badTime.stdout).toContain('sendAt');

    // The longest name and the longest tier name give 59 characters: over 50.
    await writeFile(r.dir.path(PROGRAM), program(`${template}    sendAt: "09:00"\n    maxLength: 50\n`));
    const tooLong = await r.cli('plan', '--now', '2026-02-12T00:00:00Z');
    expect(tooLong.code).toBe(1);
    const longest = `Hi ${LONG_NAME}, you are now Gold Circle!`;
    expect(tooLong.stdout + tooLong.stderr).toContain(`notifications.too-long`);
    expect(tooLong.stdout + tooLong.stderr).toContain(`notifications.upgrade can render ${longest.length} characters, over maxLength 50: "${longest}"`);
    await writeFile(r.dir.path(PROGRAM), program(`${template}    sendAt: "09:00"\n    maxLength: ${longest.length}\n`));
    await r.ok('apply', 'programs/', '--auto-approve', '--now', '2026-02-12T00:00:00Z');

    // Upgrades at 12:00 Shanghai time on 1 March are released at 09:00 on 2 March (01:00Z).
    await writeFile(r.dir.path('orders.ndjson'), ndjson([{ merchant: 'shop', order: 'o1', member: 'ann', amount: 150, paidAt: '2026-03-01T03:00:00Z', status: 'paid' }]));
    await r.ok('import', 'orders', 'orders.ndjson', '--now', '2026-03-01T04:00:00Z');
    await r.ok('evaluate', 'shop', '--now', '2026-03-01T04:00:00Z');
    const waiting = await r.ok('outbox', 'list', 'shop', '--now', '2026-03-02T00:59:00Z');
    expect(waiting.stdout).toBe('No notifications waiting for shop.\n');
    const all = JSON.parse((await r.ok('outbox', 'list', 'shop', '--all', '--format', 'json', '--now', '2026-03-02T00:59:00Z')).stdout) as OutboxJson[];
    expect(all).toEqual([expect.objectContaining({ member: 'ann', message: 'Hi Ann, you are now Silver!', deliverAfter: '2026-03-02T01:00:00.000Z' })]);
    const released = JSON.parse((await r.ok('outbox', 'list', 'shop', '--format', 'json', '--now', '2026-03-02T01:00:00Z')).stdout) as OutboxJson[];
    expect(released.map((e) => e.member)).toEqual(['ann']);
  });
});
