/**
 * One process at a time on an embedded database: a lock file beside the data directory, created
 * with O_EXCL. The file names its holder (pid, process start, host, command, since), and the
 * holder touches it every few seconds. The stale rule (docs/guide/operating.md):
 * - same host: stale when the pid is gone or now belongs to another process (a killed holder
 *   never leaves the database locked);
 * - another host (a copied directory, a container whose host name changed): its pid cannot be
 *   checked, so stale once the file has not been touched for STALE_AFTER_MS;
 * - content that is not a holder record (`{}`, garbage): stale at once — lock files are linked in
 *   complete, so no live holder ever shows one.
 */
import { closeSync, linkSync, openSync, readFileSync, renameSync, statSync, unlinkSync, utimesSync, writeSync, mkdirSync, fstatSync } from 'node:fs';
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

/** How often a holder touches its lock file. */
const HEARTBEAT_MS = 5_000;
/** A lock from another host not touched for this long is stale (a long WebAssembly query can stall the heartbeat for a while). */
export const STALE_AFTER_MS = 120_000;

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

function isHolder(x: unknown): x is LockHolder {
  if (typeof x !== 'object' || x === null) return false;
  const h = x as Record<string, unknown>;
  return Number.isSafeInteger(h.pid) && (h.pid as number) > 0 && typeof h.host === 'string' && typeof h.command === 'string' && typeof h.since === 'string' && typeof h.token === 'string';
}

function isAlive(holder: LockHolder, touchedAt: number, now: number): boolean {
  if (holder.host !== hostname()) return now - touchedAt < STALE_AFTER_MS;
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

function readHolder(path: string): { holder: LockHolder | undefined; ino: number; touchedAt: number } | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const info = fstatSync(fd);
    const text = readFileSync(fd, 'utf8');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { holder: isHolder(parsed) ? parsed : undefined, ino: info.ino, touchedAt: info.mtimeMs };
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
  for (;;) {
    if (tryCreate(path, holder)) break;
    const current = readHolder(path);
    // Staleness is judged on the file's own clock (its mtime against the file system's now).
    if (current && (!current.holder || !isAlive(current.holder, current.touchedAt, Date.now()))) {
      removeStale(path, current.ino);
      continue;
    }
    if (clock().getTime() >= deadline) throw lockedError(dataDir, path, current?.holder, opts.timeoutMs);
    await sleep(Math.min(opts.pollMs ?? 100, Math.max(1, deadline - clock().getTime())));
  }
  // Keep the file fresh so a process on another host can tell a live holder from a dead one.
  const heartbeat = setInterval(() => {
    try {
      const now = new Date();
      utimesSync(path, now, now);
    } catch {
      // The file is gone or unreachable: release() will find out.
    }
  }, HEARTBEAT_MS);
  heartbeat.unref();

  const lock: EmbeddedLock = {
    path,
    holder,
    release() {
      if (!heldLocks.delete(lock)) return;
      clearInterval(heartbeat);
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

function lockedError(dataDir: string, path: string, h: LockHolder | undefined, timeoutMs: number): TierformError {
  const waited = timeoutMs === 0 ? 'did not wait (--lock-timeout 0)' : `waited ${timeoutMs / 1000} s`;
  const who = h ? `process ${h.pid} on host ${h.host} (${h.command}) since ${h.since}` : 'another process';
  const rule =
    h && h.host !== hostname()
      ? `a lock from another host is taken over once its file is ${STALE_AFTER_MS / 1000} s old without being refreshed`
      : 'a lock whose process has ended is taken over at once';
  return new TierformError(
    'state.locked',
    `the embedded database ${dataDir} is in use by ${who}; ${waited}. The lock file is ${path}; ${rule}. If that process is gone for sure, delete the file. Several processes at once need a PostgreSQL server (--db).`,
  );
}
