/** `tierform history <merchant>`: every applied version (SPEC §4.4, §5.1). */
import type { CommandContext } from '../context.js';
import { stringOption } from '../context.js';
import { TierformError, UsageError } from '../errors.js';
import { openDbFromContext } from '../../store/open.js';
import { run as runSql } from '../../store/statement.js';
import { selectHistory, toLiveVersion, type HistoryRow } from '../../store/versionStore.js';
import { toIso } from '../../store/statement.js';
import { renderTable } from '../table.js';

export const USAGE = 'tierform history <merchant> [--format text|json]';

export async function run(ctx: CommandContext): Promise<number> {
  const format = stringOption(ctx, 'format') ?? 'text';
  if (format !== 'text' && format !== 'json') throw new UsageError('--format must be text or json', USAGE);
  const [merchant, ...extra] = ctx.positionals;
  if (!merchant || extra.length > 0) throw new UsageError('history takes one merchant', USAGE);

  const db = await openDbFromContext(ctx, 'history');
  try {
    const rows = (await runSql<HistoryRow>(db, selectHistory(merchant))).rows;
    const versions = rows.map(toLiveVersion);
    if (versions.length === 0) throw new TierformError('state.unknown-merchant', `merchant ${merchant} has no applied versions`);
    const entries = versions.map((v, i) => ({
      version: v.version,
      status: v.status,
      hash: v.hash,
      sourceRef: v.sourceRef,
      actor: v.actor,
      appliedAt: v.appliedAt,
      effectiveAt: v.effectiveAt,
      // Only on cancelled versions (additive: other entries keep their SPEC §5.1 shape).
      ...(rows[i]!.cancelled_by !== null ? { cancelledBy: rows[i]!.cancelled_by, cancelledAt: rows[i]!.cancelled_at === null ? null : toIso(rows[i]!.cancelled_at!) } : {}),
    }));
    if (format === 'json') {
      ctx.io.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
    } else {
      const rows = entries.map((e) => [
        String(e.version),
        e.status + ('cancelledBy' in e ? ` by ${e.cancelledBy}` : ''),
        e.appliedAt,
        e.effectiveAt ?? '-',
        e.actor,
        e.sourceRef ? shortRef(e.sourceRef) : '-',
        e.hash.slice(0, 12),
      ]);
      ctx.io.stdout.write(renderTable(['version', 'status', 'applied at', 'effective at', 'actor', 'source', 'hash'], rows));
    }
    return 0;
  } finally {
    await db.close();
  }
}

/** A commit id shortened for the table; the `+dirty` mark of SPEC §4.7 always stays visible. */
function shortRef(ref: string): string {
  const dirty = ref.endsWith('+dirty');
  const base = dirty ? ref.slice(0, -'+dirty'.length) : ref;
  return `${base.slice(0, 12)}${dirty ? '+dirty' : ''}`;
}
