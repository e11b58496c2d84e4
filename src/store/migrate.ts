/**
 * Schema migrations: numbered plain SQL files in migrations/ (`NNNN_name.sql`), recorded in
 * schema_migrations, applied in order in one transaction under a transaction-scoped advisory
 * lock, so two processes starting at once apply each file exactly once.
 */
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { TierformError } from '../cli/errors.js';
import type { Db, Queryable } from './db.js';
import { citusInstalled, distributeTables, tablesToPlace } from './distribute.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** src/store/ and dist/store/ both sit two levels below the package root. */
export const defaultMigrationsDir = fileURLToPath(new URL('../../migrations/', import.meta.url));

/** Arbitrary constant: "tierform" in ASCII, shared by every tierform process on a server. */
const MIGRATION_LOCK_KEY = 0x746965726672;

const FILE = /^(\d{4,})_([A-Za-z0-9_-]+)\.sql$/;

export async function loadMigrations(dir: string = defaultMigrationsDir): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  const out: Migration[] = [];
  for (const file of files) {
    const m = FILE.exec(file);
    if (!m) throw new Error(`migration file name must look like 0001_name.sql: ${file}`);
    const version = Number(m[1]);
    if (out.some((x) => x.version === version)) throw new Error(`two migrations numbered ${version}`);
    out.push({ version, name: m[2]!, sql: await readFile(new URL(file, `file://${dir.endsWith('/') ? dir : `${dir}/`}`), 'utf8') });
  }
  return out;
}

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version     integer PRIMARY KEY,
  name        text NOT NULL,
  applied_at  timestamptz NOT NULL DEFAULT now()
)`;

async function appliedVersions(q: Queryable): Promise<number[] | undefined> {
  const exists = await q.query<{ t: string | null }>(`SELECT to_regclass('schema_migrations')::text AS t`);
  if (!exists.rows[0]?.t) return undefined;
  const res = await q.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
  return res.rows.map((r) => r.version);
}

function refuseNewer(applied: number[], known: Migration[]): void {
  const unknown = applied.filter((v) => !known.some((m) => m.version === v));
  if (unknown.length > 0) {
    throw new TierformError('state.schema-newer', `the database has migration(s) ${unknown.join(', ')} that this tierform does not know; upgrade tierform`);
  }
}

export interface SchemaStatus {
  applied: number[];
  pending: Migration[];
}

export async function schemaStatus(db: Queryable, migrations?: Migration[]): Promise<SchemaStatus> {
  const known = migrations ?? (await loadMigrations());
  const applied = (await appliedVersions(db)) ?? [];
  refuseNewer(applied, known);
  return { applied, pending: known.filter((m) => !applied.includes(m.version)) };
}

/** For --no-migrate: the schema must be current; refuses (state.schema-behind) otherwise. */
export async function assertSchemaCurrent(db: Queryable, migrations?: Migration[]): Promise<void> {
  const { pending } = await schemaStatus(db, migrations);
  if (pending.length > 0) {
    throw new TierformError('state.schema-behind', `the database schema is behind: ${pending.map((m) => `${String(m.version).padStart(4, '0')}_${m.name}`).join(', ')} not applied (run tierform db migrate, or drop --no-migrate)`);
  }
}

/**
 * Applies every pending migration; returns those applied by this call (none when current). On
 * Citus, then places every table not placed yet (src/store/distribute.ts), in the same
 * transaction.
 */
export async function migrate(db: Db, migrations?: Migration[]): Promise<Migration[]> {
  const known = migrations ?? (await loadMigrations());
  // Fast path without the lock: most runs find the schema current (and placed, on Citus).
  const before = await schemaStatus(db, known);
  const citus = db.kind === 'pg' && (await citusInstalled(db));
  if (before.pending.length === 0 && !(citus && (await tablesToPlace(db)) > 0)) return [];
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    // Citus: DDL on distributed tables and creating shards later in the same transaction must
    // all use one connection per node (it refuses to create shards after parallel DDL).
    if (citus) await tx.query(`SET LOCAL citus.multi_shard_modify_mode TO 'sequential'`);
    await tx.query(CREATE_TABLE);
    // Another process may have migrated while we waited for the lock: read again.
    const applied = (await appliedVersions(tx)) ?? [];
    refuseNewer(applied, known);
    const done: Migration[] = [];
    for (const m of known) {
      if (applied.includes(m.version)) continue;
      await tx.execScript(m.sql);
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      done.push(m);
    }
    if (citus) await distributeTables(tx);
    return done;
  });
}
