/**
 * Expanding the paths a user names into the YAML files below them, in a stable order. Walking
 * never follows a symbolic link: each one met is reported (`file.symlink`), as is a YAML-named
 * entry that is not a regular file (`file.not-regular`). A path named on the command line may be
 * a link, but one inside the repository must not lead out of it (`file.outside-root`).
 */
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { resolveInsideRoot, type FileProblemCode } from './readBounded.js';

const YAML_FILE = /\.ya?ml$/i;
const SKIPPED_DIRS = new Set(['node_modules', '.git', '.tierform']);

export interface FoundFile {
  /** As the user would write it: relative to the current directory when given so. */
  path: string;
  /** Where it is, without following links (what path binding judges). */
  absolute: string;
  /** What to open: the real path of a named file; found by walking, the entry itself, never a link. */
  open: string;
  walked: boolean;
}

export interface PathProblem {
  path: string;
  code: FileProblemCode;
  message: string;
}

export type Expansion = { files: FoundFile[]; problems: PathProblem[] };

export async function expandPaths(paths: readonly string[], cwd: string, root?: string): Promise<Expansion> {
  const files: FoundFile[] = [];
  const problems: PathProblem[] = [];
  for (const p of paths) {
    const absolute = resolve(cwd, p);
    const inside = await resolveInsideRoot(absolute, root);
    if (!inside.ok) {
      problems.push({ path: p, code: inside.code, message: `${p} ${inside.message}` });
      continue;
    }
    const info = await stat(inside.path).catch(() => undefined);
    if (!info) problems.push({ path: p, code: 'file.unreadable', message: `no such file or directory: ${p}` });
    else if (info.isDirectory()) await walk(p, absolute, inside.path, files, problems);
    else files.push({ path: p, absolute, open: inside.path, walked: false });
  }
  const seen = new Set<string>();
  return { files: files.filter((f) => (seen.has(f.open) ? false : (seen.add(f.open), true))), problems };
}

async function walk(path: string, absolute: string, real: string, out: FoundFile[], problems: PathProblem[]): Promise<void> {
  const entries = await readdir(real, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const shown = join(path, e.name);
    if (e.isSymbolicLink()) {
      if (!SKIPPED_DIRS.has(e.name)) problems.push({ path: shown, code: 'file.symlink', message: `${shown} is a symbolic link; links are not followed when a directory is walked (replace it with the file, or name its target)` });
    } else if (e.isDirectory()) {
      if (!SKIPPED_DIRS.has(e.name) && !e.name.startsWith('.')) await walk(shown, join(absolute, e.name), join(real, e.name), out, problems);
    } else if (YAML_FILE.test(e.name)) {
      if (e.isFile()) out.push({ path: shown, absolute: join(absolute, e.name), open: join(real, e.name), walked: true });
      else problems.push({ path: shown, code: 'file.not-regular', message: `${shown} is not a regular file (a pipe, socket or device); only regular files are read` });
    }
  }
}
