/** `tierform show <planfile>`: renders a saved plan exactly as plan printed it (SPEC §4.7). */
import type { CommandContext } from '../context.js';
import { stringOption } from '../context.js';
import { UsageError } from '../errors.js';
import { readSavedPlan } from '../../apply/savedPlan.js';
import { isPlanFormat, PLAN_FORMATS, renderPlanAs } from '../../plan/render/format.js';

export const USAGE = 'tierform show <planfile> [--format text|markdown|json]';

export async function run(ctx: CommandContext): Promise<number> {
  const format = stringOption(ctx, 'format') ?? 'text';
  if (!isPlanFormat(format)) throw new UsageError(`--format must be one of ${PLAN_FORMATS.join(', ')}`, USAGE);
  const [path, ...extra] = ctx.positionals;
  if (!path || extra.length > 0) throw new UsageError('show takes one saved plan file', USAGE);
  // The seal is checked first: a reviewer never reads an edited file as if it were the plan.
  const plan = await readSavedPlan(path, ctx.io.cwd);
  ctx.io.stdout.write(renderPlanAs(plan, format, { color: ctx.color }));
  return 0;
}
