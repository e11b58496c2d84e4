/**
 * The import pipeline shared by every kind of import (orders, members, purchases):
 *
 *   file → lines → records → (kind) COPY rows → staging table → checks → (kind) merge
 *                                              ↘ (a merchant's first load) the kind's table
 *
 * All in one transaction: any bad line rolls everything back, so an import lands whole or not at
 * all. Lines are checked one by one as they stream (syntax, fields, types, merchants); an id
 * twice is found as they stream too (KeyHashes), and settled exactly at the end against the rows
 * written. A kind describes its columns, turns a record into a COPY row and merges the staging
 * table into its tables; it never sees the file or the transaction's bookkeeping.
 */
import type { Db, Queryable } from '../store/db.js';
import { pgErrorCode } from '../store/db.js';
import { readLineBatches, type LineBatch } from './lines.js';
import { createRecordReader, type ColumnSpec, type ImportRecord, type InputFormat, type RecordReader } from './records.js';
import { KeyHashes } from './keyHashes.js';
import { uncopyText } from './copyText.js';
import { anyRowsSql } from './mergeSql.js';
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

/** Rows an import must insert before it refreshes the planner's statistics. */
const ANALYZE_AFTER = 1000;

/** The staging table every kind loads into (a temporary table dropped at commit). */
export const STAGE = 'tierform_import_stage';

export interface MergeContext {
  /** The one `nextval('import_seq')` of this import. */
  importSeq: string;
  /** The merchants the file names (all locked), sorted. */
  merchants: readonly string[];
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
  /** Merges the staging table into the kind's tables, set-based. Its key is unique in the staging table. */
  merge(tx: Queryable, ctx: MergeContext): Promise<MergeCounts>;
  /**
   * A first load straight into the kind's table (optional): when the file's first merchant has no
   * rows there yet, its rows are copied into the table as they stream, without staging or merge.
   * The key must be `merchant_id` and one id.
   */
  direct?: DirectLoad;
}

/** How a kind's rows are copied straight into its table (ImportKind.direct). */
export interface DirectLoad {
  /** The table: its columns are named as the staging columns. */
  table: string;
  /** The column stamped with the import's import_seq (after the staging columns). */
  stamp: string;
  /** What the rows need once written (e.g. registering the members they name); returns notes for the summary. */
  after?(tx: Queryable, merchant: string): Promise<string[]>;
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
  /** Called after each step with its seconds (the bench's breakdown). */
  onStep?: (step: string, seconds: number) => void;
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

const CARDINALITY_VIOLATION = '21000';

/** How a merge fails on a key that occurs twice in the file (or, past the lock, is written by another process). */
function isDuplicateFailure(err: unknown): boolean {
  const code = pgErrorCode(err);
  return code === CARDINALITY_VIOLATION || code === PgCode.uniqueViolation;
}

export async function runImport<P>(db: Db, kind: ImportKind<P>, source: ImportSource, opts: ImportOptions = {}): Promise<ImportOutcome> {
  const problems = new ProblemList(opts.maxProblems ?? 1000);
  const lockTimeoutMs = opts.lockTimeoutMs ?? 10_000;
  const merchants = new Set<string>();
  const steps = new StepClock(opts.onStep);
  try {
    const counts = await db.transaction(async (tx) => {
      await run(tx, setLocalApplicationName(`tierform import ${kind.noun}`));
      const prepared = await kind.prepare(tx);
      await tx.query(`CREATE TEMPORARY TABLE ${STAGE} (line integer NOT NULL, ${kind.stagingColumns}) ON COMMIT DROP`);
      const rows = new RowStream(readLineBatches(source.input, { onBytes: source.onBytes }), source.format, kind, prepared, problems, merchants);
      const columnNames = stagingColumnNames(kind);
      const direct = kind.direct ? await startDirect(tx, kind, kind.direct, rows) : undefined;
      let directRows = 0;
      if (direct) directRows = await tx.copyFrom(`COPY ${direct.table} (${[...columnNames, direct.stamp].join(', ')}) FROM STDIN`, rows.directChunks(direct.merchant, direct.seq));
      let staged = await tx.copyFrom(`COPY ${STAGE} (line, ${columnNames.join(', ')}) FROM STDIN`, rows.stagedChunks());
      steps.lap('read, check and COPY');
      // A second merchant after a direct start (staged, or held back): the first one's rows join
      // the staging table (the merchant had no rows before this import), and the file is merged whole.
      const whole = direct !== undefined && (staged > 0 || rows.held.some((h) => h.merchant !== direct.merchant));
      if (whole) {
        staged += (await tx.query(`INSERT INTO ${STAGE} (line, ${columnNames.join(', ')}) SELECT 0, ${columnNames.join(', ')} FROM ${direct.table} WHERE merchant_id = $1`, [direct.merchant])).rowCount;
        await tx.query(`DELETE FROM ${direct.table} WHERE merchant_id = $1`, [direct.merchant]);
        directRows = 0;
      }
      const loaded = direct && !whole ? direct : undefined;
      const fresh = await settleHeld(tx, kind, rows.held, problems, loaded);
      if (fresh.length > 0) {
        if (loaded) directRows += await tx.copyFrom(`COPY ${loaded.table} (${[...columnNames, loaded.stamp].join(', ')}) FROM STDIN`, [fresh.map((h) => `${h.row}\t${loaded.seq}`).join('\n')]);
        else staged += await tx.copyFrom(`COPY ${STAGE} (line, ${columnNames.join(', ')}) FROM STDIN`, [fresh.map((h) => `${h.line}\t${h.row}`).join('\n')]);
      }
      steps.lap('duplicates');
      if (loaded) {
        if (problems.total > 0) throw new Rejected();
        const notes = loaded.after ? await loaded.after(tx, loaded.merchant) : [];
        steps.lap('after the rows');
        return { inserted: directRows, updated: 0, unchanged: 0, notes };
      }
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
      if (problems.total > 0) throw new Rejected();
      // Under the lock of every merchant in the file (the lock apply and the engine take), an
      // import's import_seq is taken in the order imports of a merchant commit: an evaluation
      // that has seen seq n has seen every earlier import of its merchant.
      if (!haveLocks) await lockMerchants(tx, locked, lockTimeoutMs);
      const seq = await tx.query<{ seq: string }>(`SELECT nextval('import_seq')::text AS seq`);
      // The merge joins the staging table with the live tables: plan it with the file's real size.
      await tx.query(`ANALYZE ${STAGE}`);
      steps.lap('lock, import_seq, ANALYZE of the staging table');
      // The staging table holds every key once (the rows streamed past KeyHashes). A merge can
      // still fail on a key written past the lock by another process: that is the error.
      await tx.query('SAVEPOINT tierform_import_merge');
      try {
        const counts = await kind.merge(tx, { importSeq: seq.rows[0]!.seq, merchants: locked });
        steps.lap('merge');
        return { ...counts, unchanged: staged - counts.inserted - counts.updated };
      } catch (err) {
        if (!isDuplicateFailure(err)) throw err;
        await tx.query('ROLLBACK TO SAVEPOINT tierform_import_merge');
        await addDuplicates(tx, kind, problems);
        if (problems.total === 0) throw err;
        throw new Rejected();
      }
    }).catch(async (err: unknown) => {
      // A direct first load holds its merchant's lock before it knows the file's other merchants:
      // two such files naming each other's merchants can deadlock. PostgreSQL ends one of them,
      // which is the same situation to the user as a lock held too long.
      if (pgErrorCode(err) === PgCode.deadlockDetected) {
        throw new TierformError('state.locked', `another import holds a merchant of this file and waits for one this import held; nothing was written; run it again`);
      }
      if (pgErrorCode(err) !== PgCode.lockNotAvailable) throw err;
      throw await lockedError(db, [...merchants].sort(), lockTimeoutMs);
    });
    steps.lap('commit');
    // The planner must know the new size before the engine reads these tables: with the
    // statistics of an empty table it joins every member to every order in a nested loop. The
    // embedded database has no autovacuum, and the server's may not have run yet. Rows only
    // updated leave the size as it was (and a new import_seq above the statistics' range is
    // estimated from the index's real end), so only inserted rows count.
    if (counts.inserted >= ANALYZE_AFTER) await db.query(`ANALYZE ${kind.tables.join(', ')}`);
    steps.lap('ANALYZE');
    return { ok: true, inserted: counts.inserted, updated: counts.updated, unchanged: counts.unchanged, notes: counts.notes ?? [] };
  } catch (err) {
    if (!(err instanceof Rejected)) throw err;
    problems.trim();
    return { ok: false, problems: problems.items, more: problems.total - problems.items.length };
  }
}

function stagingColumnNames<P>(kind: ImportKind<P>): string[] {
  return kind.stagingColumns.split(',').map((c) => c.trim().split(/\s+/)[0]!);
}

/** Seconds per step, for a caller that asks (the bench). */
class StepClock {
  private last = performance.now();
  constructor(private readonly onStep: ((step: string, seconds: number) => void) | undefined) {}
  lap(step: string): void {
    if (!this.onStep) return;
    const now = performance.now();
    this.onStep(step, (now - this.last) / 1000);
    this.last = now;
  }
}

interface DirectStart extends DirectLoad {
  merchant: string;
  seq: string;
}

/**
 * Whether the file can be copied straight into the kind's table: its first merchant's lock is
 * free now (else the file is staged, and waits for the lock before its merge as always) and the
 * merchant has no rows in the table. The lock is then held from before the first row is written,
 * and the import's import_seq is taken under it.
 */
async function startDirect<P>(tx: Queryable, kind: ImportKind<P>, load: DirectLoad, rows: RowStream<P>): Promise<DirectStart | undefined> {
  const merchant = await rows.firstMerchant();
  if (merchant === undefined || kind.key.length !== 2 || kind.key[0] !== 'merchant_id') return undefined;
  // The key of lockMerchant (src/store/merchantLock.ts), without waiting.
  const lock = await tx.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock(hashtext($1)::bigint) AS ok', [merchant]);
  if (!lock.rows[0]!.ok) return undefined;
  const any = await tx.query<{ any: boolean }>(anyRowsSql(load.table), [[merchant]]);
  if (any.rows[0]!.any) return undefined;
  const seq = await tx.query<{ seq: string }>(`SELECT nextval('import_seq')::text AS seq`);
  return { ...load, merchant, seq: seq.rows[0]!.seq };
}

/**
 * The held rows settled: a row whose key is among the rows written (the staging table, or the
 * direct merchant's rows) is a duplicate of the first line of its hash (the only written row
 * with that hash); the others are compared among themselves, and the first of each key is
 * returned to be written (a key whose hash only collided with another).
 */
async function settleHeld<P>(tx: Queryable, kind: ImportKind<P>, held: readonly Held[], problems: ProblemList, loaded: DirectStart | undefined): Promise<Held[]> {
  if (held.length === 0) return [];
  const keys = held.map((h) => h.row.slice(0, h.keyEnd).split('\t').map(uncopyText));
  const written = new Set<string>();
  const columns = kind.key.map((_, i) => keys.map((k) => k[i]!));
  const staged = await tx.query<{ key: string[] }>(
    `SELECT ARRAY[${kind.key.map((c) => `s.${c}`).join(', ')}]::text[] AS key FROM ${STAGE} s
      WHERE (${kind.key.map((c) => `s.${c}`).join(', ')}) IN (SELECT * FROM unnest(${kind.key.map((_, i) => `$${i + 1}::text[]`).join(', ')}))`,
    columns,
  );
  for (const r of staged.rows) written.add(r.key.join('\u0000'));
  if (loaded) {
    const ids = keys.filter((k) => k[0] === loaded.merchant).map((k) => k[1]!);
    const res = await tx.query<{ id: string }>(`SELECT ${kind.key[1]} AS id FROM ${loaded.table} WHERE merchant_id = $1 AND ${kind.key[1]} = ANY($2::text[])`, [loaded.merchant, ids]);
    for (const r of res.rows) written.add(`${loaded.merchant}\u0000${r.id}`);
  }
  const firstHeld = new Map<string, number>();
  const fresh: Held[] = [];
  for (let i = 0; i < held.length; i++) {
    const h = held[i]!;
    const id = keys[i]!.join('\u0000');
    let first: number | undefined;
    if (written.has(id)) first = h.firstLine;
    else first = firstHeld.get(id);
    if (first === undefined) {
      firstHeld.set(id, h.line);
      fresh.push(h);
    } else {
      problems.add({ line: h.line, message: `${kind.describeKey(keys[i]!)} appears again (first on line ${first})` });
    }
  }
  return fresh;
}

/** A row whose key hash was seen before: held back until the end of the file. */
interface Held {
  line: number;
  firstLine: number;
  merchant: string;
  /** The row as COPY text (staging columns without the line) and where its key ends in it. */
  row: string;
  keyEnd: number;
}

/** Good rows of a chunk of the file, as COPY text without the line number. */
interface Chunk {
  lines: number[];
  rows: string[];
  merchants: string[];
}

/**
 * The file's good rows, chunk by chunk, as COPY text. Bad lines go to `problems` and the stream
 * goes on, so every problem of the file is reported. A row whose key hash was seen before is
 * held back (`held`) instead, so no key reaches a table twice.
 */
class RowStream<P> {
  readonly held: Held[] = [];
  private readonly batches: AsyncIterator<LineBatch>;
  private readonly reader: RecordReader;
  private readonly keys = new KeyHashes();
  private readonly keyFields: number;
  private back: Chunk | undefined;
  private chunk: Chunk = { lines: [], rows: [], merchants: [] };
  private ended = false;

  constructor(
    batches: AsyncIterable<LineBatch>,
    format: InputFormat,
    private readonly kind: ImportKind<P>,
    private readonly prepared: P,
    private readonly problems: ProblemList,
    private readonly merchants: Set<string>,
  ) {
    this.batches = batches[Symbol.asyncIterator]();
    this.keyFields = kind.key.length;
    this.reader = createRecordReader(format, kind.columns, {
      record: (line, record) => this.record(line, record),
      problem: (line, message) => problems.add({ line, message }),
    });
  }

  private record(line: number, record: ImportRecord): void {
    let row: string;
    try {
      row = this.kind.toCopyRow(record, this.prepared);
    } catch (err) {
      if (!(err instanceof FieldError)) throw err;
      this.problems.add({ line, message: err.message });
      return;
    }
    // Every kind has a `merchant` column, checked by toCopyRow as an id.
    const merchant = String(record.merchant);
    this.merchants.add(merchant);
    // The key is the row's first columns.
    let keyEnd = -1;
    for (let k = 0; k < this.keyFields; k++) {
      keyEnd = row.indexOf('\t', keyEnd + 1);
      if (keyEnd === -1) {
        keyEnd = row.length;
        break;
      }
    }
    const firstLine = this.keys.add(row, keyEnd, line);
    if (firstLine !== 0) {
      this.held.push({ line, firstLine, merchant, row, keyEnd });
      return;
    }
    this.chunk.lines.push(line);
    this.chunk.rows.push(row);
    this.chunk.merchants.push(merchant);
  }

  /** The next chunk with good rows (possibly none), or undefined at the end of the file. */
  async next(): Promise<Chunk | undefined> {
    if (this.back) {
      const back = this.back;
      this.back = undefined;
      return back;
    }
    if (this.ended) return undefined;
    const step = await this.batches.next();
    if (step.done) {
      this.ended = true;
      this.reader.end();
    } else {
      const { first, lines } = step.value;
      if (step.value.notUtf8 !== undefined) this.problems.add({ line: step.value.notUtf8, message: 'this line is not UTF-8 text (an invalid byte sequence, or an encoded lone surrogate)' });
      for (let i = 0; i < lines.length; i++) this.reader.feed(first + i, lines[i]!);
    }
    const chunk = this.chunk;
    this.chunk = { lines: [], rows: [], merchants: [] };
    return chunk;
  }

  /** The merchant of the first good row (read ahead, the rows stay to be read). */
  async firstMerchant(): Promise<string | undefined> {
    for (;;) {
      const chunk = await this.next();
      if (!chunk) return undefined;
      if (chunk.rows.length > 0) {
        this.back = chunk;
        return chunk.merchants[0];
      }
    }
  }

  /** COPY text for the direct load of `merchant`: its rows stamped with `seq`, up to the first row of another merchant. */
  async *directChunks(merchant: string, seq: string): AsyncGenerator<string> {
    const stamp = `\t${seq}`;
    for (;;) {
      const chunk = await this.next();
      if (!chunk) return;
      const { rows, merchants } = chunk;
      let i = 0;
      let text = '';
      for (; i < rows.length && merchants[i] === merchant; i++) text += i === 0 ? rows[i] + stamp : `\n${rows[i]}${stamp}`;
      if (i < rows.length) this.back = { lines: chunk.lines.slice(i), rows: rows.slice(i), merchants: merchants.slice(i) };
      if (i > 0) yield text;
      if (this.back) return;
    }
  }

  /** COPY text for the staging table: the rest of the file's rows, each after its line number. */
  async *stagedChunks(): AsyncGenerator<string> {
    for (;;) {
      const chunk = await this.next();
      if (!chunk) return;
      const { lines, rows } = chunk;
      if (rows.length === 0) continue;
      let text = `${lines[0]}\t${rows[0]}`;
      for (let i = 1; i < rows.length; i++) text += `\n${lines[i]}\t${rows[i]}`;
      yield text;
    }
  }
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
