/** `tierform db migrate`: applies pending schema migrations and says which. */
import type { CommandContext } from '../context.js';
import { flag, stringOption } from '../context.js';
import { UsageError } from '../errors.js';
import { openDbFromContext } from '../../store/open.js';
import { assertSchemaCurrent, loadMigrations, migrate, schemaStatus } from '../../store/migrate.js';

export const USAGE = 'tierform db migrate [--format text|json]';

const label = (m: { version: number; name: string }): string => `${String(m.version).padStart(4, '0')}_${m.name}`;

export async function run(ctx: CommandContext): Promise<number> {
  const format = stringOption(ctx, 'format') ?? 'text';
  if (format !== 'text' && format !== 'json') throw new UsageError('--format must be text or json', USAGE);
  if (ctx.positionals.length > 0) throw new UsageError('db migrate takes no arguments', USAGE);
  const known = await loadMigrations();
  const db = await openDbFromContext(ctx, 'db migrate', { checkSchema: false });
  try {
    // With --no-migrate it only checks: exit 0 when current, db.schema-behind otherwise.
    if (flag(ctx, 'no-migrate')) await assertSchemaCurrent(db, known);
    const moved: string[] = [];
    const applied = await migrate(db, known, { onMoved: (names) => moved.push(...names) });
    const { applied: all } = await schemaStatus(db, known);
    if (format === 'text' && moved.length > 0) ctx.io.stdout.write(`moved ${moved.length} tables and sequences from schema public into schema ${db.schema ?? 'tierform'}\n`);
    if (format === 'json') {
      ctx.io.stdout.write(`${JSON.stringify({ applied: applied.map(label), current: all.length, moved }, null, 2)}\n`);
    } else if (applied.length === 0) {
      ctx.io.stdout.write(`The schema is up to date (${all.length} migration${all.length === 1 ? '' : 's'}).\n`);
    } else {
      for (const m of applied) ctx.io.stdout.write(`applied ${label(m)}\n`);
    }
    return 0;
  } finally {
    await db.close();
  }
}
