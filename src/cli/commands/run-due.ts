/** `tierform run-due`: every due scheduled recalculation and daily evaluation, exactly once (SPEC §3.5). */
import { escapeText, formatCount } from '../../model/display.js';
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { CommandContext } from '../context.js';
import { stringOption } from '../context.js';
import { UsageError } from '../errors.js';
import { lockTimeoutMsFromContext, openDbFromContext, printTarget } from '../../store/open.js';
import { runDue, type DueRunHeader, type DueRunResult, type MerchantFailure, type RunDueOptions } from '../../schedule/runDue.js';
import type { RunProgress } from '../../engine/index.js';
import { progressFor, type Progress } from '../progress.js';

export const USAGE = 'tierform run-due [--now <instant>] [--batch-size <n>] [--format text|json]';

export async function run(ctx: CommandContext): Promise<number> {
  const format = stringOption(ctx, 'format') ?? 'text';
  if (format !== 'text' && format !== 'json') throw new UsageError('--format must be text or json', USAGE);
  if (ctx.positionals.length > 0) throw new UsageError('run-due takes no arguments', USAGE);
  const batchSize = batchSizeOption(ctx, USAGE);
  const lockTimeoutMs = lockTimeoutMsFromContext(ctx, USAGE);

  const db = await openDbFromContext(ctx, 'run-due');
  try {
    printTarget(ctx, db);
    const progress = progressReporter(progressFor(ctx));
    const result = await runDue(db, {
      now: ctx.now,
      clock: clockFrom(ctx.now),
      lockTimeoutMs,
      claimant: claimantName(),
      ...(batchSize !== undefined ? { batchSize } : {}),
      ...(progress ? { onProgress: progress.update } : {}),
      ...(progress ? { onRun: progress.end } : {}),
    });
    // A merchant that failed before any run started is an entry of its own (status failed, kind null).
    const entries = [...result.runs, ...result.failures.map((f) => ({ merchant: f.merchant, kind: null, status: f.status, error: f.error }))];
    if (format === 'json') ctx.io.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
    else if (entries.length === 0) ctx.io.stdout.write(`Nothing is due at ${ctx.now.toISOString()}.\n`);
    else ctx.io.stdout.write([...result.runs.map(describeRun), ...result.failures.map(describeFailure)].map((line) => `${line}\n`).join(''));
    for (const f of result.failures) ctx.io.stderr.write(`error ${f.error.code}: ${escapeText(f.merchant)}: ${escapeText(f.error.message)}\n`);
    return result.ok ? 0 : 1;
  } finally {
    await db.close();
  }
}

/**
 * The clock the run's finished_at is read from: the real clock, or, with --now, that instant
 * advancing with the time that passes (so finished_at stays after started_at).
 */
export function clockFrom(now: Date): () => Date {
  const start = performance.now();
  return () => new Date(now.getTime() + Math.round(performance.now() - start));
}

export function claimantName(): string {
  return `${hostname()}:${process.pid}`;
}

export function batchSizeOption(ctx: CommandContext, usage: string): number | undefined {
  const text = stringOption(ctx, 'batch-size');
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < 1) throw new UsageError(`--batch-size must be a whole number of members, 1 or more (got '${text}')`, usage);
  return n;
}

/** One line per run: `acme  recalculate v2 at …  done  120 members, 37 changed  (version 2 active)`. */
export function describeRun(r: DueRunResult): string {
  const what = r.kind === 'recalculate' ? `recalculate v${r.version} at ${r.at}` : `evaluate ${r.key.slice('evaluate:'.length)} (v${r.version})`;
  const counts = r.membersDone === null ? '' : `  ${formatCount(r.membersDone)} member${r.membersDone === 1 ? '' : 's'}, ${formatCount(r.membersChanged ?? 0)} changed`;
  const resumed = r.resumed ? '  (resumed)' : '';
  const activated = r.activated ? `  (version ${r.version} active)` : '';
  const error = r.error ? `  error ${r.error.code}: ${r.error.message}` : '';
  return escapeText(`${r.merchant}  ${what}  ${r.status}${counts}${resumed}${activated}${error}`);
}

/** `victim  failed  error cron.expression: …`: a merchant whose due work could not run. */
export function describeFailure(f: MerchantFailure): string {
  return escapeText(`${f.merchant}  failed  error ${f.error.code}: ${f.error.message}`);
}

/** Progress per run on stderr: a bar on a terminal, a line every 10 s on a pipe. */
function progressReporter(bar: Progress): { update: NonNullable<RunDueOptions['onProgress']>; end: (r: DueRunResult) => void } | null {
  let current: string | null = null;
  return {
    update: (work: DueRunHeader, p: RunProgress) => {
      if (current !== work.key) {
        bar.start(p.total, work.kind === 'recalculate' ? `recalculating ${work.merchant} (v${work.version})` : `evaluating ${work.merchant}`, 'members');
        current = work.key;
      }
      bar.update(p.done);
    },
    end: () => {
      if (current !== null) bar.done();
      current = null;
    },
  };
}
