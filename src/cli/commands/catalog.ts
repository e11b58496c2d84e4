/**
 * `tierform catalog apply <file>` and `tierform catalog show` (SPEC §4.6): the platform's live
 * PlanCatalog. One module for both words; the registry loads it for each.
 */
import { escapeText } from '../../model/display.js';
import { stringify } from 'yaml';
import type { CommandContext } from '../context.js';
import { stringOption } from '../context.js';
import { TierformError, UsageError } from '../errors.js';
import { loadCatalogFile } from '../../catalog/load.js';
import { findRepositoryRoot } from '../../config/repoConfig.js';
import { openDbFromContext } from '../../store/open.js';
import { getStoredCatalog, putLiveCatalog, subscriptionNames } from '../../store/catalogStore.js';
import { defaultCatalog } from '../../catalog/builtin.js';
import { merchantsOutside } from '../../store/merchantStore.js';

export const APPLY_USAGE = 'tierform catalog apply <file>';
export const SHOW_USAGE = 'tierform catalog show [--format yaml|json]';

export async function runApply(ctx: CommandContext): Promise<number> {
  if (ctx.positionals.length !== 1) throw new UsageError('catalog apply takes one catalog file', APPLY_USAGE);
  const file = ctx.positionals[0]!;
  const catalog = await loadCatalogFile(file, ctx.io.cwd, await findRepositoryRoot(ctx.io.cwd));
  const names = subscriptionNames(catalog);
  const db = await openDbFromContext(ctx, 'catalog apply');
  try {
    await db.transaction(async (tx) => {
      // A catalog that drops a subscription merchants still hold would leave them without caps.
      const orphans = await merchantsOutside(tx, names);
      if (orphans.length > 0) {
        const list = orphans.slice(0, 10).map((o) => `${o.merchant} (${o.subscription})`).join(', ');
        throw new TierformError('caps.subscription', `the catalog drops subscriptions merchants still hold: ${list}${orphans.length > 10 ? ` and ${orphans.length - 10} more` : ''}; move them first with tierform merchant set`);
      }
      await putLiveCatalog(tx, catalog, ctx.now);
    });
  } finally {
    await db.close();
  }
  ctx.io.stdout.write(escapeText(`Live catalog is now ${catalog.metadata.name} (subscriptions: ${names.join(', ')}).`) + '\n');
  return 0;
}

export async function runShow(ctx: CommandContext): Promise<number> {
  const format = stringOption(ctx, 'format') ?? 'yaml';
  if (format !== 'yaml' && format !== 'json') throw new UsageError('--format must be yaml or json', SHOW_USAGE);
  if (ctx.positionals.length > 0) throw new UsageError('catalog show takes no arguments', SHOW_USAGE);
  const db = await openDbFromContext(ctx, 'catalog show');
  let stored;
  try {
    stored = await getStoredCatalog(db);
  } finally {
    await db.close();
  }
  const document = stored?.document ?? defaultCatalog;
  if (format === 'json') {
    ctx.io.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
  } else {
    const origin = stored ? `applied ${stored.appliedAt.toISOString()}` : 'built-in default; no catalog applied';
    ctx.io.stdout.write(`# live catalog (${origin})\n${stringify(document)}`);
  }
  return 0;
}
