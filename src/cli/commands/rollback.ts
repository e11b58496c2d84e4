/**
 * `tierform rollback <merchant> --to <n>`: proposes version n's document as a new version. It is
 * planned and applied like any file: every rule holds, the switch limit included.
 */
import type { CommandContext } from '../context.js';
import { flag, stringOption } from '../context.js';
import { TierformError, UsageError } from '../errors.js';
import { openDbFromContext, lockTimeoutMsFromContext, printTarget } from '../../store/open.js';
import { readSnapshot } from '../../store/snapshot.js';
import { run as runSql } from '../../store/statement.js';
import { selectVersion, toLiveVersion, type VersionRow } from '../../store/versionStore.js';
import { computePlan } from '../../plan/compute.js';
import { renderPlanText } from '../../plan/render/text.js';
import { planHasChanges, planHasErrors } from '../../plan/outcome.js';
import { applyPlan } from '../../apply/applyPlan.js';
import { describeApplied } from '../../apply/renderResult.js';
import type { MembershipProgram } from '../../generated/types.js';
import { confirmApply } from '../approval.js';
import { resolveActor, resolveSourceRef } from '../provenance.js';

export const USAGE = 'tierform rollback <merchant> --to <n> [--auto-approve] [--supersede] [--actor <name>] [--source-ref <ref>]';

export async function run(ctx: CommandContext): Promise<number> {
  const [merchant, ...extra] = ctx.positionals;
  if (!merchant || extra.length > 0) throw new UsageError('rollback takes one merchant', USAGE);
  const toText = stringOption(ctx, 'to');
  const to = Number(toText);
  if (toText === undefined || !Number.isInteger(to) || to < 1) throw new UsageError('--to <n> must be a version number', USAGE);
  const lockTimeoutMs = lockTimeoutMsFromContext(ctx, USAGE);
  const actor = resolveActor(ctx);
  const sourceRef = await resolveSourceRef(ctx);

  const db = await openDbFromContext(ctx, 'rollback');
  try {
    printTarget(ctx, db);
    const row = (await runSql<VersionRow>(db, selectVersion(merchant, to))).rows[0];
    if (!row) throw new TierformError('state.unknown-version', `merchant ${merchant} has no version ${to}`);
    const { document, note } = takeEffectNow(toLiveVersion(row).document, ctx.now);
    if (note) ctx.io.stderr.write(`${note}\n`);

    const snapshot = await readSnapshot(db, { merchants: [merchant], now: ctx.now });
    const plan = computePlan([{ path: `${merchant} version ${to}`, document }], snapshot, ctx.now, {
      merchant,
      supersede: flag(ctx, 'supersede'),
    });
    ctx.io.stdout.write(withNewline(renderPlanText(plan, { color: ctx.color })));
    if (planHasErrors(plan)) return 1;
    if (!planHasChanges(plan)) {
      ctx.io.stdout.write(`The live program of ${merchant} already matches version ${to}.\n`);
      return 0;
    }
    if (!(await confirmApply(ctx, `roll ${merchant} back to version ${to}`))) {
      ctx.io.stderr.write('Rollback cancelled; nothing was changed.\n');
      return 1;
    }
    const result = await applyPlan(db, plan, {
      now: ctx.now,
      actor,
      sourceRef,
      lockTimeoutMs,
      supersede: flag(ctx, 'supersede'),
      savedPlan: true,
      command: 'rollback',
    });
    for (const r of result.merchants) {
      if (r.outcome === 'failed') ctx.io.stderr.write(`error ${r.error?.code ?? 'apply.failed'}: ${r.merchant}: ${r.error?.message ?? ''}\n`);
      else ctx.io.stdout.write(`${describeApplied(r)} (rollback to version ${to})\n`);
    }
    return result.ok ? 0 : 1;
  } finally {
    await db.close();
  }
}

/**
 * An old version scheduled for an instant that has passed would be refused as a past schedule;
 * rolling back to it means "these rules, now".
 */
function takeEffectNow(document: MembershipProgram, now: Date): { document: MembershipProgram; note: string | null } {
  const effective = document.spec.effective;
  if (effective?.mode !== 'scheduled' || !effective.at || Date.parse(effective.at) > now.getTime()) return { document, note: null };
  const { at: _at, ...rest } = effective;
  return {
    document: { ...document, spec: { ...document.spec, effective: { ...rest, mode: 'immediate' } } },
    note: `version's schedule (${effective.at}) has passed: the rollback takes effect immediately`,
  };
}

function withNewline(text: string): string {
  return text.endsWith('\n') ? text : `${text}\n`;
}
