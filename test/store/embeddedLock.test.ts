import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { acquireEmbeddedLock, lockPathFor, STALE_AFTER_MS } from '../../src/store/embeddedLock.js';
import { openDb } from '../../src/store/open.js';

const script = fileURLToPath(new URL('./fixtures/holdEmbedded.ts', import.meta.url));

interface Holder {
  child: ChildProcess;
  /** The first JSON line the child prints. */
  first: Promise<Record<string, unknown>>;
  exit: Promise<number | null>;
}

function startHolder(dataDir: string, lockTimeoutMs: number, holdMs: number, value?: string): Holder {
  const child = spawn(process.execPath, ['--import', 'tsx', script, dataDir, String(lockTimeoutMs), String(holdMs), ...(value ? [value] : [])], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  const first = new Promise<Record<string, unknown>>((resolve, reject) => {
    lines.once('line', (line) => resolve(JSON.parse(line) as Record<string, unknown>));
    child.once('exit', (code) => reject(new Error(`holder exited (${code}) before printing`)));
  });
  first.catch(() => {});
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, first, exit };
}

function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(r.stdout.toString());
}

let root: string;
const children: ChildProcess[] = [];
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'tierform-lock-'));
});
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

describe('embedded database lock', () => {
  it('a second process waits for --lock-timeout, then fails with state.locked naming the holder', async () => {
    const dataDir = join(root, 'a', 'db');
    const holder = startHolder(dataDir, 5_000, 60_000);
    children.push(holder.child);
    expect(await holder.first).toMatchObject({ opened: true });

    const started = Date.now();
    const second = startHolder(dataDir, 800, 0);
    children.push(second.child);
    const result = await second.first;
    expect(result.error).toBe('state.locked');
    expect(String(result.message)).toContain(String(holder.child.pid));
    expect(String(result.message)).toContain('tierform test-hold');
    expect(Date.now() - started).toBeGreaterThanOrEqual(800);
    expect(await second.exit).toBe(1);

    holder.child.kill('SIGTERM');
    await holder.exit;
  });

  it('a waiting process gets the database once the holder closes it', async () => {
    const dataDir = join(root, 'b', 'db');
    const holder = startHolder(dataDir, 5_000, 1_500, 'first');
    children.push(holder.child);
    expect(await holder.first).toMatchObject({ opened: true });
    const second = startHolder(dataDir, 30_000, 0, 'second');
    children.push(second.child);
    expect(await second.first).toMatchObject({ opened: true });
    expect(await holder.exit).toBe(0);
    expect(await second.exit).toBe(0);
    expect(existsSync(lockPathFor(dataDir))).toBe(false);
  });

  it('a SIGKILLed holder leaves no lock behind, and its committed data survives', async () => {
    const dataDir = join(root, 'c', 'db');
    const holder = startHolder(dataDir, 5_000, 60_000, 'before-kill');
    children.push(holder.child);
    expect(await holder.first).toMatchObject({ opened: true });
    expect(existsSync(lockPathFor(dataDir))).toBe(true);
    holder.child.kill('SIGKILL');
    await holder.exit;

    const db = await openDb({ dataDir, env: {}, cwd: root, lockTimeoutMs: 1_000, migrate: true });
    try {
      const rows = await db.query<{ merchant_id: string }>('SELECT merchant_id FROM merchants');
      expect(rows.rows.map((r) => r.merchant_id)).toEqual(['before-kill']);
      const lock = JSON.parse(readFileSync(lockPathFor(dataDir), 'utf8')) as { pid: number };
      expect(lock.pid).toBe(process.pid);
    } finally {
      await db.close();
    }
    expect(existsSync(lockPathFor(dataDir))).toBe(false);
  });

  it('takes over a lock file whose pid is gone, and keeps one whose pid is alive', async () => {
    const dataDir = join(root, 'd', 'db');
    const path = lockPathFor(dataDir);
    const lockFile = (pid: number) => JSON.stringify({ pid, processStart: null, host: hostname(), command: 'tierform old', since: '2026-01-01T00:00:00.000Z', token: 'x' });
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(root, 'd'), { recursive: true });

    writeFileSync(path, lockFile(deadPid()));
    const lock = await acquireEmbeddedLock(dataDir, { timeoutMs: 0, command: 'tierform now' });
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ pid: process.pid, command: 'tierform now' });
    // Held by this (live) process: another acquisition times out.
    await expect(acquireEmbeddedLock(dataDir, { timeoutMs: 200, command: 'tierform other' })).rejects.toMatchObject({ code: 'state.locked' });
    lock.release();
    expect(existsSync(path)).toBe(false);
    lock.release(); // twice is harmless
  });

  it('several processes racing for a stale lock: exactly one holds it at a time', async () => {
    const dataDir = join(root, 'e', 'db');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(root, 'e'), { recursive: true });
    writeFileSync(lockPathFor(dataDir), JSON.stringify({ pid: deadPid(), processStart: null, host: hostname(), command: 'x', since: 'x', token: 'x' }));
    const racers = Array.from({ length: 3 }, (_, i) => startHolder(dataDir, 60_000, 300, `racer-${i}`));
    children.push(...racers.map((r) => r.child));
    const exits = await Promise.all(racers.map((r) => r.exit));
    expect(exits).toEqual([0, 0, 0]);
    const db = await openDb({ dataDir, env: {}, cwd: root, lockTimeoutMs: 1_000, migrate: true });
    try {
      const rows = await db.query<{ merchant_id: string }>('SELECT merchant_id FROM merchants ORDER BY 1');
      expect(rows.rows.map((r) => r.merchant_id)).toEqual(['racer-0', 'racer-1', 'racer-2']);
    } finally {
      await db.close();
    }
  });

  describe('the stale-lock rule', () => {
    const holderRecord = (host: string) => JSON.stringify({ pid: 1, processStart: null, host, command: 'tierform apply', since: '2026-01-01T00:00:00.000Z', token: 'y' });
    const prepare = async (name: string): Promise<{ dataDir: string; path: string }> => {
      const { mkdirSync } = await import('node:fs');
      mkdirSync(join(root, name), { recursive: true });
      const dataDir = join(root, name, 'db');
      return { dataDir, path: lockPathFor(dataDir) };
    };

    it('a lock file that is not a holder record ({} or garbage) is taken over at once, not held for ever', async () => {
      for (const [i, content] of ['{}', 'garbage', '{"pid":"x"}', ''].entries()) {
        const { dataDir, path } = await prepare(`m${i}`);
        writeFileSync(path, content);
        const lock = await acquireEmbeddedLock(dataDir, { timeoutMs: 0, command: 'tierform now' });
        expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ pid: process.pid });
        lock.release();
      }
    });

    it("a fresh lock from another host is respected and explained: holder, host, file, the rule, how to clear it; --lock-timeout 0 does not wait", async () => {
      const { dataDir, path } = await prepare('h1');
      writeFileSync(path, holderRecord('elsewhere.example'));
      const started = Date.now();
      const err = (await acquireEmbeddedLock(dataDir, { timeoutMs: 0, command: 'tierform now' }).catch((e: unknown) => e)) as Error & { code: string };
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(err).toMatchObject({ code: 'state.locked' });
      expect(err.message).toContain('process 1 on host elsewhere.example (tierform apply)');
      expect(err.message).toContain(path);
      expect(err.message).toMatch(/did not wait \(--lock-timeout 0\)/);
      expect(err.message).toMatch(/another host is taken over once its file is 120 s old/);
      expect(err.message).toMatch(/delete the file/);
      expect(existsSync(path)).toBe(true);
    });

    it('a lock from another host that nobody refreshes is stale: taken over', async () => {
      const { dataDir, path } = await prepare('h2');
      writeFileSync(path, holderRecord('elsewhere.example'));
      const { utimesSync } = await import('node:fs');
      const old = new Date(Date.now() - STALE_AFTER_MS - 60_000);
      utimesSync(path, old, old);
      const lock = await acquireEmbeddedLock(dataDir, { timeoutMs: 0, command: 'tierform now' });
      expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ pid: process.pid, host: hostname() });
      lock.release();
    });

    it('a symlinked --data-dir opens the real directory, under the same lock as the real path', async () => {
      const { mkdirSync, symlinkSync } = await import('node:fs');
      mkdirSync(join(root, 's'), { recursive: true });
      const real = join(root, 's', 'real');
      const link = join(root, 's', 'link');
      const first = await openDb({ dataDir: real, env: {}, cwd: root, lockTimeoutMs: 0, migrate: true });
      await first.close();
      symlinkSync(real, link);
      const db = await openDb({ dataDir: link, env: {}, cwd: root, lockTimeoutMs: 0, migrate: false });
      try {
        expect(existsSync(lockPathFor(real))).toBe(true);
        await expect(openDb({ dataDir: real, env: {}, cwd: root, lockTimeoutMs: 0, migrate: false })).rejects.toMatchObject({ code: 'state.locked' });
      } finally {
        await db.close();
      }
      // A link to nothing is refused with a code, not a crash.
      symlinkSync(join(root, 's', 'gone'), join(root, 's', 'dangling'));
      await expect(openDb({ dataDir: join(root, 's', 'dangling'), env: {}, cwd: root, lockTimeoutMs: 0, migrate: true })).rejects.toMatchObject({ code: 'db.data-dir-foreign' });
    });
  });
});
