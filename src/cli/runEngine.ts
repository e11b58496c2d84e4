/**
 * What `evaluate` and `recalc` share: finding the merchant's active version, running an engine
 * run to its end with a progress bar on a terminal, and reporting it.
 */
import type { CommandContext } from './context.js';
import { TierformError } from './errors.js';
import { progressFor } from './progress.js';
import type { Db } from '../store/db.js';
import { continueRun, openRun, type RunRecord, type RunSpec } from '../engine/index.js';

export async function activeVersion(db: Db, merchant: string): Promise<{ version: number; document: unknown }> {
  const { rows } = await db.query<{ version: number; document: unknown }>(
    `SELECT version, document FROM program_versions WHERE merchant_id = $1 AND status = 'active'`,
    [merchant],
  );
  if (!rows[0]) throw new TierformError('state.unknown-merchant', `merchant ${merchant} has no active program version`);
  return rows[0];
}

/** Opens the run for `spec` and continues it to the end; the clock is the command's `now`. */
export async function runToEnd(ctx: CommandContext, db: Db, spec: RunSpec, label: string): Promise<RunRecord> {
  const { run } = await openRun(db, spec, ctx.now);
  const bar = progressFor(ctx);
  bar.start(undefined, label, 'members');
  try {
    return await continueRun(db, spec.merchant, run.runId, {
      clock: () => ctx.now,
      onProgress: (p) => {
        bar.start(p.total, label, 'members');
        bar.update(p.done);
      },
    });
  } finally {
    bar.done();
  }
}

export function runJson(run: RunRecord): Record<string, unknown> {
  return {
    merchant: run.merchant,
    run: run.runId,
    kind: run.kind,
    version: run.version,
    at: run.at.toISOString(),
    status: run.status,
    membersDone: run.membersDone,
    membersChanged: run.membersChanged,
  };
}
