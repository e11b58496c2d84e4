/**
 * `tierform fmt [paths…] [--check]`: rewrites YAML files in the canonical layout (keys in schema
 * order, two-space indentation), comments kept. `--check` writes nothing and exits 1 listing the
 * files that would change, for CI. A file that is not valid YAML is reported and nothing is written.
 */
import { writeFile } from 'node:fs/promises';
import type { CommandContext } from '../context.js';
import { flag } from '../context.js';
import { expandPaths } from '../../document/files.js';
import { readFileBounded } from '../../document/readBounded.js';
import { MAX_FILE_BYTES } from '../../document/programText.js';
import { canonicalize } from '../../format/canonical.js';
import { loadSchemas } from './schema.js';

export const USAGE = 'tierform fmt [paths…] [--check]';

export async function run(ctx: CommandContext): Promise<number> {
  const check = flag(ctx, 'check');
  const { files, problems: pathProblems } = await expandPaths(ctx.positionals.length > 0 ? ctx.positionals : ['programs'], ctx.io.cwd);
  const schemas = await loadSchemas();
  const problems = pathProblems.map((p) => `${p.path}:1:1: error ${p.code}: ${p.message}`);
  const changed: { path: string; absolute: string; text: string }[] = [];
  for (const f of files) {
    const read = await readFileBounded(f.open, { limit: MAX_FILE_BYTES, noFollow: f.walked });
    if (!read.ok) {
      problems.push(`${f.path}:1:1: error ${read.code}: ${read.message}`);
      continue;
    }
    const text = read.bytes.toString('utf8');
    const out = canonicalize(text, schemas);
    if (!out.ok) problems.push(`${f.path}:${out.line}:${out.column}: error yaml.syntax: ${out.message}`);
    else if (out.text !== text) changed.push({ path: f.path, absolute: f.open, text: out.text });
  }
  if (problems.length > 0) {
    ctx.io.stdout.write(`${problems.join('\n')}\nnothing was written\n`);
    return 1;
  }
  if (check) {
    for (const c of changed) ctx.io.stdout.write(`${c.path}\n`);
    ctx.io.stdout.write(changed.length === 0 ? `${files.length} file${files.length === 1 ? '' : 's'} formatted\n` : `${changed.length} of ${files.length} files would be reformatted (run tierform fmt)\n`);
    return changed.length === 0 ? 0 : 1;
  }
  for (const c of changed) {
    await writeFile(c.absolute, c.text);
    ctx.io.stdout.write(`formatted ${c.path}\n`);
  }
  if (changed.length === 0) ctx.io.stdout.write(`${files.length} file${files.length === 1 ? '' : 's'} already formatted\n`);
  return 0;
}
