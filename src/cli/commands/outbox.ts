/**
 * `tierform outbox list [merchant]` and `tierform outbox ack <merchant> <id…>`: the notifications
 * waiting for a sender, and marking them sent (docs/paid.md, "Outbox").
 */
import type { CommandContext } from '../context.js';
import { flag, stringOption } from '../context.js';
import { TierformError, UsageError } from '../errors.js';
import { openDbFromContext } from '../../store/open.js';
import { renderTable } from '../table.js';
import { ack, listWaiting } from '../../outbox/store.js';

const LIST_USAGE = 'tierform outbox list [merchant] [--all] [--format text|json]';
const ACK_USAGE = 'tierform outbox ack <merchant> <id…>';

export async function runList(ctx: CommandContext): Promise<number> {
  const format = stringOption(ctx, 'format') ?? 'text';
  if (format !== 'text' && format !== 'json') throw new UsageError('--format must be text or json', LIST_USAGE);
  const [merchant, ...extra] = ctx.positionals;
  if (extra.length > 0) throw new UsageError('outbox list takes at most one merchant', LIST_USAGE);
  const db = await openDbFromContext(ctx, 'outbox list');
  try {
    // Only what is released by --now (notifications.sendAt), unless --all.
    const entries = await listWaiting(db, merchant, 1000, flag(ctx, 'all') ? {} : { releasedBy: ctx.now });
    if (format === 'json') {
      const body = entries.map((e) => ({
        merchant: e.merchant,
        id: e.id,
        key: e.key,
        event: e.event,
        member: e.member,
        message: e.message,
        payload: e.payload,
        version: e.version,
        createdAt: e.createdAt,
        deliverAfter: e.deliverAfter,
      }));
      ctx.io.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
    } else if (entries.length === 0) {
      ctx.io.stdout.write(`No notifications waiting${merchant ? ` for ${merchant}` : ''}.\n`);
    } else {
      const rows = entries.map((e) => [e.merchant, String(e.id), e.event, e.member, e.createdAt, e.deliverAfter, e.message.replace(/\s+/g, ' ')]);
      ctx.io.stdout.write(renderTable(['merchant', 'id', 'event', 'member', 'created at', 'deliver after', 'message'], rows));
    }
    return 0;
  } finally {
    await db.close();
  }
}

export async function runAck(ctx: CommandContext): Promise<number> {
  const [merchant, ...idTexts] = ctx.positionals;
  if (!merchant || idTexts.length === 0) throw new UsageError('outbox ack takes a merchant and at least one id', ACK_USAGE);
  const ids = idTexts.map((text) => {
    if (!/^[1-9][0-9]{0,17}$/.test(text)) throw new UsageError(`'${text}' is not an outbox id (a positive integer)`, ACK_USAGE);
    return Number(text);
  });
  const db = await openDbFromContext(ctx, 'outbox ack');
  try {
    const result = await db.transaction((tx) => ack(tx, merchant, ids, ctx.now));
    if (result.unknown.length > 0) {
      throw new TierformError(
        'outbox.unknown-id',
        `merchant ${merchant}'s outbox holds no notification ${result.unknown.join(', ')}; nothing was acknowledged`,
      );
    }
    const already = new Set(ids).size - result.acked;
    ctx.io.stdout.write(`Acknowledged ${result.acked} notification${result.acked === 1 ? '' : 's'}${already > 0 ? ` (${already} already acknowledged)` : ''}.\n`);
    return 0;
  } finally {
    await db.close();
  }
}
