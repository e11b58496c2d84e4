/**
 * The embedded engine: PGlite (PostgreSQL compiled to WebAssembly) in one process, on a data
 * directory or in memory. Its result types are aligned with the `pg` engine (docs/decisions.md
 * "Result types"): int8 and numeric as strings, date as text, timestamptz as Date, jsonb parsed.
 */
import { PGlite, types, type Transaction as PgliteTransaction } from '@electric-sql/pglite';
import { quoteIdent, type Db, type QueryResult, type Transaction } from './db.js';
import { DEFAULT_SCHEMA } from './target.js';
import { corruptError, embeddedFailure } from './embeddedFailure.js';
import { TierformError } from '../cli/errors.js';

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
  /** The schema tierform's tables live in: the session's search_path (default tierform). */
  schema?: string;
  /** PGlite extensions to load (db check loads amcheck). */
  extensions?: Record<string, unknown>;
}

/**
 * Opens PGlite on `dataDir`, or in memory when it is undefined. Whether a directory may be
 * created or opened is decided before (embeddedDir.ts). A failure of PGlite itself on a data
 * directory (a WebAssembly abort, a thrown non-Error, PostgreSQL's data-corruption classes)
 * becomes db.embedded-corrupt naming the directory.
 */
export async function openPglite(dataDir?: string, opts: PgliteOptions = {}): Promise<Db> {
  const guard = async <T,>(work: () => Promise<T>, opening = false): Promise<T> => {
    try {
      return await work();
    } catch (err) {
      if (dataDir === undefined) throw err;
      // PGlite failing to start on an existing directory ("failed to initialize properly").
      if (opening && err instanceof Error && !(err instanceof TierformError)) throw corruptError(dataDir, `PGlite cannot start on it: ${err.message}`);
      throw embeddedFailure(err, dataDir);
    }
  };
  const schema = opts.schema ?? DEFAULT_SCHEMA;
  const pglite = await guard(() =>
    PGlite.create(dataDir, {
      parsers,
      ...(opts.loadDataDir ? { loadDataDir: opts.loadDataDir } : {}),
      ...(opts.extensions ? { extensions: opts.extensions as never } : {}),
    }),
    true,
  );
  // One session: unqualified names resolve in tierform's schema only (like the pg engine).
  await guard(() => pglite.exec(`SET search_path TO ${quoteIdent(schema)}`));
  const transaction = <T,>(fn: (tx: Transaction) => Promise<T>): Promise<T> => guard(() => pglite.transaction((tx) => fn(transactionOn(tx))));
  const db: Db = {
    kind: 'pglite',
    schema,
    query: <R,>(sql: string, params?: readonly unknown[]) => guard(() => run<R>(pglite, sql, params)),
    transaction,
    // Several batches must land together: run them in one transaction.
    copyFrom: (sql, rows) => transaction((tx) => tx.copyFrom(sql, rows)),
    close: async () => {
      try {
        if (!pglite.closed) await pglite.close();
      } catch (err) {
        // An aborted instance cannot close cleanly; its failure was reported already.
        if (dataDir === undefined) throw err;
      }
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
