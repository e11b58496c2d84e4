/** `tierform plan [paths…]`: what apply would change, per merchant (SPEC §4.2, §5). */
import { escapeText } from '../../model/display.js';
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { CommandContext } from '../context.js';
import { flag, stringOption } from '../context.js';
import { UsageError } from '../errors.js';
import { openDbFromContext, printTarget } from '../../store/open.js';
import { planFiles } from '../../apply/planFiles.js';
import { renderDiagnosticsText } from '../../document/render/text.js';
import { renderPlanJson } from '../../plan/render/json.js';
import { isPlanFormat, PLAN_FORMATS, renderPlanAs } from '../../plan/render/format.js';
import { planHasChanges, planHasErrors } from '../../plan/outcome.js';
import { withImpacts, type Mover } from '../../apply/planImpact.js';
import { renderMoversCsv } from '../../plan/moversCsv.js';
import { withGuardrail } from '../../apply/guardrails.js';
import { withMessageLengths } from '../../apply/messageLength.js';
import { programPaths, resolveDowngradeLimit } from '../../config/repoConfig.js';
import type { PlanOptions } from '../../plan/types.js';

export const USAGE =
  'tierform plan [paths…] [--format text|markdown|json] [--out <file>] [--detailed-exitcode] [--merchant <id>] [--supersede] [--max-downgrades <n|p%>] [--movers <file>]';

export async function run(ctx: CommandContext): Promise<number> {
  const format = stringOption(ctx, 'format') ?? 'text';
  if (!isPlanFormat(format)) throw new UsageError(`--format must be one of ${PLAN_FORMATS.join(', ')}`, USAGE);
  const paths = await programPaths(ctx.positionals, ctx.io.cwd);
  const merchant = stringOption(ctx, 'merchant');
  const out = stringOption(ctx, 'out');
  const moversFile = stringOption(ctx, 'movers');
  const maxDowngrades = await resolveDowngradeLimit(stringOption(ctx, 'max-downgrades'), ctx.io.cwd, USAGE);

  const db = await openDbFromContext(ctx, 'plan');
  try {
    printTarget(ctx, db);
    const { validation, plan: planned } = await planFiles(db, paths, {
      cwd: ctx.io.cwd,
      now: ctx.now,
      supersede: flag(ctx, 'supersede'),
      ...(merchant ? { merchant } : {}),
    });
    if (!planned) {
      // Keep stdout parseable for --format json; people read the diagnostics either way.
      const stream = format === 'json' ? ctx.io.stderr : ctx.io.stdout;
      stream.write(renderDiagnosticsText(validation.reports, { color: ctx.color }));
      return 1;
    }
    // Recorded in the saved plan, so apply uses exactly these (SPEC §4.7).
    const options: PlanOptions = {
      paths: [...paths],
      merchant: merchant ?? null,
      supersede: flag(ctx, 'supersede'),
      maxDowngrades: maxDowngrades?.text ?? null,
      maxDowngradesSource: maxDowngrades?.source ?? null,
    };
    // The impact of each rule change, apart from drift; the movers only when asked for.
    const movers: Mover[] = [];
    const impacts = await withImpacts(db, await withMessageLengths(db, planned), ctx.now, moversFile ? { onMovers: (_m, list) => list.forEach((row) => movers.push(row)) } : {});
    const plan = { ...withGuardrail(impacts, maxDowngrades), options };
    ctx.io.stdout.write(renderPlanAs(plan, format, { color: ctx.color }));
    if (moversFile) {
      await writeFile(resolve(ctx.io.cwd, moversFile), renderMoversCsv(movers));
      ctx.io.stderr.write(`Wrote the ${movers.length.toLocaleString('en-US')} member${movers.length === 1 ? '' : 's'} the change would move to ${moversFile}\n`);
    }
    if (planHasErrors(plan)) return 1;
    if (out) {
      await writeFile(resolve(ctx.io.cwd, out), `${renderPlanJson(plan).trimEnd()}\n`);
      ctx.io.stderr.write(`Saved the plan to ${escapeText(out)}; apply exactly this plan with: tierform apply ${escapeText(out)}\n`);
    }
    return flag(ctx, 'detailed-exitcode') && planHasChanges(plan) ? 2 : 0;
  } finally {
    await db.close();
  }
}
