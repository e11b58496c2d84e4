/**
 * `tierform db check`: verifies tierform's tables in place and changes nothing. Per table:
 * - a full sequential read (every heap page is read: a damaged page fails here);
 * - the rows again through the primary key's index, compared with the sequential count (a heap
 *   file that lost pages reads as fewer rows, while the index still holds them);
 * - amcheck where it can be loaded (bt_index_check with heapallindexed, verify_heapam), inside
 *   a transaction that is rolled back, so not even the extension stays behind.
 * Plus the catalog's recorded sizes against the files (findTruncatedRelations).
 */
import { quoteIdent, type Db, type Queryable } from './db.js';
import { findTruncatedRelations } from './embeddedDir.js';

export interface TableCheck {
  table: string;
  rows: number | null;
  indexRows: number | null;
  problems: string[];
}

export interface CheckReport {
  tables: TableCheck[];
  /** Problems not tied to one table (truncated files, amcheck findings on indexes). */
  problems: string[];
  amcheck: 'ran' | 'unavailable';
  ok: boolean;
}

const message = (err: unknown): string => {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return typeof code === 'string' ? `${code}: ${err.message}` : err.message;
  }
  return 'failed without an error message';
};

interface TableInfo {
  table: string;
  pkColumns: string[];
}

async function tablesOf(q: Queryable, schema: string): Promise<TableInfo[]> {
  const res = await q.query<{ table: string; pk: string[] | null }>(
    `SELECT c.relname AS table,
            (SELECT array_agg(a.attname::text ORDER BY k.ord)
               FROM pg_index i
               CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
               JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
              WHERE i.indrelid = c.oid AND i.indisprimary) AS pk
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relkind IN ('r', 'p')
      ORDER BY c.relname`,
    [schema],
  );
  return res.rows.map((r) => ({ table: r.table, pkColumns: r.pk ?? [] }));
}

async function countWith(q: Queryable, settings: string[], sql: string): Promise<number> {
  // Planner settings are transaction-local: the caller's transaction is rolled back anyway.
  for (const s of settings) await q.query(`SELECT set_config($1, 'off', true)`, [s]);
  const res = await q.query<{ n: string }>(sql);
  for (const s of settings) await q.query(`SELECT set_config($1, 'on', true)`, [s]);
  return Number(res.rows[0]?.n ?? 0);
}

async function checkTable(db: Db, info: TableInfo): Promise<TableCheck> {
  const t = quoteIdent(info.table);
  const out: TableCheck = { table: info.table, rows: null, indexRows: null, problems: [] };
  // Each read in its own rolled-back transaction: one failure does not hide the next.
  const attempt = async (what: string, fn: (q: Queryable) => Promise<number>): Promise<number | null> => {
    try {
      return await rolledBack(db, fn);
    } catch (err) {
      out.problems.push(`${what}: ${message(err)}`);
      return null;
    }
  };
  out.rows = await attempt('full read', (q) => countWith(q, ['enable_indexscan', 'enable_indexonlyscan', 'enable_bitmapscan'], `SELECT count(*)::text AS n FROM ${t}`));
  if (info.pkColumns.length > 0) {
    const cols = info.pkColumns.map(quoteIdent).join(', ');
    out.indexRows = await attempt('read through the primary key', (q) =>
      countWith(q, ['enable_seqscan', 'enable_bitmapscan', 'enable_sort'], `SELECT count(*)::text AS n FROM (SELECT ${cols} FROM ${t} ORDER BY ${cols}) s`),
    );
    if (out.rows !== null && out.indexRows !== null && out.rows !== out.indexRows) {
      out.problems.push(`the table reads ${out.rows} rows, its primary key holds ${out.indexRows}: rows or index entries are lost`);
    }
  }
  return out;
}

class Rollback extends Error {
  constructor(readonly value: unknown) {
    super('rollback');
  }
}

/** Runs `fn` in a transaction that is always rolled back; returns its value. */
async function rolledBack<T>(db: Db, fn: (q: Queryable) => Promise<T>): Promise<T> {
  try {
    await db.transaction(async (tx) => {
      throw new Rollback(await fn(tx));
    });
  } catch (err) {
    if (err instanceof Rollback) return err.value as T;
    throw err;
  }
  throw new Error('unreachable');
}

async function runAmcheck(db: Db, schema: string): Promise<{ ran: boolean; problems: string[] }> {
  try {
    return await rolledBack(db, async (q) => {
      const has = await q.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_extension WHERE extname = 'amcheck'`);
      if (Number(has.rows[0]?.n) === 0) {
        // In a savepoint: a server without the extension (or the right) just skips amcheck.
        await q.query('SAVEPOINT amcheck');
        try {
          await q.query('CREATE EXTENSION amcheck SCHEMA pg_catalog');
        } catch {
          await q.query('ROLLBACK TO SAVEPOINT amcheck');
          return { ran: false, problems: [] };
        }
      }
      const problems: string[] = [];
      const indexes = await q.query<{ index: string }>(
        `SELECT c.relname AS index FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_am am ON am.oid = c.relam
          WHERE n.nspname = $1 AND c.relkind = 'i' AND am.amname = 'btree' ORDER BY c.relname`,
        [schema],
      );
      for (const { index } of indexes.rows) {
        await q.query('SAVEPOINT one');
        try {
          await q.query('SELECT bt_index_check(($1::text)::regclass, true)', [`${quoteIdent(schema)}.${quoteIdent(index)}`]);
        } catch (err) {
          problems.push(`index ${index}: ${message(err)}`);
          await q.query('ROLLBACK TO SAVEPOINT one');
        }
      }
      const tables = await tablesOf(q, schema);
      for (const { table } of tables) {
        await q.query('SAVEPOINT one');
        try {
          const res = await q.query<{ blkno: string; msg: string }>('SELECT blkno::text, msg FROM verify_heapam(($1::text)::regclass) LIMIT 5', [`${quoteIdent(schema)}.${quoteIdent(table)}`]);
          for (const r of res.rows) problems.push(`table ${table} block ${r.blkno}: ${r.msg}`);
        } catch (err) {
          problems.push(`table ${table}: ${message(err)}`);
          await q.query('ROLLBACK TO SAVEPOINT one');
        }
      }
      return { ran: true, problems };
    });
  } catch (err) {
    return { ran: true, problems: [`amcheck: ${message(err)}`] };
  }
}

export async function checkDatabase(db: Db, schema: string): Promise<CheckReport> {
  const problems: string[] = [];
  try {
    for (const t of await findTruncatedRelations(db, schema)) problems.push(`file shorter than recorded: ${t}`);
  } catch (err) {
    problems.push(`sizes: ${message(err)}`);
  }
  const tables: TableCheck[] = [];
  for (const info of await tablesOf(db, schema)) tables.push(await checkTable(db, info));
  const am = await runAmcheck(db, schema);
  problems.push(...am.problems);
  const ok = problems.length === 0 && tables.every((t) => t.problems.length === 0);
  return { tables, problems, amcheck: am.ran ? 'ran' : 'unavailable', ok };
}
