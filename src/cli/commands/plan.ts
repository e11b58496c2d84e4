/** `tierform plan [paths…]`: what apply would change, per merchant (SPEC §4.2, §5). */
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { CommandContext } from '../context.js';
import { flag, stringOption } from '../context.js';
import { UsageError } from '../errors.js';
import { openDbFromContext, printTarget } from '../../store/open.js';
import { planFiles } from '../../apply/planFiles.js';
import { renderDiagnosticsText } from '../../document/render/text.js';
import { renderPlanJson } from '../../plan/render/json.js';
import { renderPlanMarkdown } from '../../plan/render/markdown.js';
import { renderPlanText } from '../../plan/render/text.js';
import { planHasChanges, planHasErrors } from '../../plan/outcome.js';
import { withImpacts } from '../../apply/planImpact.js';
import { withGuardrail } from '../../apply/guardrails.js';
import { resolveDowngradeLimit } from '../../config/repoConfig.js';

const FORMATS = ['text', 'markdown', 'json'] as const;
export const USAGE =
  'tierform plan [paths…] [--format text|markdown|json] [--out <file>] [--detailed-exitcode] [--merchant <id>] [--supersede] [--max-downgrades <n|p%>]';

export async function run(ctx: CommandContext): Promise<number> {
  const format = stringOption(ctx, 'format') ?? 'text';
  if (!(FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}`, USAGE);
  const paths = ctx.positionals.length > 0 ? ctx.positionals : ['programs'];
  const merchant = stringOption(ctx, 'merchant');
  const out = stringOption(ctx, 'out');
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
    // The impact of each rule change: one dry run per merchant that recalculates members.
    const plan = withGuardrail(await withImpacts(db, planned, ctx.now), maxDowngrades);
    const rendered = format === 'json' ? renderPlanJson(plan) : format === 'markdown' ? renderPlanMarkdown(plan) : renderPlanText(plan, { color: ctx.color });
    ctx.io.stdout.write(rendered.endsWith('\n') ? rendered : `${rendered}\n`);
    if (planHasErrors(plan)) return 1;
    if (out) {
      await writeFile(resolve(ctx.io.cwd, out), `${renderPlanJson(plan).trimEnd()}\n`);
      ctx.io.stderr.write(`Saved the plan to ${out}; apply exactly this plan with: tierform apply ${out}\n`);
    }
    return flag(ctx, 'detailed-exitcode') && planHasChanges(plan) ? 2 : 0;
  } finally {
    await db.close();
  }
}
