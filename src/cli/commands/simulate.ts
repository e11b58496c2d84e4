/** `tierform simulate [paths…] --from <date> --to <date>`: the proposed programs against the active ones over the stored history (SPEC §5). */
import type { CommandContext } from '../context.js';
import { stringOption } from '../context.js';
import { UsageError } from '../errors.js';
import { TierformError } from '../errors.js';
import { openDbFromContext, printTarget } from '../../store/open.js';
import { programPaths } from '../../config/repoConfig.js';
import { renderDiagnosticsText } from '../../document/render/text.js';
import { parseLocalDate } from '../../model/localDate.js';
import { progressFor } from '../progress.js';
import { simulate } from '../../simulate/simulate.js';
import { isSimulateFormat, renderSimulation, SIMULATE_FORMATS } from '../../simulate/render.js';

export const USAGE = 'tierform simulate [paths…] --from <date> --to <date> [--merchant <id>] [--format text|json|markdown]';

function dateOption(ctx: CommandContext, name: 'from' | 'to'): string {
  const text = stringOption(ctx, name);
  if (text === undefined) throw new UsageError(`--${name} <date> is required`, USAGE);
  const date = parseLocalDate(text);
  if (date === undefined) throw new UsageError(`--${name} must be a local date (YYYY-MM-DD), not ${JSON.stringify(text)}`, USAGE, 'usage.option-value');
  return date;
}

export async function run(ctx: CommandContext): Promise<number> {
  const format = stringOption(ctx, 'format') ?? 'text';
  if (!isSimulateFormat(format)) throw new UsageError(`--format must be one of ${SIMULATE_FORMATS.join(', ')}`, USAGE);
  const from = dateOption(ctx, 'from');
  const to = dateOption(ctx, 'to');
  if (from > to) throw new TierformError('simulate.range', `--from ${from} is after --to ${to}: the range must run forward`);
  const merchant = stringOption(ctx, 'merchant');
  const paths = await programPaths(ctx.positionals, ctx.io.cwd);
  const db = await openDbFromContext(ctx, 'simulate');
  const bar = progressFor(ctx);
  try {
    printTarget(ctx, db);
    const { validation, simulation } = await simulate(db, paths, {
      cwd: ctx.io.cwd,
      now: ctx.now,
      from,
      to,
      ...(merchant ? { merchant } : {}),
      onProgress: (m, side, done, total) => {
        bar.start(total, `simulating ${m} (${side})`, 'count');
        bar.update(done);
      },
    });
    bar.done();
    if (!simulation) {
      // Keep stdout parseable for --format json; people read the diagnostics either way.
      (format === 'json' ? ctx.io.stderr : ctx.io.stdout).write(renderDiagnosticsText(validation.reports, { color: ctx.color }));
      return 1;
    }
    ctx.io.stdout.write(renderSimulation(simulation, format));
    return 0;
  } finally {
    bar.done();
    await db.close();
  }
}
