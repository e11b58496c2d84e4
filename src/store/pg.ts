/**
 * The `pg` engine: a Pool for plain queries, one pooled client per transaction.
 * Result types follow pg's defaults (see docs/decisions.md "Result types"), except `date`,
 * which stays text so no time zone is invented for a calendar day.
 */
import pg from 'pg';
import type { Db, QueryResult, Queryable, Transaction } from './db.js';
import { pgCopyFrom } from './pgCopy.js';
import { DEFAULT_SCHEMA } from './target.js';
import { quoteIdent } from './db.js';

const DATE_OID = 1082;

const typeParsers = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === DATE_OID && format !== 'binary') return (value: string) => value;
    return format === 'binary' ? pg.types.getTypeParser(oid, 'binary') : pg.types.getTypeParser(oid, 'text');
  },
} as unknown as pg.CustomTypesConfig;

export interface PgOptions {
  connectionString: string;
  /** Pool size; a CLI command needs few connections. */
  max?: number;
  applicationName?: string;
  /** The schema tierform's tables live in: every connection's search_path (default tierform). */
  schema?: string;
  /** Give up connecting after this many milliseconds (0: the driver's default, no limit). */
  connectionTimeoutMs?: number;
}

async function run<R>(q: pg.Pool | pg.ClientBase, sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
  const res = await q.query(sql, params as unknown[] | undefined);
  return { rows: res.rows as R[], rowCount: res.rowCount ?? 0 };
}

function transactionOn(client: pg.ClientBase): Transaction {
  return {
    query: <R,>(sql: string, params?: readonly unknown[]) => run<R>(client, sql, params),
    copyFrom: (sql, rows) => pgCopyFrom(client, sql, rows),
    execScript: async (sql) => {
      // No parameters: pg uses the simple query protocol, which accepts several statements.
      await client.query(sql);
    },
  };
}

export function openPg(opts: PgOptions): Db {
  const schema = opts.schema ?? DEFAULT_SCHEMA;
  const pool = new pg.Pool({
    connectionString: opts.connectionString,
    max: opts.max ?? 4,
    types: typeParsers,
    application_name: opts.applicationName ?? 'tierform',
    ...(opts.connectionTimeoutMs ? { connectionTimeoutMillis: opts.connectionTimeoutMs } : {}),
    // Every connection resolves unqualified names in tierform's own schema only: the SQL stays
    // unqualified, and nothing lands in (or is read from) public. Awaited before the pool hands
    // the connection out.
    onConnect: (async (client: pg.ClientBase) => {
      await client.query(`SET search_path TO ${quoteIdent(schema)}`);
    }) as unknown as (client: pg.ClientBase) => void,
  });
  // An idle client can be cut off by the server (restart, DROP DATABASE … FORCE). The pool drops
  // it; without a listener the 'error' event would crash the process.
  pool.on('error', () => {});

  async function transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    const client = await pool.connect();
    let broken: Error | undefined;
    // A checked-out client that loses its socket emits 'error'; the failing query reports it.
    const onError = (err: Error): void => {
      broken = err;
    };
    client.on('error', onError);
    try {
      await client.query('BEGIN');
      const result = await fn(transactionOn(client));
      await client.query('COMMIT');
      return result;
    } catch (err) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackErr) {
        // The connection is unusable; do not hand it back to the pool.
        broken = rollbackErr instanceof Error ? rollbackErr : new Error(String(rollbackErr));
      }
      throw err;
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  }

  const db: Db & Queryable = {
    kind: 'pg',
    schema,
    query: <R,>(sql: string, params?: readonly unknown[]) => run<R>(pool, sql, params),
    transaction,
    copyFrom: async (sql, rows) => {
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        return await pgCopyFrom(client, sql, rows);
      } catch (err) {
        broken = err instanceof Error ? err : new Error(String(err));
        throw err;
      } finally {
        // After a failed COPY the client is usable again, but a dead socket is not: be safe.
        client.release(broken);
      }
    },
    close: async () => {
      await pool.end();
    },
  };
  return db;
}
