/**
 * run-due: every due scheduled recalculation and daily evaluation of every merchant, each run
 * exactly once (docs/scheduling.md says what that rests on).
 *
 * Per merchant, under its claim: the due work is read again, then each item runs in order:
 * 1. open: under the merchant's lock, the run is created (or found) in engine_runs and recorded
 *    in scheduled_runs; from then on apply and `schedule cancel` refuse to replace the version;
 * 2. continue: the engine runs the remaining batches, each committed with the run's cursor;
 * 3. finish: under the merchant's lock, a recalculated version becomes active (idempotent: a
 *    version already active is left as it is) and the run is marked done.
 * A crash anywhere leaves a run that the next run-due resumes at the step it reached.
 */
import type { Db } from '../store/db.js';
import { PgCode, pgErrorCode } from '../store/db.js';
import { TierformError } from '../cli/errors.js';
import { run, toIso } from '../store/statement.js';
import { lockMerchant, setLocalApplicationName, setLocalLockTimeout } from '../store/merchantLock.js';
import { continueRun, openRun, type RunProgress, type RunRecord } from '../engine/index.js';
import type { ExistingMembers } from '../rules/index.js';
import { dueWork, type DueWork, type MerchantDueState } from './due.js';
import { checkCron } from '../model/cron.js';
import { readDueStates } from './dueState.js';
import { prepareClaims, withMerchantClaim } from './claims.js';
import { activatePending, finishRun, retireActive, selectVersionStatus, upsertStartedRun } from './store.js';

export interface RunDueOptions {
  /** The instant run-due runs at: what is due, and the runs' started_at. */
  now: Date;
  /** Wall-clock instants for finished_at (the command layer's clock). */
  clock: () => Date;
  lockTimeoutMs: number;
  /** Names this process in due_claims (host:pid). */
  claimant: string;
  /** Members per committed batch (default: the engine's). */
  batchSize?: number;
  /** Checked between batches and between runs: true stops after the current batch. */
  shouldStop?: () => boolean;
  onProgress?: (work: DueRunHeader, progress: RunProgress) => void;
  /** Called as each run ends (the daemon logs it then). */
  onRun?: (result: DueRunResult) => void;
  /** Called for each merchant whose due work could not be found or claimed. */
  onFailure?: (failure: MerchantFailure) => void;
}

export interface DueRunHeader {
  merchant: string;
  kind: DueWork['kind'];
  key: string;
  version: number;
  at: string;
  resumed: boolean;
}

export interface DueRunResult extends DueRunHeader {
  runId: number | null;
  /** stopped: the process was asked to stop; the run resumes at the next run-due. */
  status: 'done' | 'failed' | 'stopped';
  startedAt: string | null;
  finishedAt: string | null;
  membersDone: number | null;
  membersChanged: number | null;
  /** A recalculation whose version became active in this run-due. */
  activated: boolean;
  error: { code: string; message: string } | null;
}

/**
 * A merchant whose due work could not even be found or claimed (a stored program whose cron
 * does not parse, a failing query): reported, and the other merchants' work runs.
 */
export interface MerchantFailure {
  merchant: string;
  status: 'failed';
  error: { code: string; message: string };
}

export interface RunDueResult {
  /** False when any run or any merchant failed. */
  ok: boolean;
  runs: DueRunResult[];
  failures: MerchantFailure[];
}

export async function runDue(db: Db, opts: RunDueOptions): Promise<RunDueResult> {
  const states = await readDueStates(db, opts.now);
  const failures: MerchantFailure[] = [];
  const merchants: string[] = [];
  for (const [merchant, state] of [...states].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const found = findDueWork(merchant, state, opts.now);
    if ('error' in found) failures.push({ merchant, status: 'failed', error: found.error });
    else if (found.work.length > 0) merchants.push(merchant);
  }
  await prepareClaims(db, merchants);
  const runs: DueRunResult[] = [];
  for (const merchant of merchants) {
    if (opts.shouldStop?.()) break;
    // One merchant's failure is that merchant's: it is reported and the others' work goes on.
    try {
      const done = await withMerchantClaim(db, merchant, { by: opts.claimant, at: opts.now }, () => runMerchant(db, merchant, opts));
      if (done) runs.push(...done.runs);
      if (done?.failure) failures.push(done.failure);
    } catch (err) {
      failures.push({ merchant, status: 'failed', error: describeError(err) });
    }
  }
  for (const f of failures) opts.onFailure?.(f);
  return { ok: failures.length === 0 && runs.every((r) => r.status !== 'failed'), runs, failures };
}

/**
 * The merchant's due work, or why it cannot be known. The stored program was validated when it
 * was applied, but a row written some other way (an older tierform, a hand edit) must not stop
 * the other merchants: its cron is checked here, and anything else that throws is caught.
 */
function findDueWork(merchant: string, state: MerchantDueState, now: Date): { work: DueWork[] } | { error: { code: string; message: string } } {
  const cron = state.active?.cron;
  if (cron !== undefined && cron !== null) {
    const check = checkCron(cron);
    if (!check.ok) {
      return {
        error: {
          code: 'cron.expression',
          message: `the active program of ${merchant} (version ${state.active!.version}) has evaluation cron '${cron}': ${check.message}; its scheduled work cannot run until a corrected program is applied`,
        },
      };
    }
  }
  try {
    return { work: dueWork(state, now) };
  } catch (err) {
    const error = describeError(err);
    return { error: { code: error.code, message: `the scheduled work of ${merchant} cannot be computed: ${error.message}` } };
  }
}

/** The merchant's due work, read again under its claim (another process may have just done it). */
async function runMerchant(db: Db, merchant: string, opts: RunDueOptions): Promise<{ runs: DueRunResult[]; failure: MerchantFailure | null }> {
  const state = (await readDueStates(db, opts.now, [merchant])).get(merchant);
  const found = state ? findDueWork(merchant, state, opts.now) : { work: [] };
  if ('error' in found) return { runs: [], failure: { merchant, status: 'failed', error: found.error } };
  const results: DueRunResult[] = [];
  for (const work of found.work) {
    if (opts.shouldStop?.()) break;
    const result = await runWork(db, merchant, work, opts);
    results.push(result);
    opts.onRun?.(result);
    // Later work judges members as this run leaves them: it waits until this one is done.
    if (result.status !== 'done') break;
  }
  return { runs: results, failure: null };
}

async function runWork(db: Db, merchant: string, work: DueWork, opts: RunDueOptions): Promise<DueRunResult> {
  const header: DueRunHeader = { merchant, kind: work.kind, key: work.key, version: work.version, at: work.at.toISOString(), resumed: work.resume };
  let record: RunRecord | null = null;
  try {
    record = await openWork(db, merchant, work, opts);
    if (record.status !== 'done') {
      const runId = record.runId;
      record = await continueRun(db, merchant, runId, {
        ...(opts.batchSize !== undefined ? { batchSize: opts.batchSize } : {}),
        ...(opts.onProgress ? { onProgress: (p: RunProgress) => opts.onProgress!(header, p) } : {}),
        ...(opts.shouldStop ? { shouldStop: opts.shouldStop } : {}),
        clock: opts.clock,
      });
    }
    if (record.status === 'running') return result(header, record, 'stopped', false, null);
    if (record.status === 'failed') {
      const error = { code: 'run.failed', message: record.error ?? 'the run failed' };
      await run(db, finishRun(merchant, work.key, outcome('failed', record, opts.clock(), null, error.message)));
      return result(header, record, 'failed', false, error);
    }
    const activated = await finishWork(db, merchant, work, record, opts);
    return result(header, record, 'done', activated, null);
  } catch (err) {
    const error = describeError(err);
    await run(db, finishRun(merchant, work.key, outcome('failed', record, opts.clock(), null, `${error.code}: ${error.message}`))).catch(() => undefined);
    return result(header, record, 'failed', false, error);
  }
}

/** Step 1: under the merchant's lock, the run is created or found and recorded. */
async function openWork(db: Db, merchant: string, work: DueWork, opts: RunDueOptions): Promise<RunRecord> {
  return db.transaction(async (tx) => {
    await run(tx, setLocalLockTimeout(opts.lockTimeoutMs));
    await run(tx, setLocalApplicationName('tierform run-due'));
    await run(tx, lockMerchant(merchant));
    let version = work.version;
    let existingMembers: ExistingMembers | undefined;
    if (work.kind === 'recalculate') {
      const v = (await run<{ status: string; existing_members: string | null }>(tx, selectVersionStatus(merchant, work.version))).rows[0];
      if (!v || (v.status !== 'pending' && v.status !== 'active')) {
        throw new TierformError('schedule.not-pending', `version ${work.version} of ${merchant} is ${v?.status ?? 'missing'}; it no longer takes effect`);
      }
      existingMembers = (v.existing_members ?? undefined) as ExistingMembers | undefined;
    } else {
      const active = await tx.query<{ version: number }>("SELECT version FROM program_versions WHERE merchant_id = $1 AND status = 'active'", [merchant]);
      version = Number(active.rows[0]?.version ?? work.version);
    }
    const { run: record } = await openRun(
      tx,
      { merchant, kind: work.kind, version, at: work.at, key: work.key, ...(existingMembers ? { existingMembers } : {}) },
      opts.now,
    );
    await run(tx, upsertStartedRun({ merchant, key: work.key, kind: work.kind, version: record.version, at: work.at, runId: record.runId, startedAt: opts.now }));
    return record;
  });
}

/** Step 3: a recalculated version becomes active (once), and the run is marked done. */
async function finishWork(db: Db, merchant: string, work: DueWork, record: RunRecord, opts: RunDueOptions): Promise<boolean> {
  return db.transaction(async (tx) => {
    await run(tx, setLocalLockTimeout(opts.lockTimeoutMs));
    await run(tx, setLocalApplicationName('tierform run-due'));
    await run(tx, lockMerchant(merchant));
    let activated = false;
    if (work.kind === 'recalculate') {
      const v = (await run<{ status: string }>(tx, selectVersionStatus(merchant, work.version))).rows[0];
      if (v?.status === 'pending') {
        await run(tx, retireActive(merchant));
        await run(tx, activatePending(merchant, work.version));
        activated = true;
      } else if (v?.status !== 'active') {
        throw new TierformError('schedule.not-pending', `version ${work.version} of ${merchant} is ${v?.status ?? 'missing'}; it cannot become active`);
      }
    }
    const now = opts.clock();
    await run(tx, finishRun(merchant, work.key, outcome('done', record, now, activated ? now : null, null)));
    return activated;
  });
}

function outcome(status: 'done' | 'failed', record: RunRecord | null, finishedAt: Date, activatedAt: Date | null, error: string | null) {
  return {
    status,
    finishedAt,
    membersDone: record?.membersDone ?? null,
    membersChanged: record?.membersChanged ?? null,
    activatedAt,
    error,
  };
}

function result(header: DueRunHeader, record: RunRecord | null, status: DueRunResult['status'], activated: boolean, error: DueRunResult['error']): DueRunResult {
  return {
    ...header,
    runId: record?.runId ?? null,
    status,
    startedAt: record ? toIso(record.startedAt) : null,
    finishedAt: record?.finishedAt ? toIso(record.finishedAt) : null,
    membersDone: record?.membersDone ?? null,
    membersChanged: record?.membersChanged ?? null,
    activated,
    error,
  };
}

function describeError(err: unknown): { code: string; message: string } {
  if (err instanceof TierformError) return { code: err.code, message: err.message };
  if (pgErrorCode(err) === PgCode.lockNotAvailable) return { code: 'state.locked', message: "the merchant's lock is held by another command; the run is retried at the next run-due" };
  return { code: 'run.failed', message: err instanceof Error ? err.message : String(err) };
}
