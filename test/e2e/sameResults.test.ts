/**
 * One flow — apply → import → run-due → a scheduled change (plan, apply) → run-due — run by the
 * built CLI twice: on an embedded database (one PostgreSQL) and on the test database (the
 * server, or with .ci/run's cluster run a Citus coordinator with two workers). The plans,
 * statuses and members must be the same. On Citus, the merchants' rows must sit in shards on
 * the workers, spread over both.
 */
import { afterAll, describe, expect, it, vi } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBin } from '../helpers/cli.js';
import { testdir, type TestDir } from '../helpers/testdir.js';
import { serverUrl, testCitusCluster, testDbUrlForSubprocess, type SubprocessDb } from '../helpers/db.js';
import { workerUrls } from '../helpers/citus.js';
import { openPg } from '../../src/store/pg.js';

vi.setConfig({ testTimeout: 600_000 });

// Chosen so that Citus's hash of merchant_id puts them on both workers of a two-worker cluster.
const MERCHANTS = ['north', 'south', 'east', 'west'];
const APPLY1 = '2026-03-02T10:00:00Z';
const IMPORTED = '2026-03-02T11:00:00Z';
const EVALUATED = '2026-03-03T09:00:00Z';
const BEFORE_T = '2026-03-04T09:00:00Z';
const T = '2026-03-05T06:00:00Z';
const AFTER_T = '2026-03-05T09:00:00Z';

function program(merchant: string, gold: number, scheduledAt?: string): object {
  return {
    apiVersion: 'tierform.dev/v1',
    kind: 'MembershipProgram',
    metadata: { merchant, subscription: 'growth', timezone: 'UTC', currency: 'USD' },
    spec: {
      type: 'levels',
      enabled: true,
      effective: scheduledAt ? { mode: 'scheduled', at: scheduledAt, existingMembers: 'recalculate' } : { mode: 'immediate', existingMembers: 'recalculate' },
      evaluation: { cron: '0 3 * * *' },
      levels: {
        upgrade: { basis: 'accumulated', window: { rolling: { months: 12 } }, exclude: ['gift_card'] },
        downgrade: { mode: 'recompute' },
        refunds: 'recalculate',
        tiers: [
          { id: 'silver', name: 'Silver', threshold: { amount: 200 }, benefits: [{ type: 'upgrade_points', points: 50 }] },
          { id: 'gold', name: 'Gold', threshold: { amount: gold }, benefits: [{ type: 'upgrade_points', points: 200 }] },
        ],
      },
      notifications: { upgrade: 'Hi {member.name}, you are now {tier.name}.', downgrade: 'Hi {member.name}, your level is now {tier.name}.' },
    },
  };
}

const ndjson = (rows: object[]): string => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
function data(): { members: string; orders: string } {
  const members: object[] = [];
  const orders: object[] = [];
  MERCHANTS.forEach((merchant, mi) => {
    for (let i = 0; i < 6; i++) {
      const member = `m${i}`;
      members.push({ merchant, member, joinedAt: '2026-01-05T09:00:00Z', name: `${merchant} ${i}` });
      // Spend 0, 150, 300, …: basic, silver and gold members, different per merchant.
      const spend = (i + mi) * 150;
      if (spend > 0) orders.push({ merchant, order: `o${i}`, member, amount: spend, paidAt: '2026-02-01T10:00:00Z', status: 'paid' });
      if (i === 2) orders.push({ merchant, order: `g${i}`, member, amount: 5000, paidAt: '2026-02-02T10:00:00Z', status: 'paid', tags: ['gift_card'] });
    }
  });
  return { members: ndjson(members), orders: ndjson(orders) };
}

/**
 * Leaves out what is not a result: when a run finished (--now plus the wall time it took), and
 * which history id each of the moves one statement writes got (identity values in the order the
 * engine produced the rows, unordered on either engine).
 */
function comparable(key: string, value: unknown): unknown {
  if (key === 'finishedAt' || key === 'startedAt' || key === 'historyId') return undefined;
  if (key === 'key' && typeof value === 'string' && value.startsWith('history:')) return 'history:';
  return value;
}

interface FlowResult {
  outputs: Record<string, unknown>;
}

/** The flow on one database; every output that must agree, parsed. */
async function flow(dir: TestDir, db: SubprocessDb): Promise<FlowResult> {
  const outputs: Record<string, unknown> = {};
  const ok = async (name: string, ...argv: string[]): Promise<unknown> => {
    const r = await runBin([...argv, ...db.args], { cwd: dir.dir });
    expect(r.code, `${db.kind}: tierform ${argv.join(' ')}\n${r.stderr}`).toBe(0);
    // Text output names its database first (SPEC §4.7); that line differs by design.
    const parsed: unknown = argv.includes('json') ? JSON.parse(r.stdout, comparable) : r.stdout.replace(/^target: .*\n/, '');
    outputs[name] = parsed;
    return parsed;
  };
  await dir.write(Object.fromEntries(MERCHANTS.map((m) => [`programs/${m}/program.yaml`, program(m, 600)])));
  await ok('apply1', 'apply', 'programs', '--auto-approve', '--now', APPLY1);
  await ok('members', 'import', 'members', 'members.ndjson', '--format', 'json', '--now', IMPORTED);
  await ok('orders', 'import', 'orders', 'orders.ndjson', '--format', 'json', '--now', IMPORTED);
  await ok('runDue1', 'run-due', '--format', 'json', '--now', EVALUATED);
  await dir.write(Object.fromEntries(MERCHANTS.map((m) => [`programs/${m}/program.yaml`, program(m, 900, T)])));
  await ok('plan', 'plan', 'programs', '--format', 'json', '--now', BEFORE_T);
  await ok('apply2', 'apply', 'programs', '--auto-approve', '--now', BEFORE_T);
  await ok('runDue2', 'run-due', '--format', 'json', '--now', AFTER_T);
  for (const m of MERCHANTS) {
    await ok(`status ${m}`, 'status', m, '--format', 'json', '--now', AFTER_T);
    await ok(`members ${m}`, 'members', 'list', m, '--format', 'json', '--now', AFTER_T);
    await ok(`member ${m} m3`, 'members', 'show', m, 'm3', '--format', 'json', '--now', AFTER_T);
    await ok(`outbox ${m}`, 'outbox', 'list', m, '--format', 'json');
  }
  return { outputs };
}

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

describe('the same flow on one server and on the test database', () => {
  it('gives the same plan, statuses, members and outbox; on Citus the workers hold the shards', async () => {
    const dir = await testdir({ 'members.ndjson': data().members, 'orders.ndjson': data().orders });
    cleanups.push(dir.cleanup);
    const embeddedDir = await mkdtemp(join(tmpdir(), 'tierform-db-'));
    cleanups.push(() => rm(embeddedDir, { recursive: true, force: true }));
    const embedded: SubprocessDb = { args: ['--data-dir', join(embeddedDir, 'db')], kind: 'pglite', cleanup: async () => {} };
    const tested = await testDbUrlForSubprocess();
    cleanups.push(tested.cleanup);

    const reference = await flow(dir, embedded);
    const result = await flow(dir, tested);
    // The flow did something worth comparing: members moved at the scheduled change.
    const plan = reference.outputs.plan as { merchants: { impact: { transitions: { from: string; to: string }[] } | null }[] };
    expect(plan.merchants.some((m) => (m.impact?.transitions ?? []).some((t) => t.from === 'gold' && t.to === 'silver'))).toBe(true);
    for (const key of Object.keys(reference.outputs)) expect(result.outputs[key], key).toEqual(reference.outputs[key]);

    const cluster = await testCitusCluster();
    if (!cluster) return;
    const url = tested.args[1]!;
    const name = new URL(url).pathname.slice(1);
    const coordinator = openPg({ connectionString: url, max: 1 });
    try {
      // Where each merchant's members shard is, by Citus's own placement metadata.
      const { rows } = await coordinator.query<{ merchant: string; shard: string; port: number }>(
        `SELECT m.merchant AS merchant, s.shardid::text AS shard, n.nodeport AS port
           FROM unnest($1::text[]) AS m(merchant)
           JOIN pg_dist_shard s ON s.logicalrelid = 'members'::regclass AND s.shardid = get_shard_id_for_distribution_column('members', m.merchant)
           JOIN pg_dist_placement p ON p.shardid = s.shardid
           JOIN pg_dist_node n ON n.groupid = p.groupid`,
        [MERCHANTS],
      );
      expect(rows).toHaveLength(MERCHANTS.length);
      const workerPorts = cluster.workers.map((w) => w.port);
      for (const r of rows) expect(workerPorts, `${r.merchant}'s shard on a worker`).toContain(r.port);
      expect(new Set(rows.map((r) => r.port)).size, 'merchants spread over both workers').toBe(2);
      // Each worker holds the merchant's rows in the shard table itself.
      const urls = workerUrls(serverUrl!, cluster, name);
      for (const r of rows) {
        const worker = openPg({ connectionString: urls[workerPorts.indexOf(r.port)]!, max: 1 });
        try {
          const held = await worker.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${`members_${r.shard}`} WHERE merchant_id = $1`, [r.merchant]);
          expect(held.rows[0]!.n, `${r.merchant} on worker :${r.port}`).toBe(6);
        } finally {
          await worker.close();
        }
      }
    } finally {
      await coordinator.close();
    }
  });
});
