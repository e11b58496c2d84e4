/**
 * Before v1.1 tierform created its tables in `public` (SPEC §4.7 moved them into their own
 * schema). The migration step moves such a database's tables and sequences into the schema
 * inside its own transaction: ALTER … SET SCHEMA keeps every row, index, constraint and owned
 * sequence, and nothing else in public (the application's tables) is touched — only the names
 * tierform's migrations create.
 */
import { quoteIdent, type Queryable } from './db.js';
import type { Migration } from './migrate.js';

/** The relations tierform's migrations create, read from their SQL (plus schema_migrations). */
export function tierformRelations(migrations: readonly Migration[]): { tables: string[]; sequences: string[] } {
  const tables = new Set<string>(['schema_migrations']);
  const sequences = new Set<string>();
  const pattern = /\bCREATE\s+(?:UNLOGGED\s+)?(TABLE|SEQUENCE)\s+(?:IF\s+NOT\s+EXISTS\s+)?([a-z_][a-z0-9_]*)/gi;
  for (const m of migrations) {
    for (const match of m.sql.matchAll(pattern)) {
      (match[1]!.toUpperCase() === 'TABLE' ? tables : sequences).add(match[2]!.toLowerCase());
    }
  }
  return { tables: [...tables].sort(), sequences: [...sequences].sort() };
}

async function inPublic(q: Queryable, names: string[], kinds: string[]): Promise<string[]> {
  const res = await q.query<{ relname: string }>(
    `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relname = ANY($1::text[]) AND c.relkind = ANY($2::"char"[])
      ORDER BY c.relname`,
    [names, kinds],
  );
  return res.rows.map((r) => r.relname);
}

/** Moves tierform's relations from public into `schema`; returns the names moved. */
export async function moveLegacyLayout(q: Queryable, schema: string, migrations: readonly Migration[]): Promise<string[]> {
  const { tables, sequences } = tierformRelations(migrations);
  const moved: string[] = [];
  for (const name of await inPublic(q, tables, ['r', 'p'])) {
    await q.query(`ALTER TABLE public.${quoteIdent(name)} SET SCHEMA ${quoteIdent(schema)}`);
    moved.push(name);
  }
  // Sequences owned by a column moved with their table; the free-standing ones follow.
  for (const name of await inPublic(q, sequences, ['S'])) {
    await q.query(`ALTER SEQUENCE public.${quoteIdent(name)} SET SCHEMA ${quoteIdent(schema)}`);
    moved.push(name);
  }
  return moved;
}
