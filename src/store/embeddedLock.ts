/**
 * One process at a time on an embedded database: a lock file beside the data directory, created
 * with O_EXCL. The file names its holder (pid, process start, command, since). A holder that
 * died (killed, crashed) leaves a file whose pid is gone: the next process removes it and takes
 * the lock, so a killed process never leaves the database locked.
 */
import { closeSync, linkSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync, mkdirSync, fstatSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { TierformError } from '../cli/errors.js';

export interface LockHolder {
  pid: number;
  /** The holder's process start (Linux: /proc/<pid>/stat field 22), to tell a reused pid apart. */
  processStart: string | null;
  host: string;
  command: string;
  /** Wall-clock instant the lock was taken (ISO 8601); for people reading the error. */
  since: string;
  token: string;
}

export interface EmbeddedLock {
  readonly path: string;
  readonly holder: LockHolder;
  release(): void;
}

export interface AcquireOptions {
  /** How long to wait for another holder, in milliseconds. */
  timeoutMs: number;
  /** What the holder is doing, shown to a waiting process: e.g. "tierform apply". */
  command: string;
  /** Wall clock for `since` and for waiting; injected so tests can pin it. */
  clock?: () => Date;
  pollMs?: number;
}

export function lockPathFor(dataDir: string): string {
  return `${dataDir.replace(/[\\/]+$/, '')}.lock`;
}

function processStartOf(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2 (comm) may contain spaces and parentheses; fields after the last ')' are plain.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return rest[19] ?? null; // field 22 overall
  } catch {
    return null;
  }
}

function isAlive(holder: LockHolder): boolean {
  if (holder.host !== hostname()) return true; // cannot tell for another machine: assume alive
  try {
    process.kill(holder.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    // EPERM: the pid exists but belongs to someone else.
  }
  if (holder.processStart !== null) {
    const now = processStartOf(holder.pid);
    if (now !== null && now !== holder.processStart) return false; // the pid was reused
  }
  return true;
}

function readHolder(path: string): { holder: LockHolder | undefined; ino: number } | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const ino = fstatSync(fd).ino;
    const text = readFileSync(fd, 'utf8');
    try {
      return { holder: JSON.parse(text) as LockHolder, ino };
    } catch {
      // Written but not yet filled (a holder between create and write), or garbage.
      return { holder: undefined, ino };
    }
  } finally {
    closeSync(fd);
  }
}

/** Creates the lock file with our holder record; false when it exists. */
function tryCreate(path: string, holder: LockHolder): boolean {
  // Write a complete record first, then link it into place: the lock file is never half-written.
  const tmp = `${path}.${process.pid}.${holder.token}.tmp`;
  const fd = openSync(tmp, 'wx');
  try {
    writeSync(fd, JSON.stringify(holder));
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, path); // fails with EEXIST when held: atomic like O_EXCL
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    unlinkSync(tmp);
  }
}

/**
 * Removes a stale lock file, but only the very file judged stale: it is renamed away (atomic;
 * of several processes racing, one wins) and its inode checked. Had a live holder replaced it in
 * between, the file is linked back.
 */
function removeStale(path: string, staleIno: number): void {
  const aside = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.stale`;
  try {
    renameSync(path, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // someone else removed it
    throw err;
  }
  if (statSync(aside).ino !== staleIno) {
    try {
      linkSync(aside, path);
    } catch {
      // A third process created a lock meanwhile; it holds the lock now.
    }
  }
  unlinkSync(aside);
}

let exitHookInstalled = false;
const heldLocks = new Set<EmbeddedLock>();

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const lock of heldLocks) lock.release();
  });
}

export async function acquireEmbeddedLock(dataDir: string, opts: AcquireOptions): Promise<EmbeddedLock> {
  const clock = opts.clock ?? (() => new Date());
  const path = lockPathFor(dataDir);
  mkdirSync(dirname(path), { recursive: true });
  const holder: LockHolder = {
    pid: process.pid,
    processStart: processStartOf(process.pid),
    host: hostname(),
    command: opts.command,
    since: clock().toISOString(),
    token: randomBytes(8).toString('hex'),
  };
  const deadline = clock().getTime() + opts.timeoutMs;
  let unreadableSince: number | undefined;
  for (;;) {
    if (tryCreate(path, holder)) break;
    const current = readHolder(path);
    if (current?.holder && !isAlive(current.holder)) {
      removeStale(path, current.ino);
      continue;
    }
    if (current && !current.holder) {
      // Lock files are linked in complete, so an unreadable one is garbage; give it a moment.
      unreadableSince ??= clock().getTime();
      if (clock().getTime() - unreadableSince > 2000) {
        removeStale(path, current.ino);
        continue;
      }
    }
    if (clock().getTime() >= deadline) {
      const h = current?.holder;
      const who = h ? `process ${h.pid} (${h.command}) since ${h.since}` : 'another process';
      throw new TierformError('state.locked', `the embedded database ${dataDir} is in use by ${who}; waited ${Math.round(opts.timeoutMs / 1000)} s. Use a PostgreSQL server (--db) for several processes at once.`);
    }
    await sleep(opts.pollMs ?? 100);
  }

  const lock: EmbeddedLock = {
    path,
    holder,
    release() {
      if (!heldLocks.delete(lock)) return;
      const current = readHolder(path);
      if (current?.holder?.token === holder.token) {
        try {
          unlinkSync(path);
        } catch {
          // already gone
        }
      }
    },
  };
  heldLocks.add(lock);
  installExitHook();
  return lock;
}
