/** `tierform evaluate <merchant>`: one daily evaluation of every member now (SPEC §3.3). */
import { escapeText, formatCount } from '../../model/display.js';
import type { CommandContext } from '../context.js';
import { stringOption } from '../context.js';
import { UsageError } from '../errors.js';
import { openDbFromContext } from '../../store/open.js';
import { activeVersion, runJson, runToEnd } from '../runEngine.js';

export const USAGE = 'tierform evaluate <merchant> [--format text|json]';

export async function run(ctx: CommandContext): Promise<number> {
  const format = stringOption(ctx, 'format') ?? 'text';
  if (format !== 'text' && format !== 'json') throw new UsageError('--format must be text or json', USAGE);
  const [merchant, ...extra] = ctx.positionals;
  if (!merchant || extra.length > 0) throw new UsageError('evaluate takes one merchant', USAGE);
  const db = await openDbFromContext(ctx, 'evaluate');
  try {
    const { version } = await activeVersion(db, merchant);
    const at = ctx.now;
    // Keyed by the instant: rerunning with the same --now finds the finished run and does nothing.
    const record = await runToEnd(ctx, db, { merchant, kind: 'evaluate', version, at, key: `evaluate:manual:${at.toISOString()}` }, `evaluating ${merchant}`);
    if (format === 'json') ctx.io.stdout.write(`${JSON.stringify(runJson(record), null, 2)}\n`);
    else {
      ctx.io.stdout.write(
        `Evaluated ${formatCount(record.membersDone)} members of ${escapeText(merchant)} at ${at.toISOString()} under v${version}: ` +
          `${formatCount(record.membersChanged)} changed.\n`,
      );
    }
    return 0;
  } finally {
    await db.close();
  }
}
