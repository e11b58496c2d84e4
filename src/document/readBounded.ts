/**
 * The one way tierform reads a file it did not write (programs, catalogs, tierform.yaml): stat
 * before reading, regular files only, at most `limit + 1` bytes, and never through a symbolic
 * link that leads out of the repository root. A FIFO is opened non-blocking so a hostile file
 * cannot hang a check; a device such as /dev/zero is refused before a byte is read. Every file
 * read is YAML, so a file over the limit is `yaml.too-large`.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { open, realpath } from 'node:fs/promises';
import { isAbsolute, relative } from 'node:path';

export type FileProblemCode = 'file.unreadable' | 'file.not-regular' | 'file.outside-root' | 'file.symlink' | 'yaml.too-large';

export type BoundedRead =
  | { ok: true; bytes: Buffer }
  | { ok: false; code: FileProblemCode; message: string; size?: number };

export interface BoundedReadOptions {
  /** The most bytes accepted; one more is read to tell "exactly the limit" from "over it". */
  limit: number;
  /** The repository root: a path inside it must not lead out of it through a link. */
  root?: string;
  /** The path found by walking a directory: it must not be a link at all (O_NOFOLLOW). */
  noFollow?: boolean;
}

/** True when `path` is `dir` or below it (both absolute). */
export function isInside(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/**
 * Where `absolute` really leads, when it is inside `root`: its real path must be inside the
 * root's real path. A path outside the root was named on purpose by whoever runs tierform and
 * is taken as it is. Returns the path to open, or a problem.
 */
export async function resolveInsideRoot(absolute: string, root: string | undefined): Promise<{ ok: true; path: string } | { ok: false; code: FileProblemCode; message: string }> {
  let real: string;
  try {
    real = await realpath(absolute);
  } catch (err) {
    return { ok: false, code: 'file.unreadable', message: errnoOf(err) === 'ENOENT' ? 'no such file or directory' : `cannot be read (${errnoOf(err) ?? 'error'})` };
  }
  if (root !== undefined && isInside(root, absolute)) {
    const realRoot = await realpath(root).catch(() => root);
    if (!isInside(realRoot, real)) {
      return { ok: false, code: 'file.outside-root', message: `is a symbolic link that leads out of the repository (to ${real}); tierform reads only files inside ${root}` };
    }
  }
  return { ok: true, path: real };
}

export async function readFileBounded(absolute: string, opts: BoundedReadOptions): Promise<BoundedRead> {
  let target = absolute;
  if (!opts.noFollow) {
    const inside = await resolveInsideRoot(absolute, opts.root);
    if (!inside.ok) return inside;
    target = inside.path;
  }
  return readRegularFileSync(target, opts.limit);
}

/**
 * The read itself, synchronous: open (never through a link), stat, at most `limit + 1` bytes,
 * close. The files are small and local; a read through the thread pool costs several times the
 * read itself, so `validate` reads its files one after another with this.
 */
export function readRegularFileSync(target: string, limit: number): BoundedRead {
  let fd: number;
  try {
    fd = openSync(target, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
  } catch (err) {
    const code = errnoOf(err);
    if (code === 'ELOOP') return { ok: false, code: 'file.symlink', message: 'is a symbolic link; links are not followed here' };
    if (code === 'ENOENT') return { ok: false, code: 'file.unreadable', message: 'no such file or directory' };
    if (code === 'EISDIR') return { ok: false, code: 'file.not-regular', message: 'is a directory, not a file' };
    return { ok: false, code: 'file.unreadable', message: `cannot be read (${code ?? 'error'})` };
  }
  try {
    const info = fstatSync(fd);
    if (!info.isFile()) return { ok: false, code: 'file.not-regular', message: `is ${describeKind(info)}, not a regular file` };
    if (info.size > limit) return { ok: false, code: 'yaml.too-large', message: 'is too large', size: info.size };
    // The size can lie (a file still growing, /proc): read at most limit + 1 bytes whatever it
    // says. One byte past the stated size tells a file that grew; a size of 0 may be /proc's.
    // Only the bytes read are ever returned, so the buffer need not be zeroed.
    let chunk = Buffer.allocUnsafe(Math.min(limit + 1, info.size > 0 ? info.size + 1 : 64 * 1024));
    let filled = 0;
    for (;;) {
      if (filled === chunk.length) {
        if (chunk.length > limit) break;
        const bigger = Buffer.allocUnsafe(Math.min(limit + 1, Math.max(chunk.length * 2, 64 * 1024)));
        chunk.copy(bigger, 0, 0, filled);
        chunk = bigger;
      }
      const bytesRead = readSync(fd, chunk, filled, chunk.length - filled, null);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    if (filled > limit) return { ok: false, code: 'yaml.too-large', message: 'is too large', size: filled };
    return { ok: true, bytes: chunk.subarray(0, filled) };
  } catch (err) {
    return { ok: false, code: 'file.unreadable', message: `cannot be read (${errnoOf(err) ?? 'error'})` };
  } finally {
    closeSync(fd);
  }
}

function describeKind(info: { isDirectory(): boolean; isFIFO(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isSocket(): boolean }): string {
  if (info.isDirectory()) return 'a directory';
  if (info.isFIFO()) return 'a named pipe (FIFO)';
  if (info.isCharacterDevice() || info.isBlockDevice()) return 'a device';
  if (info.isSocket()) return 'a socket';
  return 'not a regular file';
}

export function errnoOf(err: unknown): string | undefined {
  return err && typeof err === 'object' && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}
