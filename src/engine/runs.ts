/**
 * Engine runs (`engine_runs`): a daily evaluation or a recalculation over all members of a
 * merchant in batches of member ids. Each batch commits together with the run's cursor, under
 * the run row's lock, so a killed run resumes after the last batch it committed and two
 * processes continuing one run never judge a member twice.
 */
import type { Db, Queryable } from '../store/db.js';
import type { ContinueOptions, RunRecord, RunSpec } from './index.js';
import { loadCurrentVersions, loadVersion, type JudgingVersion } from './versions.js';
import { evaluateMerchantWide, evaluateWithVersions, notifying, recalculateScope } from './scopeRun.js';
import type { ExistingMembers } from '../rules/index.js';
import { TierformError } from '../cli/errors.js';
import { forgetMark, markEvaluated, seenNow, usableMark } from './evaluationMarks.js';
import { findCandidates, type CandidateQuery } from './candidates.js';
import { useEngineSettings } from './settings.js';

interface RunRow {
  merchant_id: string;
  run_id: string | number;
  run_key: string;
  kind: 'evaluate' | 'recalculate';
  version: number;
  at: Date;
  existing_members: ExistingMembers | null;
  status: RunRecord['status'];
  cursor_member: string | null;
  members_done: number;
  members_changed: number;
  started_at: Date;
  finished_at: Date | null;
  error: string | null;
  import_seq_seen: string | number | bigint | null;
  history_id_seen: string | number | bigint | null;
}

// Members per batch unless the caller says (docs/scheduling.md: why 100,000).
const DEFAULT_BATCH = 100_000;

function toRecord(row: RunRow): RunRecord {
  return {
    merchant: row.merchant_id,
    runId: Number(row.run_id),
    key: row.run_key,
    kind: row.kind,
    version: row.version,
    at: new Date(row.at),
    status: row.status,
    membersDone: row.members_done,
    membersChanged: row.members_changed,
    startedAt: new Date(row.started_at),
    finishedAt: row.finished_at === null ? null : new Date(row.finished_at),
    error: row.error,
  };
}

/**
 * Creates the run for `spec.key` unless one exists; returns the run either way (`created` says
 * which). A run that exists and is `done` must not be continued. A new run judging members at
 * an instant earlier than the merchant's latest run is refused (v1.1 §3.3: evaluations move
 * forward): members' evidence and validity would be judged against a past they already left.
 */
export async function openRun(q: Queryable, spec: RunSpec, startedAt: Date): Promise<{ run: RunRecord; created: boolean }> {
  const existing = await readRunByKey(q, spec.merchant, spec.key);
  if (existing) return { run: existing, created: false };
  await refuseClockBackwards(q, spec.merchant, spec.at);
  // Taken before the first batch: the mark this evaluation leaves says which imports it saw.
  const seen = spec.kind === 'evaluate' ? await seenNow(q, spec.merchant) : null;
  const inserted = await q.query<RunRow>(
    `INSERT INTO engine_runs (merchant_id, run_key, kind, version, at, existing_members, status, started_at, import_seq_seen, history_id_seen)
     VALUES ($1, $2, $3, $4, $5, $6, 'running', $7, $8::bigint, $9::bigint)
     ON CONFLICT (merchant_id, run_key) DO NOTHING
     RETURNING *`,
    [spec.merchant, spec.key, spec.kind, spec.version, spec.at, spec.existingMembers ?? null, startedAt, seen?.seq ?? null, seen?.history ?? null],
  );
  if (inserted.rows[0]) return { run: toRecord(inserted.rows[0]), created: true };
  const found = await readRunByKey(q, spec.merchant, spec.key);
  if (!found) throw new Error(`engine run ${spec.key} of ${spec.merchant} vanished`);
  return { run: found, created: false };
}

/**
 * Refuses an instant before the merchant's latest evaluation or recalculation. Also used by
 * `members set-tier` (`action` names what is refused): a manual move stamped before an
 * evaluation that already happened would rewrite a past the engine has judged.
 */
export async function refuseClockBackwards(q: Queryable, merchant: string, at: Date, action = 'evaluate'): Promise<void> {
  const { rows } = await q.query<{ latest: Date | null }>('SELECT max(at) AS latest FROM engine_runs WHERE merchant_id = $1', [merchant]);
  const latest = rows[0]?.latest ? new Date(rows[0].latest) : null;
  if (latest === null || at >= latest) return;
  throw new TierformError(
    'engine.clock-backwards',
    `refusing to ${action} ${merchant} at ${at.toISOString()}: its latest evaluation was at ${latest.toISOString()}, and evaluations only move forward; ` +
      `run it with --now at or after ${latest.toISOString()} (or without --now to use the clock); nothing was changed`,
  );
}

export async function readRun(q: Queryable, merchant: string, runId: number): Promise<RunRecord | null> {
  const { rows } = await q.query<RunRow>('SELECT * FROM engine_runs WHERE merchant_id = $1 AND run_id = $2', [merchant, runId]);
  return rows[0] ? toRecord(rows[0]) : null;
}

async function readRunByKey(q: Queryable, merchant: string, key: string): Promise<RunRecord | null> {
  const { rows } = await q.query<RunRow>('SELECT * FROM engine_runs WHERE merchant_id = $1 AND run_key = $2', [merchant, key]);
  return rows[0] ? toRecord(rows[0]) : null;
}

/** Runs the remaining batches of a run until it is done (or until shouldStop between batches). */
export async function continueRun(db: Db, merchant: string, runId: number, opts: ContinueOptions): Promise<RunRecord> {
  const batchSize = opts.batchSize ?? DEFAULT_BATCH;
  const total = opts.onProgress ? await countMembers(db, merchant) : 0;
  let judge: Judge | null = null;
  for (;;) {
    const step = await db.transaction(async (tx) => {
      const { rows } = await tx.query<RunRow>('SELECT * FROM engine_runs WHERE merchant_id = $1 AND run_id = $2 FOR UPDATE', [
        merchant,
        runId,
      ]);
      const row = rows[0];
      if (!row) throw new Error(`engine run ${runId} of ${merchant} does not exist`);
      if (row.status !== 'running') return { row, finished: true };
      await useEngineSettings(tx);
      judge ??= await judgeFor(tx, row);
      const { hi, members, ids } = await judge.next(tx, row.cursor_member, batchSize);
      const scope = ids === undefined ? { lo: row.cursor_member, hi } : { lo: row.cursor_member, hi, ids };
      const changed = await notifying(tx, merchant, () => judge!.batch(tx, scope, Number(row.run_id)));
      if (hi === null) await judge.finish(tx);
      const last = hi ?? (await lastMember(tx, merchant)) ?? row.cursor_member;
      const updated = await tx.query<RunRow>(
        `UPDATE engine_runs SET cursor_member = $3, members_done = members_done + $4, members_changed = members_changed + $5,
           status = CASE WHEN $6::boolean THEN 'done' ELSE 'running' END,
           finished_at = CASE WHEN $6::boolean THEN $7::timestamptz END, error = NULL
         WHERE merchant_id = $1 AND run_id = $2 RETURNING *`,
        [merchant, runId, last, members, changed, hi === null, opts.clock()],
      );
      return { row: updated.rows[0]!, finished: hi === null };
    });
    opts.onProgress?.({ done: step.row.members_done, total: Math.max(total, step.row.members_done), changed: step.row.members_changed });
    if (step.finished || opts.shouldStop?.()) return toRecord(step.row);
  }
}

interface Batch {
  /** The batch's last member id, or null when it takes every member left. */
  hi: string | null;
  /** How many members it holds. */
  members: number;
  /** Its candidates, when the evaluation is incremental: the only members it judges. */
  ids?: string[];
}

interface Judge {
  /** The batch after `cursor`, in the batch's transaction (under the run row's lock). */
  next: (q: Queryable, cursor: string | null, batchSize: number) => Promise<Batch>;
  /** Judges the members of one batch; returns how many changed tier. */
  batch: (q: Queryable, scope: { lo: string | null; hi: string | null; ids?: readonly string[] }, runId: number) => Promise<number>;
  /** After the last batch, in its transaction. */
  finish: (q: Queryable) => Promise<void>;
}

/** Created in the first transaction of a continueRun call. */
async function judgeFor(q: Queryable, row: RunRow): Promise<Judge> {
  const at = new Date(row.at);
  const merchant = row.merchant_id;
  if (row.kind === 'recalculate') {
    const v: JudgingVersion = await loadVersion(q, merchant, row.version);
    const mode = row.existing_members ?? v.rules.existingMembers;
    // Members move by other rules than an evaluation's: the next evaluation looks at everyone.
    await forgetMark(q, merchant);
    return {
      next: (tx, cursor, size) => nextBatch(tx, merchant, cursor, size),
      batch: (tx, scope, runId) => recalculateScope(tx, { merchant, rules: v.rules, version: v.version, runId, at, scope }, mode),
      finish: async () => {},
    };
  }
  const versions = await loadCurrentVersions(q, merchant);
  const mark = await usableMark(q, merchant, versions, at);
  // A run resumed by another call may have judged its first batches by other versions: only a
  // call that judged every batch leaves a mark (the old one stays: it is older, so it still
  // makes a superset of candidates).
  const fromStart = row.cursor_member === null;
  const rules = [versions.active, versions.pending].flatMap((v) => (v?.rules.active ? [v.rules] : []));
  return {
    // Incremental: a batch holds up to batchSize candidates (found in its own transaction, after
    // the cursor) and every member up to the last of them; the members between candidates are
    // left as they are, so they cost nothing but their count.
    next: (tx, cursor, size) => (mark === null ? nextBatch(tx, merchant, cursor, size) : nextCandidates(tx, { merchant, rules, mark, at, lo: cursor, hi: null }, size)),
    batch: (tx, scope, runId) => evaluateWithVersions(tx, merchant, versions, at, scope, runId, mark),
    finish: async (tx) => {
      await evaluateMerchantWide(tx, merchant, versions.active, at);
      if (fromStart && row.import_seq_seen !== null && row.history_id_seen !== null) {
        await markEvaluated(tx, merchant, versions, at, { seq: String(row.import_seq_seen), history: String(row.history_id_seen) });
      }
    },
  };
}

/**
 * The next batch after `cursor`: its last member id, or null when it takes every member left,
 * and how many members it holds. One walk of the members' key (up to batchSize ids), then one
 * probe for a member after them.
 */
async function nextBatch(q: Queryable, merchant: string, cursor: string | null, batchSize: number): Promise<{ hi: string | null; members: number }> {
  const { rows } = await q.query<{ n: number; hi: string | null }>(
    `SELECT count(*)::int AS n, max(member_id) AS hi FROM (
       SELECT member_id FROM members WHERE merchant_id = $1 AND ($2::text IS NULL OR member_id > $2)
       ORDER BY member_id LIMIT $3) f`,
    [merchant, cursor, batchSize],
  );
  const n = rows[0]?.n ?? 0;
  const hi = rows[0]?.hi ?? null;
  if (n < batchSize || hi === null) return { hi: null, members: n };
  // Exactly batchSize remain: this batch ends at the last member and the run is done.
  const more = await q.query('SELECT 1 FROM members WHERE merchant_id = $1 AND member_id > $2 LIMIT 1', [merchant, hi]);
  return { hi: more.rows.length > 0 ? hi : null, members: n };
}

/**
 * The next batch of an incremental evaluation after `c.lo`: its first `batchSize` candidates
 * (in member_id order), and every member up to the last of them, or every member left when no
 * more remain. A member after the cursor who is no candidate now is none when a later batch runs
 * either, or an import since made it one: the batch that reaches it then finds it.
 */
async function nextCandidates(q: Queryable, c: CandidateQuery, batchSize: number): Promise<Batch> {
  const found = await findCandidates(q, c);
  const hi = found.length > batchSize ? found[batchSize - 1]! : null;
  const ids = hi === null ? found : found.slice(0, batchSize);
  return { hi, members: await countScope(q, c.merchant, { lo: c.lo, hi }), ids };
}

async function countScope(q: Queryable, merchant: string, scope: { lo: string | null; hi: string | null }): Promise<number> {
  const { rows } = await q.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM members WHERE merchant_id = $1 AND ($2::text IS NULL OR member_id > $2)
       AND ($3::text IS NULL OR member_id <= $3)`,
    [merchant, scope.lo, scope.hi],
  );
  return rows[0]?.n ?? 0;
}

async function lastMember(q: Queryable, merchant: string): Promise<string | null> {
  const { rows } = await q.query<{ m: string | null }>('SELECT max(member_id) AS m FROM members WHERE merchant_id = $1', [merchant]);
  return rows[0]?.m ?? null;
}

async function countMembers(q: Queryable, merchant: string): Promise<number> {
  return countScope(q, merchant, { lo: null, hi: null });
}
