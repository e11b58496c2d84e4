/** `tierform schema [kind]`: prints a document kind's JSON Schema, for editors and other tools. */
import { readFile } from 'node:fs/promises';
import type { CommandContext } from '../context.js';
import { UsageError } from '../errors.js';

const USAGE = 'tierform schema [MembershipProgram|PlanCatalog]';

/** Schema files by kind, relative to this module (src/cli/commands or dist/cli/commands). */
export const SCHEMAS = {
  MembershipProgram: new URL('../../../schemas/membership-program.schema.json', import.meta.url),
  PlanCatalog: new URL('../../../schemas/plan-catalog.schema.json', import.meta.url),
} as const;

/** Every schema, parsed, by kind. */
export async function loadSchemas(): Promise<Record<string, Record<string, unknown>>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [kind, url] of Object.entries(SCHEMAS)) out[kind] = JSON.parse(await readFile(url, 'utf8')) as Record<string, unknown>;
  return out;
}

export async function run(ctx: CommandContext): Promise<number> {
  if (ctx.positionals.length > 1) throw new UsageError(`schema takes at most one kind, got ${ctx.positionals.length}`, USAGE);
  const wanted = ctx.positionals[0] ?? 'MembershipProgram';
  const kind = (Object.keys(SCHEMAS) as (keyof typeof SCHEMAS)[]).find((k) => k.toLowerCase() === wanted.toLowerCase());
  if (!kind) throw new UsageError(`unknown kind '${wanted}'; use MembershipProgram or PlanCatalog`, USAGE);
  const text = await readFile(SCHEMAS[kind], 'utf8');
  ctx.io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  return 0;
}
