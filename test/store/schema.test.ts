/**
 * tierform's own schema (SPEC §4.7): tables live in `tierform` (or --schema), nothing in public;
 * checking never creates; a database laid out the old way (tables in public, next to the
 * application's) is moved by migrate, rows intact, the application's tables untouched.
 * Both engines: PGlite on a data directory, or a fresh database on the test server.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServerDatabase, serverUrl } from '../helpers/db.js';
import { assertSchemaCurrent, loadMigrations, migrate } from '../../src/store/migrate.js';
import { openPg } from '../../src/store/pg.js';
import { openPglite } from '../../src/store/pglite.js';
import type { Db } from '../../src/store/db.js';

/** Opens the same database again with another search_path schema. */
type Opener = (schema: string) => Promise<Db>;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function sameDatabase(): Promise<Opener> {
  if (serverUrl) {
    const created = await createServerDatabase();
    cleanups.push(created.drop);
    return async (schema) => openPg({ connectionString: created.url, schema });
  }
  const dir = await mkdtemp(join(tmpdir(), 'tierform-schema-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return (schema) => openPglite(join(dir, 'db'), { schema });
}

async function tablesIn(db: Db, schema: string): Promise<string[]> {
  const res = await db.query<{ t: string }>(`SELECT tablename AS t FROM pg_tables WHERE schemaname = $1 ORDER BY 1`, [schema]);
  return res.rows.map((r) => r.t);
}

describe("tierform's own schema", () => {
  it('checking a database without the schema says db.schema-missing and creates nothing; migrate creates it, public stays empty', async () => {
    const open = await sameDatabase();
    const db = await open('tierform');
    try {
      await expect(assertSchemaCurrent(db)).rejects.toMatchObject({ code: 'db.schema-missing' });
      const ns = await db.query<{ n: string | null }>(`SELECT to_regnamespace('tierform')::text AS n`);
      expect(ns.rows[0]!.n).toBeNull();
      await migrate(db);
      await assertSchemaCurrent(db);
      expect(await tablesIn(db, 'public')).toEqual([]);
      expect(await tablesIn(db, 'tierform')).toEqual(expect.arrayContaining(['schema_migrations', 'merchants', 'members', 'orders']));
      expect((await db.query<{ s: string }>('SELECT current_schema() AS s')).rows[0]!.s).toBe('tierform');
    } finally {
      await db.close();
    }
  });

  it('--schema puts the tables in another schema', async () => {
    const open = await sameDatabase();
    const db = await open('loyalty');
    try {
      await migrate(db);
      expect(await tablesIn(db, 'loyalty')).toContain('merchants');
      expect(await tablesIn(db, 'tierform')).toEqual([]);
      expect(await tablesIn(db, 'public')).toEqual([]);
    } finally {
      await db.close();
    }
  });

  it('moves an old database (tables in public) into the schema, rows intact, the application untouched', async () => {
    const open = await sameDatabase();
    // The layout before v1.1: every table in public, beside the application's own.
    const old = await open('public');
    await migrate(old);
    await old.query(`INSERT INTO merchants (merchant_id, subscription, created_at, updated_at) VALUES ('acme', 'growth', now(), now())`);
    await old.query(`SELECT nextval('import_seq')`);
    await old.query(`CREATE TABLE app_users (id int PRIMARY KEY, members text)`);
    await old.query(`INSERT INTO app_users VALUES (1, 'x')`);
    const before = await tablesIn(old, 'public');
    await old.close();

    const db = await open('tierform');
    try {
      // A read finds no schema and says how to move the tables; nothing changes.
      const missing = assertSchemaCurrent(db);
      await expect(missing).rejects.toMatchObject({ code: 'db.schema-missing' });
      await expect(assertSchemaCurrent(db)).rejects.toThrow(/schema public .*db migrate/);
      expect(await tablesIn(db, 'public')).toEqual(before);

      const moved: string[] = [];
      expect(await migrate(db, undefined, { onMoved: (n) => moved.push(...n) })).toEqual([]);
      expect(moved).toContain('merchants');
      expect(moved).toContain('import_seq');
      expect(await tablesIn(db, 'public')).toEqual(['app_users']);
      expect((await db.query<{ merchant_id: string }>('SELECT merchant_id FROM merchants')).rows).toEqual([{ merchant_id: 'acme' }]);
      expect((await db.query<{ v: string }>(`SELECT nextval('import_seq')::text AS v`)).rows[0]!.v).toBe('2');
      expect((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations')).rows[0]!.n).toBe((await loadMigrations()).length);
      await assertSchemaCurrent(db);
    } finally {
      await db.close();
    }
  });
});
