/**
 * `tierform outbox list [merchant]` and `tierform outbox ack <merchant> <id…>`: the notifications
 * waiting for a sender, and marking them sent (docs/paid.md, "Outbox").
 */
import type { CommandContext } from '../context.js';
import { flag, stringOption } from '../context.js';
import { TierformError, UsageError } from '../errors.js';
import { openDbFromContext } from '../../store/open.js';
import { renderTable } from '../table.js';
import { ack, DEFAULT_PAGE, pageWaiting } from '../../outbox/store.js';
import { escapeText, formatCount } from '../../model/display.js';

const LIST_USAGE = 'tierform outbox list [merchant] [--all] [--limit <n>] [--after <id>] [--format text|json]';
/** The most rows one page may hold: a sender pages with --after rather than reading everything at once. */
const MAX_LIMIT = 10_000;
const ACK_USAGE = 'tierform outbox ack <merchant> <id…>';

export async function runList(ctx: CommandContext): Promise<number> {
  const format = stringOption(ctx, 'format') ?? 'text';
  if (format !== 'text' && format !== 'json') throw new UsageError('--format must be text or json', LIST_USAGE);
  const [merchant, ...extra] = ctx.positionals;
  if (extra.length > 0) throw new UsageError('outbox list takes at most one merchant', LIST_USAGE);
  const limit = integerOption(ctx, 'limit', DEFAULT_PAGE, 1, MAX_LIMIT);
  const after = integerOption(ctx, 'after', 0, 0, Number.MAX_SAFE_INTEGER);
  const db = await openDbFromContext(ctx, 'outbox list');
  try {
    const { entries, nextAfter } = await pageWaiting(db, { merchant, limit, after, ...(flag(ctx, 'all') ? {} : { releasedBy: ctx.now }) });
    // Only what is released by --now (notifications.sendAt), unless --all.
    // Nothing is cut silently: the next page's --after is said, on stderr for json (stdout stays an array).
    const moreLine = nextAfter === null ? '' : `more remain: --after ${nextAfter}\n`;
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
      ctx.io.stderr.write(moreLine);
    } else if (entries.length === 0) {
      ctx.io.stdout.write(`No notifications waiting${merchant ? ` for ${escapeText(merchant)}` : ''}${after > 0 ? ` after id ${after}` : ''}.\n`);
    } else {
      const rows = entries.map((e) => [e.merchant, String(e.id), e.event, e.member, e.createdAt, e.deliverAfter, e.message.replace(/[ \t\r\n]+/g, ' ')]);
      ctx.io.stdout.write(renderTable(['merchant', 'id', 'event', 'member', 'created at', 'deliver after', 'message'], rows));
      ctx.io.stdout.write(`${formatCount(entries.length)} shown${nextAfter === null ? '' : `; ${moreLine}`}${nextAfter === null ? '\n' : ''}`);
    }
    return 0;
  } finally {
    await db.close();
  }
}

function integerOption(ctx: CommandContext, name: string, fallback: number, min: number, max: number): number {
  const text = stringOption(ctx, name);
  if (text === undefined) return fallback;
  const n = /^[0-9]{1,16}$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be a whole number from ${formatCount(min)} to ${formatCount(max)} (got '${text}')`, LIST_USAGE);
  }
  return n;
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
