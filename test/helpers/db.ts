/**
 * Databases for tests. PGlite in memory by default; when TIERFORM_TEST_DATABASE_URL is set, a
 * fresh database per test file on that server (created, migrated, dropped WITH (FORCE) after;
 * kept for debugging when TIERFORM_KEEP_TEST_DB is set). Every Db handed out must be closed:
 * withTestDb() fails the file when one leaks.
 */
import { afterAll, beforeAll } from 'vitest';
import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Db } from '../../src/store/db.js';
import { loadMigrations, migrate } from '../../src/store/migrate.js';
import { dumpPglite, openPglite } from '../../src/store/pglite.js';
import { openPg } from '../../src/store/pg.js';

export const serverUrl: string | undefined = process.env.TIERFORM_TEST_DATABASE_URL || undefined;
const keep = Boolean(process.env.TIERFORM_KEEP_TEST_DB);

const open = new Set<Db>();

/** The URL of database `name` on the test server. */
function urlForDatabase(name: string): string {
  const url = new URL(serverUrl!);
  url.pathname = `/${name}`;
  return url.toString();
}

async function withAdmin<T>(fn: (admin: Db) => Promise<T>): Promise<T> {
  const admin = openPg({ connectionString: serverUrl!, max: 1 });
  try {
    return await fn(admin);
  } finally {
    await admin.close();
  }
}

/** Creates an empty database on the test server; returns its name and a function dropping it. */
export async function createServerDatabase(): Promise<{ name: string; url: string; drop: () => Promise<void> }> {
  const name = `tierform_t_${randomBytes(6).toString('hex')}`;
  await withAdmin((admin) => admin.query(`CREATE DATABASE ${name}`));
  return {
    name,
    url: urlForDatabase(name),
    drop: async () => {
      if (keep) {
        process.stderr.write(`kept test database ${name}\n`);
        return;
      }
      await withAdmin((admin) => admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

/**
 * A fresh PGlite cluster costs seconds (initdb in WebAssembly); loading an image of one (empty
 * or migrated) costs a fraction. The image is cached in the temp directory, keyed by the PGlite version
 * and the migrations' text, so a changed migration builds a new one.
 */
async function pgliteFromImage(migrated: boolean): Promise<Db> {
  const pgliteVersion = (JSON.parse(await readFile(new URL('../../node_modules/@electric-sql/pglite/package.json', import.meta.url), 'utf8')) as { version: string }).version;
  // The layout is part of the key: images from before tierform had its own schema are not reused.
  const hash = createHash('sha256').update(pgliteVersion).update('\0schema tierform');
  if (migrated) for (const m of await loadMigrations()) hash.update(`\0${m.version}\0${m.sql}`);
  const file = join(tmpdir(), `tierform-test-pglite-${hash.digest('hex').slice(0, 16)}.tar`);
  const image = await readFile(file).catch(() => undefined);
  if (image) return openPglite(undefined, { loadDataDir: new Blob([image]) });
  const db = await openPglite();
  if (migrated) await migrate(db);
  const dump = Buffer.from(await (await dumpPglite(db)).arrayBuffer());
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await writeFile(tmp, dump);
  await rename(tmp, file); // atomic: a concurrent test file reads a whole image or none
  return db;
}

export interface CreateTestDbOptions {
  /** Apply the migrations (default true). */
  migrate?: boolean;
}

/** A new, migrated test database; closing it drops it (server) or discards it (PGlite). */
export async function createTestDb(opts: CreateTestDbOptions = {}): Promise<Db> {
  let db: Db;
  if (serverUrl) {
    const created = await createServerDatabase();
    const inner = openPg({ connectionString: created.url });
    db = {
      ...inner,
      kind: inner.kind,
      close: async () => {
        await inner.close();
        await created.drop();
      },
    };
  } else {
    db = await pgliteFromImage(opts.migrate !== false);
  }
  const tracked: Db = {
    ...db,
    kind: db.kind,
    close: async () => {
      open.delete(tracked);
      await db.close();
    },
  };
  open.add(tracked);
  try {
    if (opts.migrate !== false) await migrate(tracked);
  } catch (err) {
    await tracked.close();
    throw err;
  }
  return tracked;
}

/** Test Dbs created and not closed yet (a leak when a file ends). */
export function openTestDbCount(): number {
  return open.size;
}

/**
 * One migrated database for the whole test file: call at the top level of a test file and use
 * `t.db` inside tests. Closed after the file; the file fails if any other test Db leaked.
 */
export function withTestDb(opts: CreateTestDbOptions = {}): { readonly db: Db } {
  let db: Db | undefined;
  beforeAll(async () => {
    db = await createTestDb(opts);
  }, 60_000);
  afterAll(async () => {
    await db?.close();
    const leaked = open.size;
    for (const d of [...open]) await d.close();
    if (leaked > 0) throw new Error(`${leaked} test database(s) were not closed`);
  }, 60_000);
  return {
    get db(): Db {
      if (!db) throw new Error('withTestDb(): the database is only available inside tests');
      return db;
    },
  };
}

export interface SubprocessDb {
  /** CLI arguments selecting the database: `--db <url>` or `--data-dir <dir>`. */
  args: string[];
  kind: 'pg' | 'pglite';
  cleanup(): Promise<void>;
}

/**
 * A fresh, empty database for CLI subprocess tests (the CLI migrates it): a new database on the
 * test server, else a temporary PGlite data directory. Call cleanup() when done.
 */
export async function testDbUrlForSubprocess(): Promise<SubprocessDb> {
  if (serverUrl) {
    const created = await createServerDatabase();
    return { args: ['--db', created.url], kind: 'pg', cleanup: created.drop };
  }
  const dir = await mkdtemp(join(tmpdir(), 'tierform-db-'));
  return {
    args: ['--data-dir', join(dir, 'db')],
    kind: 'pglite',
    cleanup: async () => {
      if (keep) {
        process.stderr.write(`kept test data directory ${dir}\n`);
        return;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
