/**
 * `tierform db init [--force]`: creates tierform's database — the embedded directory, or the
 * schema on a server — and migrates it. `--force` (embedded only) first moves a damaged
 * directory aside as `<dir>.damaged-<instant>`: nothing is deleted.
 */
import type { CommandContext } from '../context.js';
import { flag, stringOption } from '../context.js';
import { TierformError, UsageError } from '../errors.js';
import { dbTargetFromContext, lockTimeoutMsFromContext, openDbFromContext, printTarget } from '../../store/open.js';
import { inspectDataDir, moveAside, realDataDir } from '../../store/embeddedDir.js';
import { acquireEmbeddedLock } from '../../store/embeddedLock.js';

export const USAGE = 'tierform db init [--force]';

export async function run(ctx: CommandContext): Promise<number> {
  if (ctx.positionals.length > 0) throw new UsageError('db init takes no arguments', USAGE);
  if (stringOption(ctx, 'format') !== undefined && stringOption(ctx, 'format') !== 'text') throw new UsageError('--format must be text', USAGE);
  const target = dbTargetFromContext(ctx);
  if (target.kind === 'pg' && flag(ctx, 'force')) {
    throw new UsageError('--force re-initialises an embedded database only; on a server, restore from a backup or drop the schema yourself', USAGE);
  }
  if (target.kind === 'pglite') {
    const dir = realDataDir(target.dataDir);
    if (flag(ctx, 'force')) {
      const lock = await acquireEmbeddedLock(dir, { timeoutMs: lockTimeoutMsFromContext(ctx, USAGE), command: 'tierform db init --force' });
      try {
        const aside = moveAside(dir, ctx.now.toISOString().replace(/[:.]/g, '-'));
        if (aside) ctx.io.stdout.write(`moved the old database aside to ${aside}\n`);
      } finally {
        lock.release();
      }
    } else if (inspectDataDir(dir).state !== 'absent') {
      throw new TierformError('db.exists', `${target.dataDir} already holds a database; nothing was changed (tierform db init --force moves it aside and starts a new one)`);
    }
  }
  const db = await openDbFromContext(ctx, 'db init');
  try {
    printTarget(ctx, db);
    ctx.io.stdout.write('The database is ready: tierform\'s schema is created and migrated.\n');
    return 0;
  } finally {
    await db.close();
  }
}
