/** `tierform schedule list` and `tierform schedule cancel <merchant>`: pending take-effect-later changes. */
import { escapeText } from '../../model/display.js';
import type { CommandContext } from '../context.js';
import { stringOption } from '../context.js';
import { UsageError } from '../errors.js';
import { lockTimeoutMsFromContext, openDbFromContext } from '../../store/open.js';
import { cancelPendingChange, listPendingChanges } from '../../schedule/pending.js';
import { resolveActor } from '../provenance.js';
import { renderTable } from '../table.js';

const LIST_USAGE = 'tierform schedule list [--format text|json]';
const CANCEL_USAGE = 'tierform schedule cancel <merchant> [--actor <name>] [--format text|json]';

export async function runList(ctx: CommandContext): Promise<number> {
  const format = stringOption(ctx, 'format') ?? 'text';
  if (format !== 'text' && format !== 'json') throw new UsageError('--format must be text or json', LIST_USAGE);
  if (ctx.positionals.length > 0) throw new UsageError('schedule list takes no arguments', LIST_USAGE);
  const db = await openDbFromContext(ctx, 'schedule list');
  try {
    const pending = await listPendingChanges(db);
    if (format === 'json') {
      ctx.io.stdout.write(`${JSON.stringify(pending, null, 2)}\n`);
      return 0;
    }
    if (pending.length === 0) {
      ctx.io.stdout.write('No pending changes.\n');
      return 0;
    }
    const rows = pending.map((p) => [
      p.merchant,
      String(p.version),
      (p.at ?? '-') + (p.takingEffect ? ' (taking effect)' : ''),
      p.appliedBy,
      p.appliedAt,
      Object.entries(p.changes)
        .map(([cls, n]) => `${n} ${cls}`)
        .join(', ') || 'none',
    ]);
    ctx.io.stdout.write(renderTable(['merchant', 'version', 'at', 'applied by', 'applied at', 'changes'], rows));
    return 0;
  } finally {
    await db.close();
  }
}

export async function runCancel(ctx: CommandContext): Promise<number> {
  const format = stringOption(ctx, 'format') ?? 'text';
  if (format !== 'text' && format !== 'json') throw new UsageError('--format must be text or json', CANCEL_USAGE);
  const [merchant, ...extra] = ctx.positionals;
  if (!merchant || extra.length > 0) throw new UsageError('schedule cancel takes one merchant', CANCEL_USAGE);
  const lockTimeoutMs = lockTimeoutMsFromContext(ctx, CANCEL_USAGE);
  const db = await openDbFromContext(ctx, 'schedule cancel');
  try {
    const cancelled = await cancelPendingChange(db, merchant, { lockTimeoutMs, actor: resolveActor(ctx), now: ctx.now });
    if (format === 'json') ctx.io.stdout.write(`${JSON.stringify(cancelled, null, 2)}\n`);
    else ctx.io.stdout.write(`${escapeText(merchant)}: cancelled version ${cancelled.version} (it was to take effect at ${cancelled.at ?? '-'}), by ${escapeText(cancelled.cancelledBy)}\n`);
    return 0;
  } finally {
    await db.close();
  }
}
