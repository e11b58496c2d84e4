/** Statements over `scheduled_runs`, `due_claims` and the versions run-due reads and activates. */
import type { Statement } from '../store/statement.js';

export type ScheduledRunStatus = 'running' | 'done' | 'failed';

export interface ScheduledRunRow {
  merchant_id: string;
  run_key: string;
  kind: 'evaluate' | 'recalculate';
  version: number;
  at: Date | string;
  run_id: string | number | null;
  status: ScheduledRunStatus;
  attempts: number;
  started_at: Date | string;
  finished_at: Date | string | null;
  members_done: number | null;
  members_changed: number | null;
  activated_at: Date | string | null;
  error: string | null;
}

const RUN_COLUMNS =
  'merchant_id, run_key, kind, version, at, run_id, status, attempts, started_at, finished_at, members_done, members_changed, activated_at, error';

/** Pending versions whose instant has come, of every merchant. */
export function selectDuePending(now: Date): Statement {
  return {
    text: `SELECT merchant_id, version, effective_at, document->'spec'->'effective'->>'existingMembers' AS existing_members
             FROM program_versions WHERE status = 'pending' AND effective_at <= $1`,
    values: [now],
  };
}

/** Active versions with what their daily evaluation needs: zone and cron. */
export function selectActiveSchedules(merchants?: readonly string[]): Statement {
  const base = `SELECT merchant_id, version, document->'metadata'->>'timezone' AS timezone,
                       document->'spec'->'evaluation'->>'cron' AS cron
                  FROM program_versions WHERE status = 'active'`;
  return merchants ? { text: `${base} AND merchant_id = ANY($1::text[])`, values: [merchants] } : { text: base, values: [] };
}

/** When each merchant's program was first applied: its first daily evaluation is the next fire time. */
export function selectFirstApplied(merchants?: readonly string[]): Statement {
  const where = merchants ? 'WHERE merchant_id = ANY($1::text[])' : '';
  return {
    text: `SELECT merchant_id, min(applied_at) AS first_applied_at FROM program_versions ${where} GROUP BY merchant_id`,
    values: merchants ? [merchants] : [],
  };
}

/** Each merchant's last successful scheduled run (status: is run-due still running?). */
export function selectLastSuccessfulRuns(merchants?: readonly string[]): Statement {
  const only = merchants ? 'AND merchant_id = ANY($1::text[])' : '';
  return {
    text: `SELECT DISTINCT ON (merchant_id) merchant_id, kind, version, at, finished_at
             FROM scheduled_runs WHERE status = 'done' ${only}
            ORDER BY merchant_id, finished_at DESC`,
    values: merchants ? [merchants] : [],
  };
}

/** The latest fire time evaluated per merchant (the daily-evaluation bookmark). */
export function selectLastEvaluations(merchants?: readonly string[]): Statement {
  const only = merchants ? 'AND merchant_id = ANY($1::text[])' : '';
  return {
    text: `SELECT merchant_id, max(at) AS last_fire_at FROM scheduled_runs WHERE kind = 'evaluate' ${only} GROUP BY merchant_id`,
    values: merchants ? [merchants] : [],
  };
}

/** Runs started and not finished (crashed, stopped or failed), to resume. */
export function selectUnfinishedRuns(merchants?: readonly string[]): Statement {
  const only = merchants ? 'AND merchant_id = ANY($1::text[])' : '';
  return { text: `SELECT ${RUN_COLUMNS} FROM scheduled_runs WHERE status <> 'done' ${only} ORDER BY merchant_id, at`, values: merchants ? [merchants] : [] };
}

export interface StartedRun {
  merchant: string;
  key: string;
  kind: 'evaluate' | 'recalculate';
  version: number;
  at: Date;
  runId: number;
  startedAt: Date;
}

/** Records a run as started, or counts one more attempt of it. */
export function upsertStartedRun(r: StartedRun): Statement {
  return {
    text: `INSERT INTO scheduled_runs (merchant_id, run_key, kind, version, at, run_id, status, started_at)
           VALUES ($1, $2, $3, $4, $5, $6, 'running', $7)
           ON CONFLICT (merchant_id, run_key) DO UPDATE SET status = 'running', run_id = EXCLUDED.run_id,
             attempts = scheduled_runs.attempts + 1, error = NULL`,
    values: [r.merchant, r.key, r.kind, r.version, r.at, r.runId, r.startedAt],
  };
}

export function finishRun(
  merchant: string,
  key: string,
  outcome: { status: 'done' | 'failed'; finishedAt: Date; membersDone: number | null; membersChanged: number | null; activatedAt: Date | null; error: string | null },
): Statement {
  return {
    text: `UPDATE scheduled_runs SET status = $3, finished_at = $4, members_done = $5, members_changed = $6,
             activated_at = coalesce($7, activated_at), error = $8
           WHERE merchant_id = $1 AND run_key = $2`,
    values: [merchant, key, outcome.status, outcome.finishedAt, outcome.membersDone, outcome.membersChanged, outcome.activatedAt, outcome.error],
  };
}

export function selectVersionStatus(merchant: string, version: number): Statement {
  return {
    text: `SELECT status, effective_at, document->'spec'->'effective'->>'existingMembers' AS existing_members
             FROM program_versions WHERE merchant_id = $1 AND version = $2 FOR UPDATE`,
    values: [merchant, version],
  };
}

/** The version that was active becomes retired; then the pending one becomes active (effective_at kept). */
export function retireActive(merchant: string): Statement {
  return { text: "UPDATE program_versions SET status = 'retired' WHERE merchant_id = $1 AND status = 'active'", values: [merchant] };
}

export function activatePending(merchant: string, version: number): Statement {
  return {
    text: "UPDATE program_versions SET status = 'active' WHERE merchant_id = $1 AND version = $2 AND status = 'pending'",
    values: [merchant, version],
  };
}

export function cancelPending(merchant: string, version: number, actor: string, at: Date): Statement {
  return {
    text: "UPDATE program_versions SET status = 'cancelled', cancelled_by = $3, cancelled_at = $4 WHERE merchant_id = $1 AND version = $2 AND status = 'pending'",
    values: [merchant, version, actor, at],
  };
}

/** The merchants among `merchants` that have a claim row already. */
export function selectClaimRows(merchants: readonly string[]): Statement {
  return { text: 'SELECT merchant_id FROM due_claims WHERE merchant_id = ANY($1::text[])', values: [merchants] };
}

export function insertClaimRows(merchants: readonly string[]): Statement {
  return {
    text: 'INSERT INTO due_claims (merchant_id) SELECT unnest($1::text[]) ON CONFLICT (merchant_id) DO NOTHING',
    values: [merchants],
  };
}

/** Takes the merchant's claim row, or nothing when another run-due holds it. */
export function claimMerchant(merchant: string): Statement {
  return { text: 'SELECT merchant_id FROM due_claims WHERE merchant_id = $1 FOR UPDATE SKIP LOCKED', values: [merchant] };
}

export function markClaim(merchant: string, claimedBy: string, at: Date): Statement {
  return { text: 'UPDATE due_claims SET claimed_by = $2, claimed_at = $3 WHERE merchant_id = $1', values: [merchant, claimedBy, at] };
}

/** Pending versions of every merchant, for `schedule list`, with the active document to compare. */
export function selectPendingVersions(): Statement {
  return {
    text: `SELECT merchant_id, version, status, document, effective_at, applied_at, actor, source_ref
             FROM program_versions WHERE status IN ('pending', 'active') ORDER BY merchant_id, version`,
    values: [],
  };
}

/** The recalculation of a pending version, once run-due has started it. */
export function selectTakingEffect(merchant: string, version: number): Statement {
  return {
    text: 'SELECT started_at FROM scheduled_runs WHERE merchant_id = $1 AND run_key = $2',
    values: [merchant, recalculationKey(version)],
  };
}

export function recalculationKey(version: number): string {
  return `recalculate:v${version}`;
}
