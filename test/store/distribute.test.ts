/**
 * On Citus, `migrate` places every table itself (SPEC §4.8): per-merchant tables distributed by
 * merchant_id in one co-location group, the others reference tables, none left local; again and
 * again idempotent, and a table a later migration adds is placed by the run that creates it.
 * Runs its Citus half when the test server is a Citus coordinator (.ci/run's cluster run).
 */
import { describe, expect, it } from 'vitest';
import { testCitusCluster, withFreshDb } from '../helpers/db.js';
import { loadMigrations, migrate, type Migration } from '../../src/store/migrate.js';
import { citusInstalled } from '../../src/store/distribute.js';
import type { Db } from '../../src/store/db.js';

const cluster = await testCitusCluster();

interface Placed {
  table: string;
  method: string | null;
  colocation: number | null;
  perMerchant: boolean;
}

/** Every table of the current schema, how Citus holds it (null: a local table) and whether it has merchant_id. */
async function placements(db: Db): Promise<Placed[]> {
  const { rows } = await db.query<Placed>(
    `SELECT c.relname AS table, p.partmethod::text AS method, p.colocationid AS colocation,
            EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'merchant_id' AND NOT a.attisdropped) AS "perMerchant"
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_dist_partition p ON p.logicalrelid = c.oid
      WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
      ORDER BY c.relname`,
  );
  return rows;
}

function expectAllPlaced(tables: Placed[]): void {
  const local = tables.filter((t) => t.method === null).map((t) => t.table);
  expect(local, 'tables left local on the coordinator').toEqual([]);
  const distributed = tables.filter((t) => t.perMerchant);
  for (const t of distributed) expect(t.method, `${t.table} distributed by hash`).toBe('h');
  expect(new Set(distributed.map((t) => t.colocation)).size, 'one co-location group').toBe(1);
  for (const t of tables.filter((x) => !x.perMerchant)) expect(t.method, `${t.table} a reference table`).toBe('n');
}

describe('distribution on Citus', () => {
  it(cluster ? 'migrate distributes every table of the schema; a second run changes nothing' : 'without Citus, migrate creates plain tables', async () => {
    await withFreshDb(async (db) => {
      await migrate(db);
      expect(await citusInstalled(db)).toBe(Boolean(cluster));
      if (!cluster) return;
      const tables = await placements(db);
      expect(tables.map((t) => t.table)).toEqual(expect.arrayContaining(['catalog', 'merchants', 'members', 'orders', 'schema_migrations']));
      expectAllPlaced(tables);
      expect(tables.find((t) => t.table === 'catalog')?.method).toBe('n');
      expect(await migrate(db)).toEqual([]);
      expect(await placements(db)).toEqual(tables);
    });
  });

  if (cluster) {
    it('a table a later migration adds is placed by that migration run, co-located with the others', async () => {
      await withFreshDb(async (db) => {
        const known = await loadMigrations();
        await migrate(db, known);
        const next = known.at(-1)!.version + 1;
        const later: Migration[] = [
          ...known,
          {
            version: next,
            name: 'later',
            sql: `CREATE TABLE later_per_merchant (merchant_id text NOT NULL, item text NOT NULL, PRIMARY KEY (merchant_id, item));
                  CREATE TABLE later_platform (name text PRIMARY KEY);
                  ALTER TABLE members ADD COLUMN later_note text;`,
          },
        ];
        expect((await migrate(db, later)).map((m) => m.name)).toEqual(['later']);
        const tables = await placements(db);
        expectAllPlaced(tables);
        expect(tables.find((t) => t.table === 'later_per_merchant')).toMatchObject({ method: 'h', colocation: tables.find((t) => t.table === 'members')!.colocation });
        expect(tables.find((t) => t.table === 'later_platform')).toMatchObject({ method: 'n' });
        await db.query(`INSERT INTO later_per_merchant (merchant_id, item) VALUES ('m', 'i')`);
      });
    });

    it('tables created without migrate are placed by the next migrate, even when no migration is pending', async () => {
      await withFreshDb(async (db) => {
        await migrate(db);
        await db.query(`CREATE TABLE stray_per_merchant (merchant_id text PRIMARY KEY)`);
        expect(await migrate(db)).toEqual([]);
        expectAllPlaced(await placements(db));
      });
    });
  }
});
