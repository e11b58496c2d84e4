/**
 * Test databases on a Citus coordinator. A plain CREATE DATABASE there gives a database without
 * workers; a Citus-ready one needs the database on every node, the extension in each, and the
 * workers registered in the coordinator's copy (what ../shared/citus/cluster.sh createdb does).
 * The nodes are read from the coordinator's maintenance database, where the cluster was formed.
 */
import type { Db } from '../../src/store/db.js';
import { openPg } from '../../src/store/pg.js';

export interface CitusNode {
  host: string;
  port: number;
}

export interface CitusCluster {
  coordinator: CitusNode;
  workers: CitusNode[];
}

async function withConnection<T>(url: string, fn: (db: Db) => Promise<T>): Promise<T> {
  const db = openPg({ connectionString: url, max: 1 });
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

function urlOf(base: string, node: CitusNode, database: string): string {
  const url = new URL(base);
  url.hostname = node.host;
  url.port = String(node.port);
  url.pathname = `/${database}`;
  return url.toString();
}

/** The cluster behind `adminUrl`, or undefined when that server is not a Citus coordinator. */
export async function citusClusterOf(adminUrl: string): Promise<CitusCluster | undefined> {
  return withConnection(adminUrl, async (db) => {
    const ext = await db.query(`SELECT 1 FROM pg_extension WHERE extname = 'citus'`);
    if (ext.rowCount === 0) return undefined;
    const nodes = await db.query<{ nodename: string; nodeport: number; groupid: number }>(
      `SELECT nodename, nodeport, groupid FROM pg_dist_node WHERE noderole = 'primary' AND isactive ORDER BY groupid`,
    );
    const workers = nodes.rows.filter((n) => n.groupid !== 0).map((n) => ({ host: n.nodename, port: n.nodeport }));
    if (workers.length === 0) return undefined;
    const url = new URL(adminUrl);
    const own = nodes.rows.find((n) => n.groupid === 0);
    return { coordinator: own ? { host: own.nodename, port: own.nodeport } : { host: url.hostname, port: Number(url.port || 5432) }, workers };
  });
}

/** Creates database `name` on every node with Citus ready in it. */
export async function createCitusDatabase(adminUrl: string, cluster: CitusCluster, name: string): Promise<void> {
  for (const node of [cluster.coordinator, ...cluster.workers]) {
    await withConnection(urlOf(adminUrl, node, 'postgres'), (db) => db.query(`CREATE DATABASE ${name}`));
    await withConnection(urlOf(adminUrl, node, name), (db) => db.query('CREATE EXTENSION citus'));
  }
  await withConnection(urlOf(adminUrl, cluster.coordinator, name), async (db) => {
    await db.query('SELECT citus_set_coordinator_host($1, $2)', [cluster.coordinator.host, cluster.coordinator.port]);
    for (const w of cluster.workers) await db.query('SELECT citus_add_node($1, $2)', [w.host, w.port]);
  });
}

/** Drops database `name` on every node (the coordinator first: it holds connections to the workers). */
export async function dropCitusDatabase(adminUrl: string, cluster: CitusCluster, name: string): Promise<void> {
  for (const node of [cluster.coordinator, ...cluster.workers]) {
    await withConnection(urlOf(adminUrl, node, 'postgres'), (db) => db.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  }
}

/** URL of database `name` on each worker (tests that look at where the shards are). */
export function workerUrls(adminUrl: string, cluster: CitusCluster, name: string): string[] {
  return cluster.workers.map((w) => urlOf(adminUrl, w, name));
}

/**
 * How many sessions of the current database wait for a lock. On a Citus coordinator a
 * distributed statement waits on the worker that holds the row, where the coordinator's pg_locks
 * does not see it; citus_stat_activity shows every node's backends, each tagged with the global
 * pid of the session it works for.
 */
export async function lockWaiters(db: Db): Promise<number> {
  const citus = await db.query(`SELECT 1 FROM pg_extension WHERE extname = 'citus'`);
  const { rows } = await db.query<{ n: number }>(
    citus.rowCount > 0
      ? `SELECT count(DISTINCT global_pid)::int AS n FROM citus_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()`
      : `SELECT count(DISTINCT l.pid)::int AS n FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE NOT l.granted AND a.datname = current_database()`,
  );
  return Number(rows[0]!.n);
}
