/**
 * The import pipeline shared by every kind of import (orders, members, purchases):
 *
 *   file → lines → records → (kind) COPY rows → staging table → checks → (kind) merge
 *
 * All in one transaction: any bad line rolls everything back, so an import lands whole or not at
 * all. Lines are checked one by one as they stream (syntax, fields, types, merchants); what needs
 * the whole file (an id twice) is found in SQL from the staging table, which carries each row's
 * line number. A kind describes its columns, turns a record into a COPY row and merges the
 * staging table into its tables; it never sees the file or the transaction's bookkeeping.
 */
import type { Db, Queryable } from '../store/db.js';
import { pgErrorCode } from '../store/db.js';
import { readLineBatches, type LineBatch } from './lines.js';
import { createRecordReader, type ColumnSpec, type ImportRecord, type InputFormat } from './records.js';
import { FieldError } from './fields.js';
import { TierformError } from '../cli/errors.js';
import { PgCode } from '../store/db.js';
import { findLockHolder, lockMerchant, setLocalApplicationName, setLocalLockTimeout } from '../store/merchantLock.js';
import { run } from '../store/statement.js';

export interface LineProblem {
  line: number;
  message: string;
  /** A stable code for a problem a user may need to look up (e.g. `import.points-changed`). */
  code?: string;
}

/** Rows an import must write before it refreshes the planner's statistics. */
const ANALYZE_AFTER = 1000;

/** The staging table every kind loads into (a temporary table dropped at commit). */
export const STAGE = 'tierform_import_stage';

export interface MergeContext {
  /** The one `nextval('import_seq')` of this import. */
  importSeq: string;
  /** The merchants the file names (all locked), sorted. */
  merchants: readonly string[];
  /**
   * Fails the merge (the file is then rejected with every duplicate line) when a key occurs twice
   * in the file. A merge that a duplicate cannot make fail on its own (one that updates with a
   * join, not an upsert) calls it first.
   */
  requireUniqueKeys(): Promise<void>;
}

export interface MergeCounts {
  inserted: number;
  updated: number;
  /** Extra facts for the text summary (e.g. members registered by an orders import). */
  notes?: string[];
}

export interface ImportKind<Prepared> {
  /** Plural noun for messages: `orders`. */
  noun: string;
  /** The tables the merge writes: their statistics are refreshed after a large import. */
  tables: readonly string[];
  columns: readonly ColumnSpec[];
  /** Staging columns after `line integer`, as DDL: `merchant_id text, order_id text, …`. */
  stagingColumns: string;
  /** The staging columns that identify a row; twice in one file is an error. */
  key: readonly string[];
  /** How a duplicate is named in its message, from the key's values: `order A1 of merchant acme`. */
  describeKey(key: readonly string[]): string;
  /** Reads what checking rows needs (merchants, currencies) before the rows stream. */
  prepare(tx: Queryable): Promise<Prepared>;
  /**
   * One record as the staging columns in COPY text format, tab-separated, without the line
   * number (the pipeline adds it). Throws FieldError for a bad value.
   */
  toCopyRow(record: ImportRecord, prepared: Prepared): string;
  /**
   * Set-based checks of the staged rows that need the live state (optional): at most `limit`
   * problems in line order, and how many there are in all. Runs after the rows are staged.
   */
  checkStaged?(tx: Queryable, limit: number): Promise<{ problems: LineProblem[]; total: number }>;
  /**
   * Run checkStaged under the merchants' locks (taken with the lock timeout), when what it
   * compares with may be written by another import of the same merchant meanwhile.
   */
  checkUnderLock?: boolean;
  /** Merges the staging table into the kind's tables, set-based. */
  merge(tx: Queryable, ctx: MergeContext): Promise<MergeCounts>;
}

export interface ImportSource {
  /** The file's bytes (a file stream or stdin). */
  input: AsyncIterable<Buffer | string>;
  format: InputFormat;
  /** Bytes read so far, for a progress bar. */
  onBytes?: (bytesRead: number) => void;
}

export interface ImportOptions {
  /** At most this many problems are listed; the rest are only counted (default 1000). */
  maxProblems?: number;
  /** How long to wait for a merchant's lock (default 10 s); longer fails with state.locked. */
  lockTimeoutMs?: number;
}

export type ImportOutcome =
  /** `unchanged`: rows of the file that were already stored exactly so (nothing written). */
  | { ok: true; inserted: number; updated: number; unchanged: number; notes: string[] }
  | { ok: false; problems: LineProblem[]; more: number };

/** Collected line problems: the first `cap` kept in line order, the rest counted. */
class ProblemList {
  readonly items: LineProblem[] = [];
  total = 0;
  constructor(readonly cap: number) {}

  add(p: LineProblem): void {
    this.total++;
    this.items.push(p);
    // Problems arrive mostly in line order; keep the lowest lines when over the cap.
    if (this.items.length > this.cap * 2) this.trim();
  }

  trim(): void {
    this.items.sort((a, b) => a.line - b.line);
    this.items.length = Math.min(this.items.length, this.cap);
  }
}

class Rejected extends Error {
  constructor() {
    super('import rejected');
  }
}

/** Thrown by `requireUniqueKeys`: a key occurs twice in the file. */
class DuplicateKeys extends Error {
  constructor() {
    super('a key occurs twice in the file');
  }
}

const CARDINALITY_VIOLATION = '21000';

/** How a merge fails on a key that occurs twice in the file (or, past the lock, is written by another process). */
function isDuplicateFailure(err: unknown): boolean {
  const code = pgErrorCode(err);
  return err instanceof DuplicateKeys || code === CARDINALITY_VIOLATION || code === PgCode.uniqueViolation;
}

export async function runImport<P>(db: Db, kind: ImportKind<P>, source: ImportSource, opts: ImportOptions = {}): Promise<ImportOutcome> {
  const problems = new ProblemList(opts.maxProblems ?? 1000);
  const lockTimeoutMs = opts.lockTimeoutMs ?? 10_000;
  const merchants = new Set<string>();
  try {
    const counts = await db.transaction(async (tx) => {
      await run(tx, setLocalApplicationName(`tierform import ${kind.noun}`));
      const prepared = await kind.prepare(tx);
      await tx.query(`CREATE TEMPORARY TABLE ${STAGE} (line integer NOT NULL, ${kind.stagingColumns}) ON COMMIT DROP`);
      const batches = readLineBatches(source.input, { onBytes: source.onBytes });
      const columnNames = ['line', ...kind.stagingColumns.split(',').map((c) => c.trim().split(/\s+/)[0]!)];
      const staged = await tx.copyFrom(`COPY ${STAGE} (${columnNames.join(', ')}) FROM STDIN`, copyRows(batches, source.format, kind, prepared, problems, merchants));
      const locked = [...merchants].sort();
      let haveLocks = false;
      if (kind.checkStaged) {
        // Without problems so far the file may be merged: lock before comparing what it merges with.
        if (kind.checkUnderLock && problems.total === 0) {
          await lockMerchants(tx, locked, lockTimeoutMs);
          haveLocks = true;
        }
        const checked = await kind.checkStaged(tx, problems.cap);
        for (const p of checked.problems) problems.add(p);
        problems.total += checked.total - checked.problems.length;
      }
      if (problems.total > 0) {
        await addDuplicates(tx, kind, problems);
        throw new Rejected();
      }
      // Under the lock of every merchant in the file (the lock apply and the engine take), an
      // import's import_seq is taken in the order imports of a merchant commit: an evaluation
      // that has seen seq n has seen every earlier import of its merchant.
      if (!haveLocks) await lockMerchants(tx, locked, lockTimeoutMs);
      const seq = await tx.query<{ seq: string }>(`SELECT nextval('import_seq')::text AS seq`);
      // The merge joins the staging table with the live tables: plan it with the file's real size.
      await tx.query(`ANALYZE ${STAGE}`);
      // Duplicates make the merge fail (an upsert cannot touch one row twice, a plain insert
      // violates the key, a joined update asks requireUniqueKeys); only then are their lines
      // looked up, so a clean import pays for no extra pass to name them.
      await tx.query('SAVEPOINT tierform_import_merge');
      try {
        const counts = await kind.merge(tx, { importSeq: seq.rows[0]!.seq, merchants: locked, requireUniqueKeys: () => requireUniqueKeys(tx, kind) });
        return { ...counts, unchanged: staged - counts.inserted - counts.updated };
      } catch (err) {
        if (!isDuplicateFailure(err)) throw err;
        await tx.query('ROLLBACK TO SAVEPOINT tierform_import_merge');
        await addDuplicates(tx, kind, problems);
        if (problems.total === 0) throw err;
        throw new Rejected();
      }
    }).catch(async (err: unknown) => {
      if (pgErrorCode(err) !== PgCode.lockNotAvailable) throw err;
      throw await lockedError(db, [...merchants].sort(), lockTimeoutMs);
    });
    // The planner must know the new size before the engine reads these tables: with the
    // statistics of an empty table it joins every member to every order in a nested loop. The
    // embedded database has no autovacuum, and the server's may not have run yet.
    if (counts.inserted + counts.updated >= ANALYZE_AFTER) await db.query(`ANALYZE ${kind.tables.join(', ')}`);
    return { ok: true, inserted: counts.inserted, updated: counts.updated, unchanged: counts.unchanged, notes: counts.notes ?? [] };
  } catch (err) {
    if (!(err instanceof Rejected)) throw err;
    problems.trim();
    return { ok: false, problems: problems.items, more: problems.total - problems.items.length };
  }
}

/**
 * COPY text for the staging table, one string per chunk of the file: its good rows joined by
 * newlines (the adapters add the last one, so a string of several rows is as good as one row).
 * Bad lines go to `problems` and the stream goes on, so every problem of the file is reported.
 */
async function* copyRows<P>(
  batches: AsyncIterable<LineBatch>,
  format: InputFormat,
  kind: ImportKind<P>,
  prepared: P,
  problems: ProblemList,
  merchants: Set<string>,
): AsyncGenerator<string> {
  let rows: string[] = [];
  const reader = createRecordReader(format, kind.columns, {
    record(line, record) {
      try {
        rows.push(`${line}\t${kind.toCopyRow(record, prepared)}`);
        // Every kind has a `merchant` column, checked by toCopyRow as an id.
        merchants.add(String(record.merchant));
      } catch (err) {
        if (!(err instanceof FieldError)) throw err;
        problems.add({ line, message: err.message });
      }
    },
    problem(line, message) {
      problems.add({ line, message });
    },
  });
  for await (const batch of batches) {
    const { first, lines } = batch;
    if (batch.notUtf8 !== undefined) problems.add({ line: batch.notUtf8, message: 'this line is not UTF-8 text (an invalid byte sequence, or an encoded lone surrogate)' });
    for (let i = 0; i < lines.length; i++) reader.feed(first + i, lines[i]!);
    if (rows.length > 0) {
      yield rows.join('\n');
      rows = [];
    }
  }
  reader.end();
  if (rows.length > 0) yield rows.join('\n');
}

async function requireUniqueKeys<P>(tx: Queryable, kind: ImportKind<P>): Promise<void> {
  const key = kind.key.join(', ');
  const res = await tx.query(`SELECT 1 FROM ${STAGE} GROUP BY ${key} HAVING count(*) > 1 LIMIT 1`);
  if (res.rows.length > 0) throw new DuplicateKeys();
}

/** Every later occurrence of a key already seen in the file, naming the first line. */
async function addDuplicates<P>(tx: Queryable, kind: ImportKind<P>, problems: ProblemList): Promise<void> {
  const key = kind.key.join(', ');
  const res = await tx.query<{ line: number; first_line: number; key: string[]; total: string }>(
    `SELECT line, first_line, ARRAY[${key}]::text[] AS key, count(*) OVER () AS total
       FROM (SELECT line, ${key}, min(line) OVER (PARTITION BY ${key}) AS first_line FROM ${STAGE}) s
      WHERE line <> first_line
      ORDER BY line
      LIMIT $1`,
    [problems.cap],
  );
  for (const r of res.rows) {
    problems.add({ line: r.line, message: `${kind.describeKey(r.key)} appears again (first on line ${r.first_line})` });
  }
  const total = res.rows.length > 0 ? Number(res.rows[0]!.total) : 0;
  problems.total += total - res.rows.length;
}

async function lockMerchants(tx: Queryable, merchants: readonly string[], lockTimeoutMs: number): Promise<void> {
  if (merchants.length === 0) return;
  await run(tx, setLocalLockTimeout(lockTimeoutMs));
  for (const merchant of merchants) await run(tx, lockMerchant(merchant));
}

async function lockedError(db: Db, merchants: readonly string[], lockTimeoutMs: number): Promise<TierformError> {
  for (const merchant of merchants) {
    const holder = await findLockHolder(db, merchant).catch(() => null);
    if (holder) {
      const who = `process ${holder.pid}${holder.applicationName ? ` (${holder.applicationName})` : ''}${holder.since ? ` since ${holder.since}` : ''}`;
      return new TierformError('state.locked', `merchant ${merchant} is locked by ${who}; waited ${lockTimeoutMs / 1000} s`);
    }
  }
  return new TierformError('state.locked', `a merchant of the file is locked by another process; waited ${lockTimeoutMs / 1000} s`);
}
