/**
 * `tierform rollback <merchant> --to <n>`: proposes version n's document as a new version. It is
 * a plan like any other (SPEC §4.4, §4.7): the same output (changes, impact, switch budget), the
 * downgrade guardrail, `--out` to save it for `apply <file>`, and the same approval as apply.
 */
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { recalculationWithHeartbeat } from '../heartbeat.js';
import { escapeText } from '../../model/display.js';
import type { CommandContext } from '../context.js';
import { flag, stringOption } from '../context.js';
import { TierformError, UsageError } from '../errors.js';
import { openDbFromContext, lockTimeoutMsFromContext, printTarget } from '../../store/open.js';
import { readSnapshot } from '../../store/snapshot.js';
import { run as runSql } from '../../store/statement.js';
import { selectVersion, toLiveVersion, type VersionRow } from '../../store/versionStore.js';
import { computePlan } from '../../plan/compute.js';
import { renderPlanJson } from '../../plan/render/json.js';
import { isPlanFormat, PLAN_FORMATS, renderPlanAs } from '../../plan/render/format.js';
import { planHasChanges, planHasErrors } from '../../plan/outcome.js';
import type { Plan } from '../../plan/types.js';
import { applyPlan } from '../../apply/applyPlan.js';
import { withImpacts } from '../../apply/planImpact.js';
import { guardrailUnderLock, withGuardrail } from '../../apply/guardrails.js';
import { describeApplied } from '../../apply/renderResult.js';
import { resolveDowngradeLimit } from '../../config/repoConfig.js';
import type { MembershipProgram } from '../../generated/types.js';
import { confirmApply } from '../approval.js';
import { resolveActor, resolveSourceRef } from '../provenance.js';

export const USAGE =
  'tierform rollback <merchant> --to <n> [--format text|markdown|json] [--out <file>] [--detailed-exitcode] [--max-downgrades <n|p%>] [--auto-approve] [--supersede] [--actor <name>] [--source-ref <ref>]';

export async function run(ctx: CommandContext): Promise<number> {
  const [merchant, ...extra] = ctx.positionals;
  if (!merchant || extra.length > 0) throw new UsageError('rollback takes one merchant', USAGE);
  const toText = stringOption(ctx, 'to');
  const to = Number(toText);
  if (toText === undefined || !Number.isInteger(to) || to < 1) throw new UsageError('--to <n> must be a version number', USAGE);
  const format = stringOption(ctx, 'format') ?? 'text';
  if (!isPlanFormat(format)) throw new UsageError(`--format must be one of ${PLAN_FORMATS.join(', ')}`, USAGE);
  const out = stringOption(ctx, 'out');
  const detailed = flag(ctx, 'detailed-exitcode');
  const supersede = flag(ctx, 'supersede');
  const lockTimeoutMs = lockTimeoutMsFromContext(ctx, USAGE);
  const maxDowngrades = await resolveDowngradeLimit(stringOption(ctx, 'max-downgrades'), ctx.io.cwd, USAGE);
  const actor = resolveActor(ctx);
  const sourceRef = await resolveSourceRef(ctx);
  // Plan output is stdout; with json or markdown what apply reports goes to stderr, keeping stdout one document.
  const report = format === 'text' ? ctx.io.stdout : ctx.io.stderr;

  const db = await openDbFromContext(ctx, 'rollback');
  try {
    printTarget(ctx, db);
    const row = (await runSql<VersionRow>(db, selectVersion(merchant, to))).rows[0];
    if (!row) throw new TierformError('state.unknown-version', `merchant ${merchant} has no version ${to}`);
    const { document, note } = takeEffectNow(toLiveVersion(row).document, ctx.now);
    if (note) ctx.io.stderr.write(`${note}\n`);

    const snapshot = await readSnapshot(db, { merchants: [merchant], now: ctx.now });
    const computed = computePlan([{ path: `${merchant} version ${to}`, document }], snapshot, ctx.now, { merchant, supersede });
    const plan: Plan = {
      ...withGuardrail(await withImpacts(db, computed, ctx.now), maxDowngrades),
      options: {
        paths: [],
        merchant,
        supersede,
        maxDowngrades: maxDowngrades?.text ?? null,
        maxDowngradesSource: maxDowngrades?.source ?? null,
        rollbackTo: to,
      },
    };
    ctx.io.stdout.write(renderPlanAs(plan, format, { color: ctx.color }));
    if (planHasErrors(plan)) return 1;
    const changes = planHasChanges(plan);
    if (out) {
      await writeFile(resolve(ctx.io.cwd, out), `${renderPlanJson(plan).trimEnd()}\n`);
      ctx.io.stderr.write(`Saved the rollback plan to ${out}; apply exactly this plan with: tierform apply ${out}\n`);
      return detailed && changes ? 2 : 0;
    }
    if (!changes) {
      report.write(`The live program of ${escapeText(merchant)} already matches version ${to}.\n`);
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
      supersede,
      savedPlan: true,
      command: 'rollback',
      recalculate: recalculationWithHeartbeat(ctx),
      ...(maxDowngrades ? { guardrail: guardrailUnderLock(maxDowngrades, ctx.now)! } : {}),
    });
    for (const r of result.merchants) {
      if (r.outcome === 'failed') ctx.io.stderr.write(`error ${r.error?.code ?? 'apply.failed'}: ${escapeText(r.merchant)}: ${escapeText(r.error?.message ?? '')}\n`);
      else report.write(`${describeApplied(r)} (rollback to version ${to})\n`);
    }
    if (!result.ok) return 1;
    return detailed ? 2 : 0;
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
