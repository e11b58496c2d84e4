/**
 * The embedded engine: PGlite (PostgreSQL compiled to WebAssembly) in one process, on a data
 * directory or in memory. Its result types are aligned with the `pg` engine (docs/decisions.md
 * "Result types"): int8 and numeric as strings, date as text, timestamptz as Date, jsonb parsed.
 */
import { PGlite, types, type Transaction as PgliteTransaction } from '@electric-sql/pglite';
import type { Db, QueryResult, Transaction } from './db.js';

const INT8_ARRAY_OID = 1016;
const NUMERIC_ARRAY_OID = 1231;

const parsers = {
  [types.INT8]: (value: string) => value,
  [types.NUMERIC]: (value: string) => value,
  [types.DATE]: (value: string) => value,
  // Arrays: PGlite parses element-wise with the array's own oid; keep elements as text like pg.
  [INT8_ARRAY_OID]: (value: string) => parseTextArray(value),
  [NUMERIC_ARRAY_OID]: (value: string) => parseTextArray(value),
};

/** Parses a one-dimensional array literal of unquoted numbers: `{1,2,NULL}`. */
function parseTextArray(value: string): (string | null)[] {
  const inner = value.slice(1, -1);
  if (inner === '') return [];
  return inner.split(',').map((v) => (v === 'NULL' ? null : v));
}

/** `COPY … FROM STDIN` becomes `COPY … FROM '/dev/blob'`, PGlite's way of feeding COPY. */
function toBlobCopy(sql: string): string {
  const rewritten = sql.replace(/\bFROM\s+STDIN\b/i, "FROM '/dev/blob'");
  if (rewritten === sql) throw new Error(`copyFrom expects a COPY … FROM STDIN statement: ${sql}`);
  return rewritten;
}

/** Rows are buffered per batch: PGlite reads a whole blob; batches bound the memory. */
const COPY_BATCH_BYTES = 16 * 1024 * 1024;

type PgliteQueryable = Pick<PgliteTransaction, 'query' | 'exec'>;

async function run<R>(q: PgliteQueryable, sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
  const res = await q.query<R>(sql, params as unknown[] | undefined);
  // PGlite reports 0 affected rows for SELECT; pg counts the rows returned.
  return { rows: res.rows, rowCount: res.affectedRows ? res.affectedRows : res.rows.length };
}

async function copyInto(q: PgliteQueryable, sql: string, rows: AsyncIterable<string> | Iterable<string>): Promise<number> {
  const statement = toBlobCopy(sql);
  let total = 0;
  let parts: string[] = [];
  let size = 0;
  const flush = async (): Promise<void> => {
    if (parts.length === 0) return;
    const res = await q.query(statement, [], { blob: new Blob(parts) });
    total += res.affectedRows ?? 0;
    parts = [];
    size = 0;
  };
  for await (const row of rows) {
    parts.push(row, '\n');
    size += row.length + 1;
    if (size >= COPY_BATCH_BYTES) await flush();
  }
  await flush();
  return total;
}

function transactionOn(tx: PgliteTransaction): Transaction {
  return {
    query: <R,>(sql: string, params?: readonly unknown[]) => run<R>(tx, sql, params),
    copyFrom: (sql, rows) => copyInto(tx, sql, rows),
    execScript: async (sql) => {
      await tx.exec(sql);
    },
  };
}

export interface PgliteOptions {
  /** Start from this data directory image (from `dumpPglite`) instead of an empty cluster. */
  loadDataDir?: Blob;
}

/** Opens PGlite on `dataDir` (created when missing), or in memory when it is undefined. */
export async function openPglite(dataDir?: string, opts: PgliteOptions = {}): Promise<Db> {
  const pglite = await PGlite.create(dataDir, { parsers, ...(opts.loadDataDir ? { loadDataDir: opts.loadDataDir } : {}) });
  const transaction = <T,>(fn: (tx: Transaction) => Promise<T>): Promise<T> => pglite.transaction((tx) => fn(transactionOn(tx)));
  const db: Db = {
    kind: 'pglite',
    query: <R,>(sql: string, params?: readonly unknown[]) => run<R>(pglite, sql, params),
    transaction,
    // Several batches must land together: run them in one transaction.
    copyFrom: (sql, rows) => transaction((tx) => tx.copyFrom(sql, rows)),
    close: async () => {
      if (!pglite.closed) await pglite.close();
    },
  };
  dumpers.set(db, async () => (await pglite.dumpDataDir('none')) as Blob);
  return db;
}

const dumpers = new WeakMap<Db, () => Promise<Blob>>();

/** An image of an open PGlite database, to start others from (`loadDataDir`); tests use it. */
export function dumpPglite(db: Db): Promise<Blob> {
  const dump = dumpers.get(db);
  if (!dump) throw new Error('dumpPglite: not a Db opened by openPglite');
  return dump();
}
