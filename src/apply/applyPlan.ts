/**
 * Apply: executes a plan, each merchant in its own transaction so all of a merchant's change
 * lands or none of it does. Under the merchant's lock the live state is read again and the
 * merchant's plan recomputed, so the switch limit and the pending rules hold against the state
 * as it is at that moment, whatever ran concurrently.
 */
import type { Db, Queryable } from '../store/db.js';
import { PgCode, pgErrorCode } from '../store/db.js';
import type { MerchantPlan, Plan, PlanError } from '../plan/types.js';
import { TierformError } from '../cli/errors.js';
import { computePlan } from '../plan/compute.js';
import { readSnapshot } from '../store/snapshot.js';
import { run } from '../store/statement.js';
import { findLockHolder, lockMerchant, setLocalApplicationName, setLocalLockTimeout } from '../store/merchantLock.js';
import { recalculateMembers, type RecalculateMembers } from '../engine/recalculateHook.js';
import { writeMerchantVersion } from './writeVersion.js';
import { staleMessage } from './messages.js';
import { assertNotTakingEffect } from '../schedule/pending.js';
import { revalidateDocument } from './revalidate.js';

export interface ApplyOptions {
  now: Date;
  actor: string;
  sourceRef: string | null;
  lockTimeoutMs: number;
  supersede: boolean;
  /** The plan was reviewed (a saved plan file, or one shown and approved): refuse it once the state moved. */
  savedPlan: boolean;
  /** Shown to waiters as `tierform <command> by <actor>` (default `apply`). */
  command?: string;
  /** The recalculation run after an immediate rule change (default: the engine's). */
  recalculate?: RecalculateMembers;
  /** Judged under the lock on the recomputed plan (the downgrade guardrail); an error refuses the merchant. */
  guardrail?: (q: Queryable, fresh: MerchantPlan) => Promise<PlanError | null>;
}

export interface MerchantApplyResult {
  merchant: string;
  outcome: 'applied' | 'noop' | 'failed';
  /** The version written (null when nothing was written). */
  version: number | null;
  status: 'active' | 'pending' | null;
  effectiveAt: string | null;
  /** Whether a type switch was recorded. */
  switched: boolean;
  recalculation: { mode: 'none' | 'immediate' | 'scheduled'; at: string | null; changed: number | null };
  error: PlanError | null;
}

export interface ApplyResult {
  ok: boolean;
  merchants: MerchantApplyResult[];
}

export async function applyPlan(db: Db, plan: Plan, opts: ApplyOptions): Promise<ApplyResult> {
  const results: MerchantApplyResult[] = [];
  for (const planned of plan.merchants) {
    if (planned.action === 'unmanaged') continue;
    if (planned.action === 'noop' && planned.errors.length === 0) {
      results.push(emptyResult(planned, 'noop', null));
      continue;
    }
    results.push(await applyMerchant(db, planned, opts));
  }
  return { ok: results.every((r) => r.outcome !== 'failed'), merchants: results };
}

async function applyMerchant(db: Db, planned: MerchantPlan, opts: ApplyOptions): Promise<MerchantApplyResult> {
  try {
    return await db.transaction((tx) => applyMerchantIn(tx, planned, opts));
  } catch (err) {
    if (err instanceof TierformError) return emptyResult(planned, 'failed', { code: err.code, message: err.message });
    if (pgErrorCode(err) === PgCode.lockNotAvailable) {
      return emptyResult(planned, 'failed', { code: 'state.locked', message: await lockedMessage(db, planned.merchant, opts.lockTimeoutMs) });
    }
    throw err;
  }
}

async function applyMerchantIn(tx: Queryable, planned: MerchantPlan, opts: ApplyOptions): Promise<MerchantApplyResult> {
  const merchant = planned.merchant;
  const document = planned.document;
  if (!document) {
    throw new TierformError('plan.invalid', `the plan for ${merchant} carries no program document; plan again with this version of tierform`);
  }
  await run(tx, setLocalLockTimeout(opts.lockTimeoutMs));
  await run(tx, setLocalApplicationName(`tierform ${opts.command ?? 'apply'} by ${opts.actor}`));
  await run(tx, lockMerchant(merchant));

  const snapshot = await readSnapshot(tx, { merchants: [merchant], now: opts.now });
  const live = snapshot.merchants.get(merchant) ?? null;
  // Under the lock, against the live catalog: whatever the file or the saved plan claimed.
  revalidateDocument(planned, snapshot.catalog);
  const fresh = computePlan([{ path: planned.path ?? merchant, document }], snapshot, opts.now, {
    merchant,
    supersede: opts.supersede,
  }).merchants.find((m) => m.merchant === merchant);
  if (!fresh) throw new TierformError('plan.invalid', `the plan has no entry for ${merchant}`);

  if (opts.savedPlan && fresh.baseVersion !== planned.baseVersion) {
    throw new TierformError('plan.stale', staleMessage(merchant, planned.baseVersion, live));
  }
  const [first, ...more] = fresh.errors;
  if (first) {
    const message = [first.message, ...more.map((e) => `${e.code}: ${e.message}`)].join('; ');
    throw new TierformError(first.code, message);
  }
  if (fresh.action === 'noop' || fresh.action === 'unmanaged') return emptyResult(fresh, 'noop', null);
  const refused = opts.guardrail ? await opts.guardrail(tx, fresh) : null;
  if (refused) throw new TierformError(refused.code, refused.message);
  // Every write while a version is pending replaces it; not once run-due has begun taking it into effect.
  if (live?.pending) await assertNotTakingEffect(tx, merchant, live.pending.version);

  const written = await writeMerchantVersion(tx, fresh, live, document, opts);
  let changed: number | null = null;
  if (written.status === 'active' && (fresh.recalculation.mode === 'immediate' || fresh.action === 'create')) {
    changed = (await (opts.recalculate ?? recalculateMembers)(tx, merchant, written.version, opts.now)).changed;
  }
  return {
    merchant,
    outcome: 'applied',
    version: written.version,
    status: written.status,
    effectiveAt: written.effectiveAt,
    switched: written.switched,
    recalculation: { ...fresh.recalculation, changed },
    error: null,
  };
}

function emptyResult(plan: MerchantPlan, outcome: 'noop' | 'failed', error: PlanError | null): MerchantApplyResult {
  return {
    merchant: plan.merchant,
    outcome,
    version: null,
    status: null,
    effectiveAt: null,
    switched: false,
    recalculation: { ...plan.recalculation, changed: null },
    error,
  };
}

async function lockedMessage(db: Db, merchant: string, waitedMs: number): Promise<string> {
  const waited = `waited ${Math.round(waitedMs / 100) / 10} s for the lock on ${merchant}`;
  const holder = await findLockHolder(db, merchant).catch(() => null);
  if (!holder) return `${waited}; its holder has finished since, run the command again`;
  const who = holder.applicationName ?? 'another session';
  return `${waited}, held by ${who} (pid ${holder.pid}${holder.since ? `, since ${holder.since}` : ''}); try again later or raise --lock-timeout`;
}
