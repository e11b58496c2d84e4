/** `tierform db check`: verifies tierform's tables and indexes in place; changes nothing. */
import type { CommandContext } from '../context.js';
import { stringOption } from '../context.js';
import { TierformError, UsageError } from '../errors.js';
import { dbTargetFromContext, openDbFromContext, printTarget } from '../../store/open.js';
import { checkDatabase } from '../../store/verify.js';
import { DEFAULT_SCHEMA } from '../../store/target.js';

export const USAGE = 'tierform db check [--format text|json]';

export async function run(ctx: CommandContext): Promise<number> {
  const format = stringOption(ctx, 'format') ?? 'text';
  if (format !== 'text' && format !== 'json') throw new UsageError('--format must be text or json', USAGE);
  if (ctx.positionals.length > 0) throw new UsageError('db check takes no arguments', USAGE);
  const embedded = dbTargetFromContext(ctx).kind === 'pglite';
  // amcheck ships with PGlite as an extension; it is loaded for this command only.
  const extensions = embedded ? { amcheck: (await import('@electric-sql/pglite/contrib/amcheck')).amcheck } : undefined;
  const db = await openDbFromContext(ctx, 'db check', { checkSchema: false, skipSizeCheck: true, ...(extensions ? { extensions } : {}) });
  try {
    const schema = db.schema ?? DEFAULT_SCHEMA;
    const present = await db.query<{ t: string | null }>(`SELECT to_regclass(format('%I.schema_migrations', $1::text))::text AS t`, [schema]);
    if (!present.rows[0]?.t) throw new TierformError('db.schema-missing', `this database has no tierform schema ${schema}; nothing to check`);
    const report = await checkDatabase(db, schema);
    if (format === 'json') {
      ctx.io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    } else {
      printTarget(ctx, db);
      for (const t of report.tables) {
        const counts = t.rows === null ? 'unreadable' : `${t.rows.toLocaleString('en-US')} row${t.rows === 1 ? '' : 's'}`;
        ctx.io.stdout.write(`${t.problems.length === 0 ? 'ok     ' : 'DAMAGED'}  ${t.table}  ${counts}\n`);
        for (const p of t.problems) ctx.io.stdout.write(`         ${p}\n`);
      }
      for (const p of report.problems) ctx.io.stdout.write(`DAMAGED  ${p}\n`);
      ctx.io.stdout.write(report.amcheck === 'ran' ? 'amcheck: indexes and heaps verified\n' : 'amcheck: not available on this server (install the amcheck extension for deeper checks)\n');
    }
    if (!report.ok) {
      const found = 'the database has damaged tables or indexes (above); nothing was changed.';
      if (embedded) throw new TierformError('db.embedded-corrupt', `${found} Restore the directory from a backup, or move it aside with tierform db init --force (a new, empty database).`);
      throw new TierformError('db.check-failed', `${found} Restore from a backup (see docs/guide/operating.md, Backups).`);
    }
    if (format === 'text') ctx.io.stdout.write(`The database is intact (${report.tables.length} tables).\n`);
    return 0;
  } finally {
    await db.close();
  }
}
