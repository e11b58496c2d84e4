/**
 * `tierform export <merchant>`: the active version as a program file. The output validates and
 * plans to `noop` when saved as `programs/<merchant>/program.yaml`.
 */
import { documentText } from '../../document/programText.js';
import type { CommandContext } from '../context.js';
import { TierformError, UsageError } from '../errors.js';
import { openDbFromContext } from '../../store/open.js';
import { readSnapshot } from '../../store/snapshot.js';

export const USAGE = 'tierform export <merchant>';

/** Relative to `programs/<merchant>/program.yaml`, where an exported file belongs. */
const SCHEMA_MODELINE = '# yaml-language-server: $schema=../../schemas/membership-program.schema.json';

export async function run(ctx: CommandContext): Promise<number> {
  const [merchant, ...extra] = ctx.positionals;
  if (!merchant || extra.length > 0) throw new UsageError('export takes one merchant', USAGE);
  const db = await openDbFromContext(ctx, 'export');
  try {
    const live = (await readSnapshot(db, { merchants: [merchant] })).merchants.get(merchant);
    if (!live) throw new TierformError('state.unknown-merchant', `merchant ${merchant} is not in the live state`);
    if (!live.active) throw new TierformError('state.no-active-version', `merchant ${merchant} has no active version to export`);
    ctx.io.stdout.write(renderProgramYaml(live.active.document));
    return 0;
  } finally {
    await db.close();
  }
}

export function renderProgramYaml(document: unknown): string {
  // The stored document is canonical (keys in SPEC order, one spelling of every amount), with
  // the source's aliases expanded: block YAML, or compact JSON when that alone fits the limit.
  return documentText(document, `${SCHEMA_MODELINE}\n`).text;
}
