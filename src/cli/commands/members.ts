/** `tierform members show|list`: a member's standing and a merchant's members (SPEC §5, §5.1). */
import type { CommandContext } from '../context.js';
import { stringOption } from '../context.js';
import { UsageError } from '../errors.js';
import { openDbFromContext } from '../../store/open.js';
import { readMemberStanding } from '../../members/standing.js';
import { listMembers } from '../../members/list.js';
import { renderMemberCard, renderMemberList } from '../../members/render.js';

export const SHOW_USAGE = 'tierform members show <merchant> <member> [--format text|json]';
export const LIST_USAGE = 'tierform members list <merchant> [--tier <id|basic>] [--limit <n>] [--format text|json]';
const DEFAULT_LIMIT = 100;

function formatOf(ctx: CommandContext, usage: string): 'text' | 'json' {
  const format = stringOption(ctx, 'format') ?? 'text';
  if (format !== 'text' && format !== 'json') throw new UsageError('--format must be text or json', usage);
  return format;
}

export async function runShow(ctx: CommandContext): Promise<number> {
  const format = formatOf(ctx, SHOW_USAGE);
  const [merchant, member, ...extra] = ctx.positionals;
  if (!merchant || !member || extra.length > 0) throw new UsageError('members show takes a merchant and a member', SHOW_USAGE);
  const db = await openDbFromContext(ctx, 'members show');
  try {
    const { standing, context } = await readMemberStanding(db, merchant, member, ctx.now);
    ctx.io.stdout.write(format === 'json' ? `${JSON.stringify(standing, null, 2)}\n` : renderMemberCard(standing, context));
    return 0;
  } finally {
    await db.close();
  }
}

export async function runList(ctx: CommandContext): Promise<number> {
  const format = formatOf(ctx, LIST_USAGE);
  const [merchant, ...extra] = ctx.positionals;
  if (!merchant || extra.length > 0) throw new UsageError('members list takes one merchant', LIST_USAGE);
  const tier = stringOption(ctx, 'tier');
  const limitText = stringOption(ctx, 'limit');
  const limit = limitText === undefined ? DEFAULT_LIMIT : Number(limitText);
  if (limitText !== undefined && (!/^\d+$/.test(limitText) || !Number.isSafeInteger(limit) || limit < 1)) {
    throw new UsageError(`--limit must be a positive whole number (got '${limitText}')`, LIST_USAGE);
  }
  const db = await openDbFromContext(ctx, 'members list');
  try {
    const list = await listMembers(db, merchant, tier, limit);
    ctx.io.stdout.write(format === 'json' ? `${JSON.stringify(list.members, null, 2)}\n` : renderMemberList(list, merchant, tier));
    return 0;
  } finally {
    await db.close();
  }
}
