import { describe, expect, it } from 'vitest';
import { createServerDatabase, createTestDb, serverUrl } from '../helpers/db.js';
import { assertSchemaCurrent, loadMigrations, migrate, schemaStatus, type Migration } from '../../src/store/migrate.js';
import { openPg } from '../../src/store/pg.js';
import type { Db } from '../../src/store/db.js';

async function errorCode(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
}

async function withFreshDb<T>(fn: (db: Db) => Promise<T>): Promise<T> {
  const db = await createTestDb({ migrate: false });
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

const extra: Migration[] = [
  { version: 1, name: 'one', sql: 'CREATE TABLE m_one (merchant_id text PRIMARY KEY);' },
  { version: 2, name: 'two', sql: 'ALTER TABLE m_one ADD COLUMN note text; CREATE TABLE m_two (merchant_id text PRIMARY KEY);' },
];

describe('migrations', () => {
  it('reads the numbered files of migrations/ in order', async () => {
    const files = await loadMigrations();
    expect(files.length).toBeGreaterThan(0);
    expect(files[0]).toMatchObject({ version: 1, name: 'live_state' });
    expect(files.map((m) => m.version)).toEqual([...files.map((m) => m.version)].sort((a, b) => a - b));
  });

  it('applies every migration once; a second run applies nothing', async () => {
    await withFreshDb(async (db) => {
      const known = await loadMigrations();
      const first = await migrate(db);
      expect(first.map((m) => m.version)).toEqual(known.map((m) => m.version));
      expect(await migrate(db)).toEqual([]);
      expect((await schemaStatus(db)).pending).toEqual([]);
      await assertSchemaCurrent(db);
      const tables = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'tierform' AND table_name IN ('catalog', 'merchants', 'program_versions', 'members')`);
      expect(tables.rows[0]!.n).toBe(4);
    });
  });

  it('applies only the pending ones, in order', async () => {
    await withFreshDb(async (db) => {
      expect((await migrate(db, extra.slice(0, 1))).map((m) => m.name)).toEqual(['one']);
      expect((await migrate(db, extra)).map((m) => m.name)).toEqual(['two']);
      await db.query(`INSERT INTO m_one (merchant_id, note) VALUES ('a', 'b')`);
    });
  });

  it('rolls back a failing migration entirely', async () => {
    await withFreshDb(async (db) => {
      const bad: Migration[] = [...extra, { version: 3, name: 'bad', sql: 'CREATE TABLE m_three (x int); SELECT no_such_function();' }];
      await expect(migrate(db, bad)).rejects.toThrow();
      const status = await schemaStatus(db, bad);
      expect(status.applied).toEqual([]);
      expect((await db.query(`SELECT to_regclass('m_one')::text AS t`)).rows[0]).toEqual({ t: null });
    });
  });

  it('refuses a database that has a migration the code does not know (state.schema-newer)', async () => {
    await withFreshDb(async (db) => {
      await migrate(db, extra);
      expect(await errorCode(migrate(db, extra.slice(0, 1)))).toBe('state.schema-newer');
      expect(await errorCode(assertSchemaCurrent(db, extra.slice(0, 1)))).toBe('state.schema-newer');
    });
  });

  it('without migrating, refuses a missing schema (db.schema-missing) and one that is behind (db.schema-behind)', async () => {
    await withFreshDb(async (db) => {
      expect(await errorCode(assertSchemaCurrent(db, extra))).toBe('db.schema-missing');
      await migrate(db, extra.slice(0, 1));
      expect(await errorCode(assertSchemaCurrent(db, extra))).toBe('db.schema-behind');
      await migrate(db, extra);
      await assertSchemaCurrent(db, extra);
    });
  });

  it('two runners at once apply each migration exactly once', async () => {
    if (!serverUrl) {
      // Embedded: one process, queries serialized; still, concurrent calls must not collide.
      await withFreshDb(async (db) => {
        const [a, b] = await Promise.all([migrate(db), migrate(db)]);
        expect(a.length + b.length).toBe((await loadMigrations()).length);
      });
      return;
    }
    const created = await createServerDatabase();
    const dbs = Array.from({ length: 4 }, () => openPg({ connectionString: created.url }));
    try {
      const results = await Promise.all(dbs.map((db) => migrate(db)));
      const applied = results.flat().map((m) => m.version).sort((x, y) => x - y);
      expect(applied).toEqual((await loadMigrations()).map((m) => m.version));
      const rows = await dbs[0]!.query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations');
      expect(rows.rows[0]!.n).toBe(applied.length);
    } finally {
      await Promise.all(dbs.map((db) => db.close()));
      await created.drop();
    }
  });
});
