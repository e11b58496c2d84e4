/** Pending ("take effect later") versions: listing them and cancelling one. */
import type { Db, Queryable } from '../store/db.js';
import type { MembershipProgram } from '../generated/types.js';
import type { ChangeClass } from '../plan/types.js';
import { TierformError } from '../cli/errors.js';
import { diffDocuments } from '../plan/diff.js';
import { canonicalDocument } from '../plan/canonical.js';
import { run, toIso, toIsoOrNull } from '../store/statement.js';
import { lockMerchant, setLocalApplicationName, setLocalLockTimeout } from '../store/merchantLock.js';
import { cancelPending, selectPendingVersions, selectTakingEffect } from './store.js';

export interface PendingChange {
  merchant: string;
  version: number;
  at: string | null;
  appliedAt: string;
  appliedBy: string;
  sourceRef: string | null;
  /** Changes against the active version, counted by class. */
  changes: Partial<Record<ChangeClass, number>>;
  /** run-due has started taking it into effect (it can no longer be replaced or cancelled). */
  takingEffect: boolean;
}

interface Row {
  merchant_id: string;
  version: number;
  status: 'active' | 'pending';
  document: MembershipProgram;
  effective_at: Date | string | null;
  applied_at: Date | string;
  actor: string;
  source_ref: string | null;
}

export async function listPendingChanges(q: Queryable): Promise<PendingChange[]> {
  const { rows } = await run<Row>(q, selectPendingVersions());
  const active = new Map<string, Row>();
  for (const r of rows) if (r.status === 'active') active.set(r.merchant_id, r);
  const started = await q.query<{ merchant_id: string; run_key: string }>(
    "SELECT merchant_id, run_key FROM scheduled_runs WHERE kind = 'recalculate' AND status <> 'done'",
  );
  const taking = new Set(started.rows.map((r) => `${r.merchant_id}\0${r.run_key}`));
  const out: PendingChange[] = [];
  for (const r of rows) {
    if (r.status !== 'pending') continue;
    const base = active.get(r.merchant_id);
    const changes: Partial<Record<ChangeClass, number>> = {};
    for (const c of diffDocuments(base ? canonicalDocument(base.document) : undefined, canonicalDocument(r.document))) {
      changes[c.class] = (changes[c.class] ?? 0) + 1;
    }
    out.push({
      merchant: r.merchant_id,
      version: Number(r.version),
      at: toIsoOrNull(r.effective_at),
      appliedAt: toIso(r.applied_at),
      appliedBy: r.actor,
      sourceRef: r.source_ref,
      changes,
      takingEffect: taking.has(`${r.merchant_id}\0recalculate:v${Number(r.version)}`),
    });
  }
  return out.sort((a, b) => (a.at ?? '').localeCompare(b.at ?? '') || a.merchant.localeCompare(b.merchant));
}

/**
 * Refuses to replace or drop a pending version once run-due has started taking it into effect:
 * some members may already be recalculated under it. The next run-due finishes it.
 */
export async function assertNotTakingEffect(q: Queryable, merchant: string, version: number): Promise<void> {
  const { rows } = await run<{ started_at: Date | string }>(q, selectTakingEffect(merchant, version));
  const started = rows[0];
  if (started) {
    throw new TierformError(
      'schedule.taking-effect',
      `version ${version} of ${merchant} is taking effect (run-due started its recalculation at ${toIso(started.started_at)}); it can no longer be replaced or cancelled. Run tierform run-due to finish it, then apply again`,
    );
  }
}

export interface CancelResult {
  merchant: string;
  version: number;
  at: string | null;
  cancelledBy: string;
  cancelledAt: string;
}

/** pending → cancelled, under the merchant's lock; records who cancelled it and when. */
export async function cancelPendingChange(db: Db, merchant: string, opts: { lockTimeoutMs: number; actor: string; now: Date }): Promise<CancelResult> {
  return db.transaction(async (tx) => {
    await run(tx, setLocalLockTimeout(opts.lockTimeoutMs));
    await run(tx, setLocalApplicationName(`tierform schedule cancel by ${opts.actor}`));
    await run(tx, lockMerchant(merchant));
    const { rows } = await tx.query<{ version: number; effective_at: Date | string | null }>(
      "SELECT version, effective_at FROM program_versions WHERE merchant_id = $1 AND status = 'pending'",
      [merchant],
    );
    const pending = rows[0];
    if (!pending) throw new TierformError('schedule.nothing-pending', `${merchant} has no pending change to cancel`);
    const version = Number(pending.version);
    await assertNotTakingEffect(tx, merchant, version);
    await run(tx, cancelPending(merchant, version, opts.actor, opts.now));
    return { merchant, version, at: toIsoOrNull(pending.effective_at), cancelledBy: opts.actor, cancelledAt: opts.now.toISOString() };
  });
}
