/** `tierform apply [paths… | planfile.json]`: makes the live state match (SPEC §4.3). */
import { recalculationWithHeartbeat } from '../heartbeat.js';
import { escapeText } from '../../model/display.js';
import type { CommandContext } from '../context.js';
import { flag, stringOption } from '../context.js';
import { openDbFromContext, lockTimeoutMsFromContext, printTarget } from '../../store/open.js';
import { planFiles } from '../../apply/planFiles.js';
import { readSavedPlanIfAny } from '../../apply/savedPlan.js';
import { applyPlan } from '../../apply/applyPlan.js';
import { describeApplied, summarizeApply } from '../../apply/renderResult.js';
import { renderDiagnosticsText } from '../../document/render/text.js';
import { renderPlanText } from '../../plan/render/text.js';
import { planHasChanges, planHasErrors } from '../../plan/outcome.js';
import { confirmApply } from '../approval.js';
import { resolveActor, resolveSourceRef } from '../provenance.js';
import type { Plan } from '../../plan/types.js';
import type { Db } from '../../store/db.js';
import { withImpacts } from '../../apply/planImpact.js';
import { guardrailUnderLock, withGuardrail } from '../../apply/guardrails.js';
import { withMessageLengths } from '../../apply/messageLength.js';
import { programPaths, resolveDowngradeLimit } from '../../config/repoConfig.js';
import { parseDowngradeLimit, type DowngradeLimit } from '../../plan/guardrail.js';
import { UsageError, TierformError } from '../errors.js';

export const USAGE =
  'tierform apply [paths… | planfile.json] [--auto-approve] [--supersede] [--source-ref <ref>] [--actor <name>] [--lock-timeout <seconds>] [--max-downgrades <n|p%>]';

export async function run(ctx: CommandContext): Promise<number> {
  const lockTimeoutMs = lockTimeoutMsFromContext(ctx, USAGE);
  const saved = ctx.positionals.length === 1 ? await readSavedPlanIfAny(ctx.positionals[0]!, ctx.io.cwd) : null;
  const actor = resolveActor(ctx);
  const sourceRef = await resolveSourceRef(ctx);
  // A saved plan applies with the options it was computed with (SPEC §4.7), not today's ones.
  const maxDowngrades = saved
    ? savedDowngradeLimit(ctx, saved, ctx.positionals[0]!)
    : await resolveDowngradeLimit(stringOption(ctx, 'max-downgrades'), ctx.io.cwd, USAGE);
  const supersede = saved ? savedSupersede(ctx, saved) : flag(ctx, 'supersede');

  const db = await openDbFromContext(ctx, 'apply');
  try {
    printTarget(ctx, db);
    let plan: Plan;
    if (saved) {
      plan = saved;
    } else {
      const merchant = stringOption(ctx, 'merchant');
      const planned = await planFiles(db, await programPaths(ctx.positionals, ctx.io.cwd), {
        cwd: ctx.io.cwd,
        now: ctx.now,
        supersede,
        ...(merchant ? { merchant } : {}),
      });
      if (!planned.plan) {
        ctx.io.stdout.write(renderDiagnosticsText(planned.validation.reports, { color: ctx.color }));
        return 1;
      }
      // Shown with its impact, and refused early by the guardrail; apply judges both again under the lock.
      plan = withGuardrail(await withImpacts(db, await withMessageLengths(db, planned.plan), ctx.now), maxDowngrades);
      ctx.io.stdout.write(withNewline(renderPlanText(plan, { color: ctx.color })));
      if (planHasErrors(plan)) {
        ctx.io.stderr.write('error: the plan has errors (above); nothing was applied\n');
        return 1;
      }
      if (!planHasChanges(plan)) {
        ctx.io.stdout.write('No changes. The live state matches the files.\n');
        return 0;
      }
      if (!(await confirmApply(ctx, 'apply these changes'))) {
        ctx.io.stderr.write('Apply cancelled; nothing was changed.\n');
        return 1;
      }
    }
    return await execute(ctx, db, plan, { actor, sourceRef, lockTimeoutMs, reviewed: saved !== null || !flag(ctx, 'auto-approve'), maxDowngrades, supersede });
  } finally {
    await db.close();
  }
}

async function execute(
  ctx: CommandContext,
  db: Db,
  plan: Plan,
  opts: { actor: string; sourceRef: string | null; lockTimeoutMs: number; reviewed: boolean; maxDowngrades: DowngradeLimit | null; supersede: boolean },
): Promise<number> {
  const result = await applyPlan(db, plan, {
    now: ctx.now,
    actor: opts.actor,
    sourceRef: opts.sourceRef,
    lockTimeoutMs: opts.lockTimeoutMs,
    supersede: opts.supersede,
    savedPlan: opts.reviewed,
    recalculate: recalculationWithHeartbeat(ctx),
    ...(opts.maxDowngrades ? { guardrail: guardrailUnderLock(opts.maxDowngrades, ctx.now)! } : {}),
  });
  for (const r of result.merchants) {
    if (r.outcome === 'failed') ctx.io.stderr.write(`error ${r.error?.code ?? 'apply.failed'}: ${escapeText(r.merchant)}: ${escapeText(r.error?.message ?? '')}\n`);
    else ctx.io.stdout.write(`${describeApplied(r)}\n`);
  }
  ctx.io.stdout.write(`${summarizeApply(result)}\n`);
  return result.ok ? 0 : 1;
}

/** The saved limit; a different one on the command line is refused rather than silently ignored. */
function savedDowngradeLimit(ctx: CommandContext, saved: Plan, path: string): DowngradeLimit | null {
  const text = saved.options?.maxDowngrades ?? null;
  const given = stringOption(ctx, 'max-downgrades');
  if (given !== undefined && given.trim() !== text) {
    throw new UsageError(
      `${path} was saved with ${text === null ? 'no downgrade limit' : `--max-downgrades ${text}`}; a saved plan applies with the options it was reviewed with. Plan again with --max-downgrades ${given} to change it`,
      USAGE,
    );
  }
  if (text === null) return null;
  const limit = parseDowngradeLimit(text, `saved with the plan, from ${saved.options?.maxDowngradesSource ?? 'plan'}`);
  if (!limit) throw new TierformError('plan.invalid', `${path}: options.maxDowngrades '${text}' is not a count or a percentage`);
  return limit;
}

function savedSupersede(ctx: CommandContext, saved: Plan): boolean {
  const recorded = saved.options?.supersede ?? false;
  if (flag(ctx, 'supersede') && !recorded) {
    throw new UsageError('the plan was saved without --supersede; plan again with --supersede to let it replace a pending version', USAGE);
  }
  if (stringOption(ctx, 'merchant') !== undefined) throw new UsageError('--merchant applies to program paths; a saved plan holds the merchants it was made for', USAGE);
  return recorded;
}

function withNewline(text: string): string {
  return text.endsWith('\n') ? text : `${text}\n`;
}
