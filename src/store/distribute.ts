/**
 * Distribution on Citus (SPEC §4.8). On a database where the `citus` extension is installed,
 * `migrate` ends by placing every table of the current schema that Citus does not manage yet:
 * a table with a `merchant_id` column is distributed by it, co-located with the others (a
 * merchant's rows share one node, so single-merchant statements are router queries); a table
 * without one (the platform's catalog, the migrations record) becomes a reference table (a copy
 * on every node). Tables are discovered, not listed, so a table a later migration adds is placed
 * by the same run that creates it. Without Citus this does nothing.
 */
import type { Queryable } from './db.js';

export const DISTRIBUTION_COLUMN = 'merchant_id';

export async function citusInstalled(q: Queryable): Promise<boolean> {
  const res = await q.query(`SELECT 1 FROM pg_extension WHERE extname = 'citus'`);
  return res.rowCount > 0;
}

interface LocalTable {
  name: string;
  perMerchant: boolean;
  /** Tables of the schema this one has a foreign key to (they must be placed first). */
  references: string[];
}

/** Tables of the current schema that Citus does not manage, with what placing them needs. */
async function localTables(q: Queryable): Promise<LocalTable[]> {
  const res = await q.query<{ name: string; per_merchant: boolean; refs: string[] | null }>(
    `SELECT c.relname AS name,
            EXISTS (SELECT 1 FROM pg_attribute a
                     WHERE a.attrelid = c.oid AND a.attname = $1 AND NOT a.attisdropped) AS per_merchant,
            (SELECT array_agg(DISTINCT r.relname::text) FROM pg_constraint f JOIN pg_class r ON r.oid = f.confrelid
              WHERE f.conrelid = c.oid AND f.contype = 'f' AND f.confrelid <> c.oid) AS refs
       FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = current_schema()
        AND c.relkind IN ('r', 'p')
        AND NOT c.relispartition
        AND NOT EXISTS (SELECT 1 FROM pg_dist_partition p WHERE p.logicalrelid = c.oid)
      ORDER BY c.relname`,
    [DISTRIBUTION_COLUMN],
  );
  return res.rows.map((r) => ({ name: r.name, perMerchant: r.per_merchant, references: r.refs ?? [] }));
}

/** Referenced tables before the tables that reference them; otherwise by name (stable). */
function referencedFirst(tables: LocalTable[]): LocalTable[] {
  const byName = new Map(tables.map((t) => [t.name, t]));
  const out: LocalTable[] = [];
  const seen = new Set<string>();
  const visit = (t: LocalTable): void => {
    if (seen.has(t.name)) return;
    seen.add(t.name);
    for (const r of t.references) {
      const dep = byName.get(r);
      if (dep) visit(dep);
    }
    out.push(t);
  };
  for (const t of tables) visit(t);
  return out;
}

/** A distributed table of the current schema to co-locate with, if there is one already. */
async function colocationAnchor(q: Queryable): Promise<string | undefined> {
  const res = await q.query<{ name: string }>(
    `SELECT c.relname AS name
       FROM pg_dist_partition p
       JOIN pg_class c ON c.oid = p.logicalrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = current_schema() AND p.partmethod = 'h'
      ORDER BY p.colocationid, c.relname
      LIMIT 1`,
  );
  return res.rows[0]?.name;
}

export interface Placement {
  table: string;
  as: 'distributed' | 'reference';
}

/**
 * Places every table Citus does not manage yet (see the file comment); returns what it placed
 * (nothing when all are placed: idempotent). Run inside the migration transaction, after the
 * migrations, on a database with Citus, in sequential mode (citus.multi_shard_modify_mode).
 */
export async function distributeTables(q: Queryable): Promise<Placement[]> {
  const tables = referencedFirst(await localTables(q));
  if (tables.length === 0) return [];
  let anchor = await colocationAnchor(q);
  const placed: Placement[] = [];
  for (const t of tables) {
    const name = quoteIdent(t.name);
    if (!t.perMerchant) {
      await q.query(`SELECT create_reference_table($1::regclass)`, [name]);
      placed.push({ table: t.name, as: 'reference' });
      continue;
    }
    await q.query(`SELECT create_distributed_table($1::regclass, $2, colocate_with => $3)`, [name, DISTRIBUTION_COLUMN, anchor ? quoteIdent(anchor) : 'default']);
    anchor ??= t.name;
    placed.push({ table: t.name, as: 'distributed' });
  }
  return placed;
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** How many tables of the current schema Citus does not manage yet (0: nothing to place). */
export async function tablesToPlace(q: Queryable): Promise<number> {
  return (await localTables(q)).length;
}
