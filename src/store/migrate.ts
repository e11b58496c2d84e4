/**
 * Schema migrations: numbered plain SQL files in migrations/ (`NNNN_name.sql`), recorded in
 * schema_migrations, applied in order in one transaction under a transaction-scoped advisory
 * lock, so two processes starting at once apply each file exactly once. Everything lives in
 * tierform's own schema (`Db.schema`, default tierform; SPEC §4.7): the migration creates it,
 * and the connection's search_path keeps the migrations' SQL unqualified. A database laid out
 * the old way (tables in public) is moved into the schema in the same transaction.
 */
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { TierformError } from '../cli/errors.js';
import { PgCode, pgErrorCode, quoteIdent, type Db, type Queryable } from './db.js';
import { DEFAULT_SCHEMA } from './target.js';
import { moveLegacyLayout } from './legacyLayout.js';
import { citusInstalled, distributeTables, tablesToPlace } from './distribute.js';

/** A database handle that may say which schema its search_path names. */
type SchemaQueryable = Queryable & { readonly schema?: string };

const schemaOf = (q: SchemaQueryable): string => q.schema ?? DEFAULT_SCHEMA;

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

/** The versions of the migration files, from their names alone. */
async function knownVersions(dir: string = defaultMigrationsDir): Promise<number[]> {
  return (await readdir(dir)).flatMap((f) => {
    const m = FILE.exec(f);
    return m ? [Number(m[1])] : [];
  });
}

/**
 * The applied versions in one query, or undefined when tierform's schema_migrations is not there
 * (undefined table or schema): the caller then looks at the catalog to say why.
 */
async function appliedVersionsIfPresent(q: SchemaQueryable): Promise<number[] | undefined> {
  try {
    const res = await q.query<{ version: number }>(`SELECT version FROM ${quoteIdent(schemaOf(q))}.schema_migrations`);
    return res.rows.map((r) => Number(r.version));
  } catch (err) {
    if (pgErrorCode(err) === PgCode.undefinedTable || pgErrorCode(err) === PgCode.invalidSchemaName) return undefined;
    throw err;
  }
}

function refuseNewer(applied: number[], known: readonly Pick<Migration, 'version'>[]): void {
  const unknown = applied.filter((v) => !known.some((m) => m.version === v));
  if (unknown.length > 0) {
    throw new TierformError('state.schema-newer', `the database has migration(s) ${unknown.join(', ')} that this tierform does not know; upgrade tierform`);
  }
}

export interface SchemaStatus {
  applied: number[];
  pending: Migration[];
}

interface SchemaPresence {
  hasSchema: boolean;
  /** tierform's schema has its schema_migrations table. */
  present: boolean;
  /** public has a schema_migrations table: the layout before tierform had its own schema. */
  legacy: boolean;
}

/**
 * Reads pg_namespace and pg_class themselves rather than to_regnamespace/to_regclass: those go
 * through this backend's catalog cache, which can still hold "missing" from before another
 * process's migration committed (waiting for an advisory lock does not refresh it).
 */
async function schemaPresence(q: SchemaQueryable): Promise<SchemaPresence> {
  const schema = schemaOf(q);
  const res = await q.query<SchemaPresence>(
    `SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1::text) AS "hasSchema",
            EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                     WHERE n.nspname = $1::text AND c.relname = 'schema_migrations') AS present,
            $1::text <> 'public' AND EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                     WHERE n.nspname = 'public' AND c.relname = 'schema_migrations') AS legacy`,
    [schema],
  );
  return res.rows[0] ?? { hasSchema: false, present: false, legacy: false };
}

function missingError(q: SchemaQueryable, presence: SchemaPresence): TierformError {
  const schema = schemaOf(q);
  if (presence.legacy) {
    return new TierformError('db.schema-missing', `tierform's tables are in schema public (the layout before v1.1), not in schema ${schema}; nothing was changed. Run tierform db migrate to move them into schema ${schema}`);
  }
  return new TierformError('db.schema-missing', `this database has no tierform schema ${schema}; nothing was changed. Check that this is the right database; run tierform db migrate (or an apply) to create it`);
}

export async function schemaStatus(db: Queryable, migrations?: Migration[]): Promise<SchemaStatus> {
  const known = migrations ?? (await loadMigrations());
  const applied = (await appliedVersions(db)) ?? [];
  refuseNewer(applied, known);
  return { applied, pending: known.filter((m) => !applied.includes(m.version)) };
}

/**
 * For read commands and --no-migrate: the schema must exist (db.schema-missing) and be current
 * (db.schema-behind); nothing is created or changed.
 */
export async function assertSchemaCurrent(db: SchemaQueryable, migrations?: Migration[]): Promise<void> {
  // Every read command starts here: one query and the migration files' names (not their text)
  // in the usual case; the precise error is worked out only when that does not say "current".
  const known = migrations?.map((m) => m.version) ?? (await knownVersions());
  const applied = await appliedVersionsIfPresent(db);
  if (applied !== undefined) {
    refuseNewer(applied, known.map((version) => ({ version })));
    if (known.every((v) => applied.includes(v))) return;
  }
  const presence = await schemaPresence(db);
  if (!presence.present) throw missingError(db, presence);
  const { pending } = await schemaStatus(db, migrations);
  if (pending.length > 0) {
    throw new TierformError('db.schema-behind', `the database schema is behind: ${pending.map((m) => `${String(m.version).padStart(4, '0')}_${m.name}`).join(', ')} not applied; nothing was changed (run tierform db migrate, or a command that writes without --no-migrate)`);
  }
}

export interface MigrateOptions {
  /** Told the tables moved from public into tierform's schema (an old layout), if any. */
  onMoved?: (names: string[]) => void;
}

/**
 * Applies every pending migration; returns those applied by this call (none when current). On
 * Citus, then places every table not placed yet (src/store/distribute.ts), in the same
 * transaction.
 */
export async function migrate(db: Db, migrations?: Migration[], opts: MigrateOptions = {}): Promise<Migration[]> {
  const known = migrations ?? (await loadMigrations());
  const schema = schemaOf(db);
  // Fast path without the lock: most runs find the schema current (and placed, on Citus).
  const presence = await schemaPresence(db);
  const citus = db.kind === 'pg' && (await citusInstalled(db));
  if (presence.present && (await schemaStatus(db, known)).pending.length === 0 && !(citus && (await tablesToPlace(db)) > 0)) return [];
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    // Citus: DDL on distributed tables and creating shards later in the same transaction must
    // all use one connection per node (it refuses to create shards after parallel DDL).
    if (citus) await tx.query(`SET LOCAL citus.multi_shard_modify_mode TO 'sequential'`);
    // Another process may have moved or migrated while we waited for the lock: look again.
    const now = await schemaPresence({ query: tx.query.bind(tx), schema });
    // Only when missing: CREATE SCHEMA IF NOT EXISTS still needs the CREATE right on the database.
    if (!now.hasSchema) await tx.query(`CREATE SCHEMA ${quoteIdent(schema)}`);
    if (!now.present && now.legacy) {
      const moved = await moveLegacyLayout(tx, schema, known);
      opts.onMoved?.(moved);
    }
    await tx.query(CREATE_TABLE);
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
