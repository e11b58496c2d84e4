/** `tierform apply [paths… | planfile.json]`: makes the live state match (SPEC §4.3). */
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
import { resolveDowngradeLimit } from '../../config/repoConfig.js';
import type { DowngradeLimit } from '../../plan/guardrail.js';

export const USAGE =
  'tierform apply [paths… | planfile.json] [--auto-approve] [--supersede] [--source-ref <ref>] [--actor <name>] [--lock-timeout <seconds>] [--max-downgrades <n|p%>]';

export async function run(ctx: CommandContext): Promise<number> {
  const lockTimeoutMs = lockTimeoutMsFromContext(ctx, USAGE);
  const saved = ctx.positionals.length === 1 ? await readSavedPlanIfAny(ctx.positionals[0]!, ctx.io.cwd) : null;
  const actor = resolveActor(ctx);
  const sourceRef = await resolveSourceRef(ctx);
  const maxDowngrades = await resolveDowngradeLimit(stringOption(ctx, 'max-downgrades'), ctx.io.cwd, USAGE);

  const db = await openDbFromContext(ctx, 'apply');
  try {
    printTarget(ctx, db);
    let plan: Plan;
    if (saved) {
      plan = saved;
    } else {
      const merchant = stringOption(ctx, 'merchant');
      const planned = await planFiles(db, ctx.positionals.length > 0 ? ctx.positionals : ['programs'], {
        cwd: ctx.io.cwd,
        now: ctx.now,
        supersede: flag(ctx, 'supersede'),
        ...(merchant ? { merchant } : {}),
      });
      if (!planned.plan) {
        ctx.io.stdout.write(renderDiagnosticsText(planned.validation.reports, { color: ctx.color }));
        return 1;
      }
      // Shown with its impact, and refused early by the guardrail; apply judges both again under the lock.
      plan = withGuardrail(await withImpacts(db, planned.plan, ctx.now), maxDowngrades);
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
    return await execute(ctx, db, plan, { actor, sourceRef, lockTimeoutMs, reviewed: saved !== null || !flag(ctx, 'auto-approve'), maxDowngrades });
  } finally {
    await db.close();
  }
}

async function execute(
  ctx: CommandContext,
  db: Db,
  plan: Plan,
  opts: { actor: string; sourceRef: string | null; lockTimeoutMs: number; reviewed: boolean; maxDowngrades: DowngradeLimit | null },
): Promise<number> {
  const result = await applyPlan(db, plan, {
    now: ctx.now,
    actor: opts.actor,
    sourceRef: opts.sourceRef,
    lockTimeoutMs: opts.lockTimeoutMs,
    supersede: flag(ctx, 'supersede'),
    savedPlan: opts.reviewed,
    ...(opts.maxDowngrades ? { guardrail: guardrailUnderLock(opts.maxDowngrades, ctx.now)! } : {}),
  });
  for (const r of result.merchants) {
    if (r.outcome === 'failed') ctx.io.stderr.write(`error ${r.error?.code ?? 'apply.failed'}: ${r.merchant}: ${r.error?.message ?? ''}\n`);
    else ctx.io.stdout.write(`${describeApplied(r)}\n`);
  }
  ctx.io.stdout.write(`${summarizeApply(result)}\n`);
  return result.ok ? 0 : 1;
}

function withNewline(text: string): string {
  return text.endsWith('\n') ? text : `${text}\n`;
}
