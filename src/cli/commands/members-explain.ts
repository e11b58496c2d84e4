/** `tierform members explain`: why a member holds their tier at --now (SPEC v1.1 §5). */
import type { CommandContext } from '../context.js';
import { stringOption } from '../context.js';
import { UsageError } from '../errors.js';
import { openDbFromContext } from '../../store/open.js';
import { explainMemberNow } from '../../members/explain.js';
import { renderExplainText } from '../../members/explainText.js';

export const EXPLAIN_USAGE = 'tierform members explain <merchant> <member> [--now <instant>] [--format text|json]';

export async function run(ctx: CommandContext): Promise<number> {
  const format = stringOption(ctx, 'format') ?? 'text';
  if (format !== 'text' && format !== 'json') throw new UsageError('--format must be text or json', EXPLAIN_USAGE);
  const [merchant, member, ...extra] = ctx.positionals;
  if (!merchant || !member || extra.length > 0) throw new UsageError('members explain takes a merchant and a member', EXPLAIN_USAGE);
  const db = await openDbFromContext(ctx, 'members explain');
  try {
    const { view } = await explainMemberNow(db, merchant, member, ctx.now);
    ctx.io.stdout.write(format === 'json' ? `${JSON.stringify(view, null, 2)}\n` : renderExplainText(view));
    return 0;
  } finally {
    await db.close();
  }
}
