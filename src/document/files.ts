/** Expanding the paths a user names into the YAML files below them, in a stable order. */
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';

const YAML_FILE = /\.ya?ml$/i;
const SKIPPED_DIRS = new Set(['node_modules', '.git', '.tierform']);

export interface FoundFile {
  /** As the user would write it: relative to the current directory when given so. */
  path: string;
  absolute: string;
}

export type Expansion = { files: FoundFile[]; missing: string[] };

export async function expandPaths(paths: readonly string[], cwd: string): Promise<Expansion> {
  const files: FoundFile[] = [];
  const missing: string[] = [];
  for (const p of paths) {
    const absolute = resolve(cwd, p);
    const info = await stat(absolute).catch(() => undefined);
    if (!info) missing.push(p);
    else if (info.isDirectory()) await walk(p, absolute, files);
    else files.push({ path: p, absolute });
  }
  const seen = new Set<string>();
  return { files: files.filter((f) => (seen.has(f.absolute) ? false : (seen.add(f.absolute), true))), missing };
}

async function walk(path: string, absolute: string, out: FoundFile[]): Promise<void> {
  const entries = await readdir(absolute, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    if (e.isDirectory()) {
      if (!SKIPPED_DIRS.has(e.name) && !e.name.startsWith('.')) await walk(join(path, e.name), join(absolute, e.name), out);
    } else if (e.isFile() && YAML_FILE.test(e.name)) {
      out.push({ path: join(path, e.name), absolute: join(absolute, e.name) });
    }
  }
}
