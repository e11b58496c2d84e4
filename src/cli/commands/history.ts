/** `tierform history <merchant>`: every applied version (SPEC §4.4, §5.1). */
import type { CommandContext } from '../context.js';
import { stringOption } from '../context.js';
import { TierformError, UsageError } from '../errors.js';
import { openDbFromContext } from '../../store/open.js';
import { run as runSql } from '../../store/statement.js';
import { selectHistory, toLiveVersion, type VersionRow } from '../../store/versionStore.js';
import { renderTable } from '../table.js';

export const USAGE = 'tierform history <merchant> [--format text|json]';

export async function run(ctx: CommandContext): Promise<number> {
  const format = stringOption(ctx, 'format') ?? 'text';
  if (format !== 'text' && format !== 'json') throw new UsageError('--format must be text or json', USAGE);
  const [merchant, ...extra] = ctx.positionals;
  if (!merchant || extra.length > 0) throw new UsageError('history takes one merchant', USAGE);

  const db = await openDbFromContext(ctx, 'history');
  try {
    const versions = (await runSql<VersionRow>(db, selectHistory(merchant))).rows.map(toLiveVersion);
    if (versions.length === 0) throw new TierformError('state.unknown-merchant', `merchant ${merchant} has no applied versions`);
    const entries = versions.map((v) => ({
      version: v.version,
      status: v.status,
      hash: v.hash,
      sourceRef: v.sourceRef,
      actor: v.actor,
      appliedAt: v.appliedAt,
      effectiveAt: v.effectiveAt,
    }));
    if (format === 'json') {
      ctx.io.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
    } else {
      const rows = entries.map((e) => [
        String(e.version),
        e.status,
        e.appliedAt,
        e.effectiveAt ?? '-',
        e.actor,
        e.sourceRef ? e.sourceRef.slice(0, 12) : '-',
        e.hash.slice(0, 12),
      ]);
      ctx.io.stdout.write(renderTable(['version', 'status', 'applied at', 'effective at', 'actor', 'source', 'hash'], rows));
    }
    return 0;
  } finally {
    await db.close();
  }
}
