/**
 * Several merchants recalculated at once on a Citus cluster (issue 14): merchant ids chosen so
 * that their shard groups sit on every worker, each loaded through the import code with a small
 * generated data set, then the recalculation of a threshold change run for each — the path
 * run-due takes (openRun + continueRun, default batch size), each merchant on its own
 * connection — first one after another, then all at once.
 *
 * Reported per merchant: the worker holding its shards, the plan of its recalculation step (a
 * router query or not, on which node), its run's time in both phases, and the statements Citus
 * counted for it while all ran at once (citus_stat_tenants: a statement is counted for a tenant
 * only when it is routed by that merchant id, and on the node that ran it). citus_stat_counters
 * counts the single-shard and multi-shard executions of the whole database in that phase.
 *
 * Sizes: TIERFORM_BENCH_CITUS_MERCHANTS (default 4) merchants of TIERFORM_BENCH_CITUS_MEMBERS
 * (default 2,000) members with 20 orders each. Each run is rolled back (its batches commit to
 * savepoints), so both phases start from the same data; the merchants' rows are deleted at the end.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { MembershipProgram } from '../src/generated/types.js';
import type { Db } from '../src/store/db.js';
import { openPg } from '../src/store/pg.js';
import { migrate } from '../src/store/migrate.js';
import type { Statement } from '../src/store/statement.js';
import { continueRun, evaluateInline, openRun } from '../src/engine/index.js';
import { loadVersion } from '../src/engine/versions.js';
import { recalculateStep } from '../src/engine/recalculateSteps.js';
import { ordersImport } from '../src/import/orders.js';
import { membersImport } from '../src/import/members.js';
import { writeGenerated } from './generate.js';
import { applyProgram, clearMerchant, importFile, rolledBack } from './dbBench.js';
import { BEFORE, CHANGE_AT, CHANGED, DAILY_AT, INITIAL, nestedDb, program } from './engine.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const TABLES = ['orders', 'points_ledger', 'members', 'member_history', 'grants', 'outbox', 'engine_runs', 'evaluation_marks'];

interface Merchant {
  id: string;
  node: string;
  version: number;
  plan: string;
  sequential: number;
  together: number;
  changed: number;
  routed: number;
  routedNodes: string;
}

export async function benchCitusMerchants(url: string): Promise<string[]> {
  const count = Number(process.env.TIERFORM_BENCH_CITUS_MERCHANTS ?? 4);
  const members = Number(process.env.TIERFORM_BENCH_CITUS_MEMBERS ?? 2_000);
  const orders = members * 20;
  const log = (message: string): void => console.error(`bench citus merchants: ${message}`);
  const db = openPg({ connectionString: url, applicationName: 'tierform-bench-citus' });
  const dir = await mkdtemp(join(tmpdir(), 'tierform-bench-citus-'));
  let chosen: Merchant[] = [];
  let statsOn = false;
  try {
    await migrate(db);
    chosen = await chooseMerchants(db, count);
    const base = parse(readFileSync(join(ROOT, 'programs/acme/program.yaml'), 'utf8')) as MembershipProgram;
    for (const [i, m] of chosen.entries()) {
      log(`loading ${m.id} (${m.node}): ${members.toLocaleString('en-US')} members, ${orders.toLocaleString('en-US')} orders…`);
      await applyProgram(db, m.id, program(base, INITIAL, 'accumulated', null, m.id), BEFORE);
      const membersFile = join(dir, `${m.id}-members.csv`);
      const ordersFile = join(dir, `${m.id}-orders.csv`);
      await writeGenerated(membersFile, 'members', 'csv', { merchant: m.id, members, orders: 0, before: BEFORE, seed: 3 + i });
      await writeGenerated(ordersFile, 'orders', 'csv', { merchant: m.id, members, orders, before: BEFORE, seed: 5 + i });
      await importFile(db, membersImport, membersFile, members);
      await importFile(db, ordersImport, ordersFile, orders);
      await db.transaction((tx) => evaluateInline(tx, m.id, BEFORE));
      // The threshold change of the engine bench, taking effect at CHANGE_AT: what run-due recalculates.
      m.version = await applyProgram(db, m.id, program(base, CHANGED, 'accumulated', CHANGE_AT, m.id), DAILY_AT);
      const v = await loadVersion(db, m.id, m.version);
      m.plan = await planShape(db, recalculateStep({ merchant: m.id, rules: v.rules, version: m.version, runId: null, at: CHANGE_AT, scope: { lo: null, hi: null } }, 'recalculate'));
    }
    await db.query('VACUUM ANALYZE members, orders, member_history, grants');

    // Tenant statistics and execution counters: superuser settings, for new sessions of this database.
    statsOn = await setStats(db, true);
    const connections = chosen.map(() => openPg({ connectionString: url, applicationName: 'tierform-bench-citus-run', max: 1 }));
    try {
      log('one after another…');
      const t0 = performance.now();
      for (const [i, m] of chosen.entries()) {
        const r = await recalculate(connections[i]!, m);
        m.sequential = r.seconds;
        m.changed = r.changed;
      }
      const sequential = (performance.now() - t0) / 1000;
      await db.query('VACUUM members, member_history, grants, engine_runs, outbox');
      if (statsOn) await resetStats(db);
      log('all at once…');
      const t1 = performance.now();
      const together = await Promise.all(chosen.map((m, i) => recalculate(connections[i]!, m)));
      const wall = (performance.now() - t1) / 1000;
      together.forEach((r, i) => (chosen[i]!.together = r.seconds));
      const counters = statsOn ? await readStats(db, chosen) : null;
      await db.query('VACUUM members, member_history, grants, engine_runs, outbox');
      return notes(chosen, { members, orders, sequential, wall, counters });
    } finally {
      await Promise.all(connections.map((c) => c.close()));
    }
  } finally {
    if (statsOn) await setStats(db, false).catch(() => false);
    for (const m of chosen) await clearMerchant(db, m.id, TABLES).catch(() => {});
    await rm(dir, { recursive: true, force: true });
    await db.close();
  }
}

/**
 * Merchant ids whose shard group (that of members; orders and the rest are co-located) sits on
 * each worker in turn: `count` of them, spread evenly over the workers.
 */
async function chooseMerchants(db: Db, count: number): Promise<Merchant[]> {
  const byNode = new Map<string, string[]>();
  for (let i = 0; i < 200; i++) {
    const id = `bench-citus-${i}`;
    const { rows } = await db.query<{ node: string }>(
      `SELECT s.nodename || ':' || s.nodeport AS node FROM citus_shards s
        WHERE s.shardid = get_shard_id_for_distribution_column('members', $1::text)`,
      [id],
    );
    const node = rows[0]?.node;
    if (node) byNode.set(node, [...(byNode.get(node) ?? []), id]);
  }
  const nodes = [...byNode.keys()].sort();
  const picked: Merchant[] = [];
  for (let i = 0; picked.length < count && i < 200; i++) {
    const node = nodes[i % nodes.length]!;
    const id = byNode.get(node)?.[Math.floor(i / nodes.length)];
    if (id) picked.push({ id, node, version: 0, plan: '', sequential: 0, together: 0, changed: 0, routed: 0, routedNodes: '' });
  }
  return picked;
}

/** The merchant's recalculation as run-due runs it (openRun, then continueRun), rolled back. */
async function recalculate(db: Db, m: Merchant): Promise<{ seconds: number; changed: number }> {
  return rolledBack(db, async (tx) => {
    const start = performance.now();
    const spec = { merchant: m.id, kind: 'recalculate' as const, version: m.version, at: CHANGE_AT, key: `recalculate:v${m.version}` };
    const { run } = await openRun(tx, spec, CHANGE_AT);
    const done = await continueRun(nestedDb(tx, db.kind), m.id, run.runId, { clock: () => CHANGE_AT });
    return { seconds: (performance.now() - start) / 1000, changed: done.membersChanged };
  });
}

async function setStats(db: Db, on: boolean): Promise<boolean> {
  const name = (await db.query<{ name: string }>('SELECT current_database() AS name')).rows[0]!.name.replace(/"/g, '""');
  try {
    for (const setting of ['citus.stat_tenants_track', 'citus.enable_stat_counters']) {
      const value = setting === 'citus.stat_tenants_track' ? "'all'" : 'on';
      await db.query(on ? `ALTER DATABASE "${name}" SET ${setting} = ${value}` : `ALTER DATABASE "${name}" RESET ${setting}`);
    }
    return true;
  } catch {
    return false;
  }
}

async function resetStats(db: Db): Promise<void> {
  await db.query('SELECT citus_stat_tenants_reset()');
  await db.query('SELECT citus_stat_counters_reset(oid) FROM pg_database WHERE datname = current_database()');
}

/** Statements counted per merchant and node (both periods: a period is citus.stat_tenants_period), and the database's executions. */
async function readStats(db: Db, chosen: Merchant[]): Promise<{ single: number; multi: number; period: string }> {
  const { rows } = await db.query<{ tenant: string; node: string; n: number }>(
    `SELECT t.tenant_attribute AS tenant, n.nodename || ':' || n.nodeport AS node,
            sum(t.query_count_in_this_period + t.query_count_in_last_period)::int AS n
       FROM citus_stat_tenants t JOIN pg_dist_node n ON n.nodeid = t.nodeid
      WHERE t.tenant_attribute = ANY($1::text[]) GROUP BY 1, 2 ORDER BY 1, 2`,
    [chosen.map((m) => m.id)],
  );
  for (const m of chosen) {
    const mine = rows.filter((r) => r.tenant === m.id);
    m.routed = mine.reduce((s, r) => s + r.n, 0);
    m.routedNodes = mine.map((r) => `${r.node} ${r.n}`).join(', ') || '—';
  }
  const c = await db.query<{ single: string; multi: string }>(
    `SELECT query_execution_single_shard::text AS single, query_execution_multi_shard::text AS multi
       FROM citus_stat_counters WHERE name = current_database()`,
  );
  const period = (await db.query<{ p: string }>("SELECT current_setting('citus.stat_tenants_period') AS p")).rows[0]!.p;
  return { single: Number(c.rows[0]?.single ?? 0), multi: Number(c.rows[0]?.multi ?? 0), period };
}

function notes(
  chosen: Merchant[],
  f: { members: number; orders: number; sequential: number; wall: number; counters: { single: number; multi: number; period: string } | null },
): string[] {
  const workers = new Set(chosen.map((m) => m.node));
  const table = [
    '| merchant | worker holding its shards | members moved | run, one after another | run, all at once | statements routed for it, all at once (node: count) |',
    '| --- | --- | --- | --- | --- | --- |',
    ...chosen.map((m) => `| ${m.id} | ${m.node} | ${m.changed.toLocaleString('en-US')} | ${m.sequential.toFixed(2)} s | ${m.together.toFixed(2)} s | ${f.counters ? m.routedNodes : 'not measured'} |`),
  ].join('\n');
  const lines = [
    `Several merchants at once: ${chosen.length} merchants of ${f.members.toLocaleString('en-US')} members and ${f.orders.toLocaleString('en-US')} orders each (loaded through the import code, first evaluation committed), ids chosen with get_shard_id_for_distribution_column and citus_shards so that their shard groups sit on ${workers.size} worker${workers.size === 1 ? '' : 's'} (${[...workers].join(', ')}). Each recalculates the accumulated threshold change as run-due does (openRun + continueRun, default batch size), on its own connection, rolled back: one after another ${f.sequential.toFixed(2)} s in all, all at once ${f.wall.toFixed(2)} s wall time (${(f.sequential / Math.max(f.wall, 1e-9)).toFixed(2)}× — the coordinator and both workers share this machine's cores, so this is contention, not a cluster's gain).`,
    table,
    `Plan of each merchant's recalculation step (EXPLAIN through the coordinator): ${chosen.map((m) => `${m.id} ${m.plan}`).join('; ')}.`,
  ];
  if (f.counters) {
    const elsewhere = chosen.filter((m) => !m.routedNodes.startsWith(m.node) || m.routedNodes.includes(','));
    lines.push(
      `Routing while all ran at once (citus_stat_tenants, which counts a statement for a merchant only when Citus routed it by that merchant id, on the node that ran it; counts kept for two periods of ${f.counters.period} s): ${elsewhere.length === 0 ? "every merchant's statements ran on the worker holding its shards and nowhere else" : `statements of ${elsewhere.map((m) => m.id).join(', ')} ran on other nodes too`}. citus_stat_counters for the database in that phase: ${f.counters.single.toLocaleString('en-US')} single-shard executions, ${f.counters.multi.toLocaleString('en-US')} multi-shard.`,
    );
  } else {
    lines.push('Routing counts not measured: setting citus.stat_tenants_track and citus.enable_stat_counters needs a superuser.');
  }
  return lines;
}

/** The Citus lines of EXPLAIN (no ANALYZE): the custom scans, task counts, INSERT … SELECT methods, nodes. */
export async function planShape(db: Db, statement: Statement): Promise<string> {
  const { rows } = await db.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${statement.text}`, [...statement.values]);
  const lines = rows
    .map((r) => r['QUERY PLAN'].trim().replace(/^->\s*/, '').replace(/\s+\(cost=.*$/, ''))
    .filter((l) => /Citus|Task Count|INSERT\/SELECT method|Node: host/.test(l))
    .map((l) => l.replace(/ dbname=\S+/, ''));
  return lines.length > 0 ? `\`${[...new Set(lines)].join(' · ')}\`` : '(no Citus plan lines)';
}
