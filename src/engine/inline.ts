import type { Queryable } from '../store/db.js';
import type { ExistingMembers } from '../rules/index.js';
import { loadCurrentVersions, loadVersion } from './versions.js';
import { useEngineSettings } from './settings.js';
import { evaluateMerchantWide, evaluateWithVersions, notifying, recalculateScope } from './scopeRun.js';

const ALL = { lo: null, hi: null };

/**
 * Recalculates every member of `merchant` under `version` at `at`, in the caller's transaction
 * (§3.5). Returns how many members changed tier.
 */
export async function recalculateInline(
  q: Queryable,
  merchant: string,
  version: number,
  at: Date,
  existingMembers?: ExistingMembers,
): Promise<{ changed: number }> {
  const v = await loadVersion(q, merchant, version);
  await useEngineSettings(q);
  const input = { merchant, rules: v.rules, version, runId: null, at, scope: ALL };
  return { changed: await notifying(q, merchant, () => recalculateScope(q, input, existingMembers ?? v.rules.existingMembers)) };
}

/** One daily evaluation of every member of `merchant` at `at`, in the caller's transaction (§3.3). */
export async function evaluateInline(q: Queryable, merchant: string, at: Date): Promise<{ changed: number }> {
  const versions = await loadCurrentVersions(q, merchant);
  const changed = await notifying(q, merchant, () => evaluateWithVersions(q, merchant, versions, at, ALL, null));
  await evaluateMerchantWide(q, merchant, versions.active, at);
  return { changed };
}
