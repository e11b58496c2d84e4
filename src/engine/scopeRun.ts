/**
 * Runs the engine's statements over one scope of members, in the caller's transaction: a daily
 * evaluation (§3.3) or a recalculation (§3.5). Both the inline path and each batch of a run go
 * through here.
 */
import type { Queryable } from '../store/db.js';
import { run } from '../store/statement.js';
import type { ExistingMembers } from '../rules/index.js';
import type { JudgingVersion } from './versions.js';
import type { MemberScope, StepInput } from './scope.js';
import { birthdayStep, extendStep, fallStep, refundStep, upgradeStep, watermarkStep } from './evaluateSteps.js';
import { fitExpiryStep, recalculateStep } from './recalculateSteps.js';
import { enqueueLevelNotifications, lastHistoryId } from '../outbox/index.js';
import { performPaidGrants } from './paid/index.js';
import { findCandidates } from './candidates.js';
import type { EvaluationMark } from './evaluationMarks.js';
import { welcomeMembers } from './welcome.js';

/**
 * Runs `fn` (which writes member history) and renders the notifications of the moves it wrote
 * into the outbox, in the same transaction: a move and its message land together or not at all.
 */
export async function notifying<T>(q: Queryable, merchant: string, fn: () => Promise<T>): Promise<T> {
  const before = await lastHistoryId(q, merchant);
  const result = await fn();
  await enqueueLevelNotifications(q, merchant, before);
  return result;
}

/**
 * What a daily evaluation does once per merchant rather than per member batch: the paid grants
 * (join points, on-start and periodic benefits, paid birthdays) and paid expiry notices due by
 * `at`, under the active version. Idempotent through the ledger's keys.
 */
export async function evaluateMerchantWide(q: Queryable, merchant: string, active: JudgingVersion | null, at: Date): Promise<number> {
  if (active === null) return 0;
  return (await performPaidGrants(q, merchant, at, active.version)).granted;
}

async function moved(q: Queryable, statement: { text: string; values: readonly unknown[] }): Promise<number> {
  const { rows } = await run<{ moved: number }>(q, statement);
  return rows[0]?.moved ?? 0;
}

/** One daily evaluation of the members in `input.scope` under `input.rules`. Returns moves. */
export async function evaluateScope(q: Queryable, input: StepInput): Promise<number> {
  const { rules } = input;
  if (!rules.active) return 0;
  // Basis points measures no orders: a refund changes no member's points earned (as in the model).
  const refunds = rules.refunds === 'recalculate' && rules.downgrade.mode !== 'recompute' && rules.basis !== 'points';
  // The refund step finds refunds imported since the watermark: only then is it moved last, on its own.
  let changed = await moved(q, upgradeStep(input, { watermark: !refunds }));
  if (rules.downgrade.mode === 'validity') {
    // An extension may still end before t; extend again until nobody is extended.
    let extended: number;
    do extended = await moved(q, extendStep(input));
    while (extended > 0);
    changed += await moved(q, fallStep(input));
  }
  if (refunds) changed += await moved(q, refundStep(input));
  await run(q, birthdayStep(input));
  if (refunds) await run(q, watermarkStep(input));
  return changed;
}

/** Recalculation of the members in `input.scope` under the new rules at `input.at`. */
export async function recalculateScope(q: Queryable, input: StepInput, existingMembers: ExistingMembers): Promise<number> {
  if (!input.rules.active) return 0;
  const changed = await moved(q, recalculateStep(input, existingMembers));
  await run(q, fitExpiryStep(input));
  await run(q, birthdayStep(input));
  return changed;
}

/**
 * A daily evaluation over a scope: members who joined at or after a pending version's apply are
 * judged by it (§3.5), everyone else by the active version. Each version first welcomes the new
 * members it judges (§3.9), so the join message precedes the messages of their first moves; the
 * welcome finds the members not welcomed yet in the whole scope. Given the merchant's last
 * complete evaluation (`mark`), only the scope's candidates are judged (src/engine/candidates.ts):
 * the others would stay exactly as they are.
 */
export async function evaluateWithVersions(
  q: Queryable,
  merchant: string,
  versions: { active: JudgingVersion | null; pending: JudgingVersion | null },
  at: Date,
  whole: MemberScope,
  runId: number | null,
  mark: EvaluationMark | null = null,
): Promise<number> {
  const { active, pending } = versions;
  let scope = whole;
  // A run's batch comes with its candidates (src/engine/runs.ts); inline, they are found here.
  if (mark !== null && whole.ids === undefined) {
    const rules = [active, pending].flatMap((v) => (v?.rules.active ? [v.rules] : []));
    const ids = await findCandidates(q, { merchant, rules, mark, at, lo: whole.lo, hi: whole.hi });
    scope = { ...whole, ids };
  }
  // No candidate: nobody to judge (the welcome still looks at the whole scope).
  const judged = scope.ids === undefined || scope.ids.length > 0;
  let changed = 0;
  if (active) {
    const activeScope = pending ? { ...scope, joinedBefore: pending.appliedAt } : scope;
    await welcomeMembers(q, { merchant, version: active.version, at, scope: unlisted(activeScope), runId });
    if (judged) changed += await evaluateScope(q, { merchant, rules: active.rules, version: active.version, runId, at, scope: activeScope });
  }
  if (pending) {
    const pendingScope = active ? { ...scope, joinedFrom: pending.appliedAt } : scope;
    await welcomeMembers(q, { merchant, version: pending.version, at, scope: unlisted(pendingScope), runId });
    if (judged) changed += await evaluateScope(q, { merchant, rules: pending.rules, version: pending.version, runId, at, scope: pendingScope });
  }
  return changed;
}

/** The scope without its candidate list. */
function unlisted(scope: MemberScope): MemberScope {
  const { ids: _ids, ...rest } = scope;
  return rest;
}
