/**
 * The one database interface. `pg` (a Pool) and PGlite (embedded) implement it; code above it
 * does not know which one it talks to. Parameters are always bound, never interpolated.
 */
export interface QueryResult<R> {
  rows: R[];
  rowCount: number;
}

export interface Queryable {
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>>;
}

/**
 * What a transaction callback receives: queries on the transaction's one connection, plus bulk
 * load and multi-statement scripts inside that same transaction (an import is all-or-nothing).
 */
export interface Transaction extends Queryable {
  /** Same contract as `Db.copyFrom`, inside this transaction. */
  copyFrom(sql: string, rows: AsyncIterable<string> | Iterable<string>): Promise<number>;
  /** Runs a script of several statements without parameters (migrations). */
  execScript(sql: string): Promise<void>;
}

export interface Db extends Queryable {
  /** Runs `fn` in one transaction on one connection: commit on return, rollback on throw. */
  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T>;
  /**
   * Bulk load through `COPY … FROM STDIN` (text format). Each item of `rows` is one row in COPY
   * text format WITHOUT its trailing newline (the adapter adds it); returns the rows copied.
   * Outside a transaction the COPY is atomic on its own.
   */
  copyFrom(sql: string, rows: AsyncIterable<string> | Iterable<string>): Promise<number>;
  readonly kind: 'pg' | 'pglite';
  /** The schema every connection's search_path names (SPEC §4.7); absent means tierform. */
  readonly schema?: string;
  close(): Promise<void>;
}

/** PostgreSQL error codes we branch on (never on message text). */
export const PgCode = {
  uniqueViolation: '23505',
  serializationFailure: '40001',
  deadlockDetected: '40P01',
  lockNotAvailable: '55P03',
  queryCanceled: '57014',
  undefinedTable: '42P01',
  invalidSchemaName: '3F000',
  readOnlyTransaction: '25006',
  insufficientPrivilege: '42501',
} as const;

export function pgErrorCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof (err as { code: unknown }).code === 'string') {
    return (err as { code: string }).code;
  }
  return undefined;
}

/** An identifier for SQL text (schema names in SET and DDL, which take no parameters). */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
