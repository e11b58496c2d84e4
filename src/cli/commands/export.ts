/**
 * `tierform export <merchant>`: the active version as a program file. The output validates and
 * plans to `noop` when saved as `programs/<merchant>/program.yaml`.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { documentText } from '../../document/programText.js';
import type { CommandContext } from '../context.js';
import { stringOption } from '../context.js';
import { mergeInto } from '../../format/mergeInto.js';
import { loadSchemas } from './schema.js';
import { TierformError, UsageError } from '../errors.js';
import { openDbFromContext } from '../../store/open.js';
import { readSnapshot } from '../../store/snapshot.js';

export const USAGE = 'tierform export <merchant> [--into <file>]';

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
    const into = stringOption(ctx, 'into');
    if (!into) {
      ctx.io.stdout.write(renderProgramYaml(live.active.document));
      return 0;
    }
    await writeInto(resolve(ctx.io.cwd, into), into, live.active.document);
    ctx.io.stdout.write(`wrote version ${live.active.version} of ${merchant} into ${into}\n`);
    return 0;
  } finally {
    await db.close();
  }
}

/** The existing file keeps its comments; a missing one is created as plain export prints it. */
async function writeInto(absolute: string, shown: string, document: unknown): Promise<void> {
  let existing: string;
  try {
    existing = await readFile(absolute, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new TierformError('export.file', `cannot read ${shown}: ${(e as Error).message}; nothing was written`);
    await writeFile(absolute, renderProgramYaml(document));
    return;
  }
  const merged = mergeInto(existing, document as Parameters<typeof mergeInto>[1], await loadSchemas());
  if (!merged.ok) throw new TierformError('export.file', `${shown} is not valid YAML (${merged.message}); fix it, or export without --into; nothing was written`);
  await writeFile(absolute, merged.text);
}

export function renderProgramYaml(document: unknown): string {
  // The stored document is canonical (keys in SPEC order, one spelling of every amount), with
  // the source's aliases expanded: block YAML, or compact JSON when that alone fits the limit.
  return documentText(document, `${SCHEMA_MODELINE}\n`).text;
}
