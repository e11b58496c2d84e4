/**
 * `tierform recalc <merchant> [--dry-run]`: recalculates every member under the active version
 * now, as a rule change would (SPEC §3.5, existingMembers: recalculate). --dry-run shows the
 * impact and writes nothing.
 */
import { escapeText, formatCount } from '../../model/display.js';
import type { CommandContext } from '../context.js';
import { flag, stringOption } from '../context.js';
import { UsageError } from '../errors.js';
import { openDbFromContext } from '../../store/open.js';
import { recalculationImpact } from '../../engine/index.js';
import { compileRules, type ProgramDocument } from '../../rules/index.js';
import { formatTransitions, impactTiers } from '../../plan/render/values.js';
import { renderTable } from '../table.js';
import { activeVersion, runJson, runToEnd } from '../runEngine.js';

export const USAGE = 'tierform recalc <merchant> [--dry-run] [--format text|json]';

export async function run(ctx: CommandContext): Promise<number> {
  const format = stringOption(ctx, 'format') ?? 'text';
  if (format !== 'text' && format !== 'json') throw new UsageError('--format must be text or json', USAGE);
  const [merchant, ...extra] = ctx.positionals;
  if (!merchant || extra.length > 0) throw new UsageError('recalc takes one merchant', USAGE);
  const db = await openDbFromContext(ctx, 'recalc');
  try {
    const { version, document } = await activeVersion(db, merchant);
    const at = ctx.now;
    if (flag(ctx, 'dry-run')) {
      const counts = await recalculationImpact(db, merchant, compileRules(document as ProgramDocument), at, 'recalculate');
      const impact = { asOf: at.toISOString(), ...counts };
      if (format === 'json') {
        ctx.io.stdout.write(`${JSON.stringify({ merchant, version, ...impact }, null, 2)}\n`);
      } else {
        const rows = impactTiers(impact).map((t) => [t, String(impact.before[t] ?? 0), String(impact.after[t] ?? 0)]);
        ctx.io.stdout.write(`Recalculating ${escapeText(merchant)} under v${version} at ${at.toISOString()} would move: ${formatTransitions(impact)}\n`);
        ctx.io.stdout.write(renderTable(['tier', 'before', 'after'], rows));
        ctx.io.stdout.write('Nothing was written (--dry-run).\n');
      }
      return 0;
    }
    const record = await runToEnd(
      ctx,
      db,
      { merchant, kind: 'recalculate', version, at, existingMembers: 'recalculate', key: `recalculate:manual:${at.toISOString()}` },
      `recalculating ${merchant}`,
    );
    if (format === 'json') ctx.io.stdout.write(`${JSON.stringify(runJson(record), null, 2)}\n`);
    else {
      ctx.io.stdout.write(
        `Recalculated ${formatCount(record.membersDone)} members of ${escapeText(merchant)} under v${version}: ` +
          `${formatCount(record.membersChanged)} changed tier.\n`,
      );
    }
    return 0;
  } finally {
    await db.close();
  }
}
