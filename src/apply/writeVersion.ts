/**
 * The writes of one merchant's apply, inside its transaction and under its lock.
 *
 * Statuses: a version that was active and is replaced becomes `retired` (it was live); a pending
 * version replaced before it took effect becomes `superseded` (it never was). `cancelled` is left
 * to `schedule cancel`.
 */
import type { MembershipProgram } from '../generated/types.js';
import type { LiveMerchant, MerchantPlan } from '../plan/types.js';
import type { Queryable } from '../store/db.js';
import { hashDocument } from '../plan/canonical.js';
import { run } from '../store/statement.js';
import { insertVersion, selectNextVersionNumber, setStatusOfCurrent } from '../store/versionStore.js';
import { insertSwitch } from '../store/switchStore.js';
import type { Statement } from '../store/statement.js';

export interface WrittenVersion {
  version: number;
  status: 'active' | 'pending';
  effectiveAt: string | null;
  switched: boolean;
}

interface Placement {
  status: 'active' | 'pending';
  effectiveAt: Date | null;
}

/**
 * Where the new version goes. A merchant's first version is active at once (there is nothing to
 * take effect over). A scheduled rule change is pending until its `at`. An edit while a version
 * is pending that is not itself a rule change replaces the pending version and keeps its `at`.
 */
function placeVersion(plan: MerchantPlan, live: LiveMerchant | null, now: Date): Placement {
  if (plan.action === 'create' || !live) return { status: 'active', effectiveAt: now };
  if (plan.recalculation.mode === 'scheduled') {
    const at = plan.recalculation.at ?? live.pending?.effectiveAt ?? null;
    return { status: 'pending', effectiveAt: at === null ? null : new Date(at) };
  }
  if (live.pending && plan.recalculation.mode === 'none') {
    return { status: 'pending', effectiveAt: live.pending.effectiveAt ? new Date(live.pending.effectiveAt) : null };
  }
  return { status: 'active', effectiveAt: now };
}

export async function writeMerchantVersion(
  tx: Queryable,
  plan: MerchantPlan,
  live: LiveMerchant | null,
  document: MembershipProgram,
  opts: { now: Date; actor: string; sourceRef: string | null },
): Promise<WrittenVersion> {
  const merchant = plan.merchant;
  const placement = placeVersion(plan, live, opts.now);

  if (plan.action === 'create') {
    await run(tx, insertMerchantIfMissing(merchant, document.metadata.subscription, opts.now));
  }
  const next = await run<{ next: number }>(tx, selectNextVersionNumber(merchant));
  const version = Number(next.rows[0]?.next ?? 1);

  // Free the one-active / one-pending slots before inserting.
  if (live?.pending) await run(tx, setStatusOfCurrent(merchant, 'pending', 'superseded'));
  if (placement.status === 'active' && live?.active) await run(tx, setStatusOfCurrent(merchant, 'active', 'retired'));

  await run(
    tx,
    insertVersion({
      merchant,
      version,
      status: placement.status,
      document,
      hash: hashDocument(document),
      programType: document.spec.type,
      sourceRef: opts.sourceRef,
      actor: opts.actor,
      appliedAt: opts.now,
      effectiveAt: placement.effectiveAt,
    }),
  );

  const switched = plan.action === 'create' || plan.switch !== null;
  if (switched) {
    const fromType = plan.switch?.from ?? (live?.pending ?? live?.active)?.document.spec.type ?? null;
    await run(tx, insertSwitch({ merchant, at: opts.now, fromType, toType: document.spec.type, version }));
  }
  return { version, status: placement.status, effectiveAt: placement.effectiveAt?.toISOString() ?? null, switched };
}

/** A merchant may exist before its first program (its subscription set by the platform). */
function insertMerchantIfMissing(merchant: string, subscription: string, now: Date): Statement {
  return {
    text: `INSERT INTO merchants (merchant_id, subscription, created_at, updated_at) VALUES ($1, $2, $3, $3)
      ON CONFLICT (merchant_id) DO NOTHING`,
    values: [merchant, subscription, now],
  };
}
