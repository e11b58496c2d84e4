import type { Queryable } from '../store/db.js';
import type { ExistingMembers } from '../rules/index.js';
import { loadCurrentVersions, loadVersion } from './versions.js';
import { useEngineSettings } from './settings.js';
import { evaluateMerchantWide, evaluateWithVersions, notifying, recalculateScope } from './scopeRun.js';
import { forgetMark, markEvaluated, seenNow, usableMark } from './evaluationMarks.js';

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
  await forgetMark(q, merchant);
  return { changed: await notifying(q, merchant, () => recalculateScope(q, input, existingMembers ?? v.rules.existingMembers)) };
}

/**
 * One daily evaluation of every member of `merchant` at `at`, in the caller's transaction (§3.3):
 * of the candidates only when the merchant's last evaluation left a usable mark.
 */
export async function evaluateInline(q: Queryable, merchant: string, at: Date): Promise<{ changed: number }> {
  const versions = await loadCurrentVersions(q, merchant);
  const seen = await seenNow(q, merchant);
  const mark = await usableMark(q, merchant, versions, at);
  const changed = await notifying(q, merchant, () => evaluateWithVersions(q, merchant, versions, at, ALL, null, mark));
  await evaluateMerchantWide(q, merchant, versions.active, at);
  await markEvaluated(q, merchant, versions, at, seen);
  return { changed };
}
