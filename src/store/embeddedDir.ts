/**
 * The embedded database fails closed (SPEC §4.7): a data directory is created only where none
 * exists, an existing directory is opened only when it is a tierform database (its marker file,
 * or a PostgreSQL data directory made by an earlier tierform), and a damaged one is refused with
 * db.embedded-corrupt — PGlite would otherwise run initdb over a directory whose PG_VERSION is
 * gone and report an empty database.
 */
import { existsSync, lstatSync, readdirSync, readFileSync, realpathSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TierformError } from '../cli/errors.js';
import type { Queryable } from './db.js';
import { corruptError } from './embeddedFailure.js';

export const MARKER_FILE = 'tierform-embedded.json';
export const MARKER_FORMAT = 1;

export interface Marker {
  kind: 'tierform-embedded-database';
  format: number;
  /** The PostgreSQL major version of the files (PG_VERSION), checked at every open. */
  postgres: string;
}

export type DataDirState =
  /** Nothing there (or an empty directory): may be created. */
  | { state: 'absent'; dir: string }
  | { state: 'tierform'; dir: string; marker: Marker }
  /** A PostgreSQL data directory without a marker: made by tierform before markers existed. */
  | { state: 'legacy'; dir: string; postgres: string };

/** Entries that only a PostgreSQL data directory has. */
const PG_ENTRIES = ['base', 'global', 'pg_wal', 'pg_xact', 'pg_control'];

/** The real directory behind `dir` (a symlinked --data-dir is followed, so both names share one lock). */
export function realDataDir(dir: string): string {
  let info;
  try {
    info = lstatSync(dir);
  } catch {
    return dir;
  }
  if (!info.isSymbolicLink()) return dir;
  try {
    return realpathSync(dir);
  } catch {
    throw new TierformError('db.data-dir-foreign', `${dir} is a symbolic link to nothing; point --data-dir at a directory (or at a path that does not exist yet)`);
  }
}

function readPgVersion(dir: string): string | undefined {
  try {
    return readFileSync(join(dir, 'PG_VERSION'), 'utf8').trim();
  } catch {
    return undefined;
  }
}

function readMarker(dir: string): Marker | 'unreadable' | undefined {
  const path = join(dir, MARKER_FILE);
  if (!existsSync(path)) return undefined;
  try {
    const m = JSON.parse(readFileSync(path, 'utf8')) as Partial<Marker>;
    if (m.kind !== 'tierform-embedded-database' || typeof m.format !== 'number' || typeof m.postgres !== 'string') return 'unreadable';
    return m as Marker;
  } catch {
    return 'unreadable';
  }
}

export function inspectDataDir(dir: string): DataDirState {
  let info;
  try {
    info = statSync(dir);
  } catch {
    return { state: 'absent', dir };
  }
  if (!info.isDirectory()) {
    throw new TierformError('db.data-dir-foreign', `${dir} is not a directory; point --data-dir at a tierform database directory or at a path that does not exist yet`);
  }
  const entries = readdirSync(dir);
  if (entries.length === 0) return { state: 'absent', dir };
  const marker = readMarker(dir);
  const pgVersion = readPgVersion(dir);
  if (marker === 'unreadable') throw corruptError(dir, `its marker ${MARKER_FILE} is unreadable`);
  if (marker) {
    if (marker.format > MARKER_FORMAT) {
      throw new TierformError('state.schema-newer', `the embedded database ${dir} was made by a newer tierform (format ${marker.format}); upgrade tierform`);
    }
    if (pgVersion === undefined) throw corruptError(dir, 'PG_VERSION is missing');
    if (pgVersion !== marker.postgres) throw corruptError(dir, `PG_VERSION says ${pgVersion}, the database was made with PostgreSQL ${marker.postgres}`);
    return { state: 'tierform', dir, marker };
  }
  const looksLikePg = entries.some((e) => PG_ENTRIES.includes(e));
  if (pgVersion !== undefined && existsSync(join(dir, 'global', 'pg_control'))) return { state: 'legacy', dir, postgres: pgVersion };
  if (looksLikePg) throw corruptError(dir, pgVersion === undefined ? 'PG_VERSION is missing' : 'global/pg_control is missing');
  throw new TierformError(
    'db.data-dir-foreign',
    `${dir} already holds ${entries.length} file${entries.length === 1 ? '' : 's'} and is not a tierform database; tierform creates its database only in a new or empty directory (the default is .tierform/db)`,
  );
}

/**
 * `db init --force`: moves a (damaged) database directory aside, never deleting it. Only a
 * directory that is or was a PostgreSQL data directory is moved: never a repository that
 * --data-dir happened to name.
 */
export function moveAside(dir: string, stamp: string): string | null {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return null;
  }
  if (entries.length === 0) return null;
  const isDb = entries.some((e) => e === MARKER_FILE || e === 'PG_VERSION' || PG_ENTRIES.includes(e));
  if (!isDb) {
    throw new TierformError('db.data-dir-foreign', `${dir} is not a database directory; db init --force only moves aside a damaged tierform database`);
  }
  const aside = `${dir.replace(/[\\/]+$/, '')}.damaged-${stamp}`;
  renameSync(dir, aside);
  return aside;
}

/** Records the marker once PGlite has opened (or created) the directory. */
export function writeMarker(dir: string): void {
  const postgres = readPgVersion(dir);
  if (postgres === undefined) throw corruptError(dir, 'PG_VERSION is missing after opening');
  const marker: Marker = { kind: 'tierform-embedded-database', format: MARKER_FORMAT, postgres };
  const tmp = join(dir, `${MARKER_FILE}.tmp`);
  writeFileSync(tmp, `${JSON.stringify(marker)}\n`);
  renameSync(tmp, join(dir, MARKER_FILE));
}

/**
 * A heap or index file shorter than the size PostgreSQL last recorded for it (pg_class.relpages,
 * set by ANALYZE, VACUUM and CREATE INDEX) has lost pages: a sequential scan would silently
 * return fewer rows. One catalog query; run at every embedded open. Given the data directory,
 * the files are measured from Node (a stat each) rather than by pg_relation_size inside
 * PGlite, which opens every relation's files in WebAssembly: a noticeable part of a read
 * command's start.
 */
export async function findTruncatedRelations(q: Queryable, schema: string, dataDir?: string): Promise<string[]> {
  if (dataDir === undefined) {
    const res = await q.query<{ relname: string; relpages: number; bytes: string; block: string }>(
      `SELECT c.relname, c.relpages, pg_relation_size(c.oid)::text AS bytes, current_setting('block_size') AS block
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relkind IN ('r', 'i', 'S') AND c.relpages > 0
          AND pg_relation_size(c.oid) < c.relpages::bigint * current_setting('block_size')::bigint
        ORDER BY c.relname`,
      [schema],
    );
    return res.rows.map((r) => `${r.relname}: ${Number(r.bytes) / Number(r.block)} of ${r.relpages} pages`);
  }
  const res = await q.query<{ relname: string; relpages: number; path: string; block: string }>(
    `SELECT c.relname, c.relpages, pg_relation_filepath(c.oid) AS path, current_setting('block_size') AS block
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relkind IN ('r', 'i', 'S') AND c.relpages > 0
      ORDER BY c.relname`,
    [schema],
  );
  const out: string[] = [];
  for (const r of res.rows) {
    const block = Number(r.block);
    const bytes = relationBytes(join(dataDir, r.path));
    if (bytes < Number(r.relpages) * block) out.push(`${r.relname}: ${bytes / block} of ${r.relpages} pages`);
  }
  return out;
}

/** The size of a relation's main fork: its first file and the segments (`.1`, `.2`…) that exist. */
function relationBytes(path: string): number {
  let total = 0;
  for (let i = 0; ; i++) {
    const size = fileSize(i === 0 ? path : `${path}.${i}`);
    if (size === undefined) return total;
    total += size;
  }
}

function fileSize(path: string): number | undefined {
  try {
    return statSync(path).size;
  } catch {
    return undefined;
  }
}
