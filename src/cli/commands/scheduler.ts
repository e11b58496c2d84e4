/**
 * `tierform scheduler`: a long-running process that runs run-due at once and then on a cron
 * schedule (default every minute). One JSON line per run on stderr. SIGTERM or SIGINT: the
 * current batch finishes, the claims are released, the process exits 0.
 */
import { performance } from 'node:perf_hooks';
import type { CommandContext } from '../context.js';
import { stringOption } from '../context.js';
import { TierformError, UsageError } from '../errors.js';
import { checkCron } from '../../model/cron.js';
import { dbTargetFromContext, lockTimeoutMsFromContext, openDbFromContext } from '../../store/open.js';
import type { Db } from '../../store/db.js';
import { runDue, type DueRunResult, type MerchantFailure } from '../../schedule/runDue.js';
import { batchSizeOption, claimantName } from './run-due.js';

export const USAGE = "tierform scheduler [--cron '<expr>'] [--batch-size <n>]";
const DEFAULT_CRON = '* * * * *';

export async function run(ctx: CommandContext): Promise<number> {
  if (ctx.positionals.length > 0) throw new UsageError('scheduler takes no arguments', USAGE);
  const cron = stringOption(ctx, 'cron') ?? DEFAULT_CRON;
  const check = checkCron(cron);
  if (!check.ok) throw new UsageError(`--cron: ${check.message}`, USAGE);
  const batchSize = batchSizeOption(ctx, USAGE);
  const lockTimeoutMs = lockTimeoutMsFromContext(ctx, USAGE);
  const log = (entry: Record<string, unknown>): void => {
    ctx.io.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`);
  };

  // --now moves the clock: each tick runs at --now plus the time passed since the start.
  const startedWall = Date.now();
  const tickInstant = (): Date => (stringOption(ctx, 'now') === undefined ? new Date() : new Date(ctx.now.getTime() + (Date.now() - startedWall)));

  // A server is opened once. The embedded database serves one process at a time, so it is
  // opened for each tick and closed after it: other commands (an apply) can use it in between.
  const target = dbTargetFromContext(ctx);
  const shared = target.kind === 'pg' ? await openDbFromContext(ctx, 'scheduler') : null;
  const withDb = async <T>(fn: (db: Db) => Promise<T>): Promise<T> => {
    if (shared) return fn(shared);
    const db = await openDbFromContext(ctx, 'scheduler');
    try {
      return await fn(db);
    } finally {
      await db.close();
    }
  };
  let stopping = false;
  let current: Promise<void> = Promise.resolve();
  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => (stop = resolve));

  const tick = async (): Promise<void> => {
    if (stopping) return;
    const now = tickInstant();
    const began = performance.now();
    let mark = began;
    const since = (): number => {
      const t = performance.now();
      const ms = Math.round(t - mark);
      mark = t;
      return ms;
    };
    try {
      const result = await withDb((db) => runDue(db, {
        now,
        clock: () => new Date(now.getTime() + Math.round(performance.now() - began)),
        lockTimeoutMs,
        claimant: claimantName(),
        shouldStop: () => stopping,
        ...(batchSize !== undefined ? { batchSize } : {}),
        onRun: (r: DueRunResult) => log({ level: r.status === 'failed' ? 'error' : 'info', event: 'run', ...runFields(r), durationMs: since() }),
        // One line per merchant that could not run; the tick goes on with the others.
        onFailure: (f: MerchantFailure) => log({ level: 'error', event: 'merchant', merchant: f.merchant, status: f.status, error: f.error }),
      }));
      const failed = result.runs.filter((r) => r.status === 'failed').length + result.failures.length;
      log({ level: result.ok ? 'info' : 'error', event: 'tick', now: now.toISOString(), runs: result.runs.length, failed, durationMs: Math.round(performance.now() - began) });
    } catch (err) {
      // The daemon keeps going (the database may be busy or down for a while); each tick retries.
      const error = err instanceof TierformError ? { code: err.code, message: err.message } : { code: 'run.failed', message: err instanceof Error ? err.message : String(err) };
      log({ level: 'error', event: 'tick', now: now.toISOString(), error });
    }
  };
  const runTick = (): Promise<void> => {
    current = current.then(tick);
    return current;
  };

  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    log({ level: 'info', event: 'stopping', signal });
    stop();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  const { schedule } = await import('node-cron');
  log({ level: 'info', event: 'started', cron, database: target.kind });
  // Due work waiting at start-up runs at once, not at the first tick.
  await runTick();
  const task = schedule(cron, () => runTick(), { noOverlap: true, name: 'tierform run-due' });
  try {
    await stopped;
    await task.stop();
    await task.destroy();
    await current;
    log({ level: 'info', event: 'stopped' });
    return 0;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    await shared?.close();
  }
}

function runFields(r: DueRunResult): Record<string, unknown> {
  return {
    merchant: r.merchant,
    kind: r.kind,
    key: r.key,
    version: r.version,
    at: r.at,
    status: r.status,
    resumed: r.resumed,
    runId: r.runId,
    membersDone: r.membersDone,
    membersChanged: r.membersChanged,
    activated: r.activated,
    ...(r.error ? { error: r.error } : {}),
  };
}
