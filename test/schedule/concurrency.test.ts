/**
 * run-due under concurrency and crashes, and the scheduler daemon.
 * - Three run-dues on the same due work: on the server three real processes; on the embedded
 *   database (one process at a time by design) three concurrent calls in one process, which the
 *   in-process claims keep apart.
 * - A run-due SIGKILLed half-way through a recalculation (server only: the test needs a second
 *   connection to pause the child with a row lock) is completed by the next run-due.
 * - The scheduler, a child process, performs a due change, logs it as JSON and exits 0 on SIGTERM.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it, vi } from 'vitest';

// The embedded database is opened by every CLI run: about a second each, more on a busy machine.
vi.setConfig({ testTimeout: 300_000 });
import { BIN } from '../helpers/cli.js';
import { serverUrl } from '../helpers/db.js';
import { lockWaiters } from '../helpers/citus.js';
import { openPg } from '../../src/store/pg.js';
import { runDue } from '../../src/schedule/runDue.js';
import { MOVED, T, plus, ruleChanges, scheduledChangeWorkspace, standings, type Workspace } from './fixtures.js';

const spaces: Workspace[] = [];
const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of closers.reverse()) await c();
  for (const w of spaces) await w.cleanup();
});
async function prepared(): Promise<Workspace> {
  const w = await scheduledChangeWorkspace('acme');
  spaces.push(w);
  return w;
}

function bin(w: Workspace, argv: string[]): { child: ReturnType<typeof spawn>; done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> } {
  const child = spawn(process.execPath, [BIN, ...argv, ...w.db.args], {
    cwd: w.dir.dir,
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout!.on('data', (c: Buffer) => out.push(c));
  child.stderr!.on('data', (c: Buffer) => err.push(c));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
  });
  return { child, done };
}

async function finalState(w: Workspace) {
  return w.sql(async (db) => ({
    changes: await ruleChanges(db, 'acme'),
    standings: await standings(db, 'acme'),
    versions: (await db.query<{ version: number; status: string }>("SELECT version, status FROM program_versions WHERE merchant_id = 'acme' ORDER BY version")).rows.map(
      (r) => `${r.version} ${r.status}`,
    ),
    recalcRuns: (await db.query<{ n: number }>("SELECT count(*)::int AS n FROM engine_runs WHERE kind = 'recalculate'")).rows[0]!.n,
    scheduled: (await db.query<{ run_key: string; status: string }>("SELECT run_key, status FROM scheduled_runs WHERE kind = 'recalculate'")).rows,
  }));
}

describe('three run-dues on the same due work', () => {
  it('recalculate each member once and record one run for the change', async () => {
    const w = await prepared();
    let runs: { key: string; status: string }[];
    if (w.db.kind === 'pg') {
      // The test holds member m15's row: the process that claims the change pauses in the middle
      // of it, so the other two surely look for work while it is in progress. They must skip it
      // and exit; without claims they would take part in the run and wait on the same lock.
      const db = openPg({ connectionString: w.db.args[1]!, max: 2 });
      closers.push(() => db.close());
      const results = await db.transaction(async (tx) => {
        await tx.query("SELECT 1 FROM members WHERE merchant_id = 'acme' AND member_id = 'm15' FOR UPDATE");
        const children = [0, 1, 2].map(() => bin(w, ['run-due', '--format', 'json', '--batch-size', '2', '--now', plus(T, 1)]));
        let exited = 0;
        for (const c of children) void c.done.then(() => exited++);
        // The loop also ends when two processes wait (a claim that makes them wait on the
        // holder instead of skipping): the assertion below then fails rather than the test hang.
        let waiting = 0;
        while (exited < 2 && waiting < 2) {
          await new Promise((r) => setTimeout(r, 50));
          waiting = await lockWaiters(db);
        }
        expect(exited, 'two run-dues exit while the third holds the claim').toBe(2);
        return children.map((c) => c.done);
      });
      const done = await Promise.all(results);
      for (const r of done) expect(r.code, r.stderr).toBe(0);
      runs = done.flatMap((r) => JSON.parse(r.stdout) as { key: string; status: string }[]);
    } else {
      runs = await w.sql(async (db) => {
        const opts = { now: new Date(plus(T, 1)), clock: () => new Date(plus(T, 1)), lockTimeoutMs: 5_000, claimant: 'test', batchSize: 2 };
        const results = await Promise.all([runDue(db, opts), runDue(db, opts), runDue(db, opts)]);
        return results.flatMap((r) => r.runs);
      });
    }
    expect(runs.map((r) => `${r.key} ${r.status}`)).toEqual(['recalculate:v2 done']);
    const state = await finalState(w);
    expect(state.changes).toEqual(Object.fromEntries(MOVED.map((m) => [m, 1])));
    expect(state.versions).toEqual(['1 retired', '2 active']);
    expect(Number(state.recalcRuns)).toBe(1);
    expect(state.scheduled).toEqual([{ run_key: 'recalculate:v2', status: 'done' }]);
  });
});

describe('the scheduler', () => {
  it('performs a due change at start, logs it as JSON on stderr, and exits 0 on SIGTERM', async () => {
    const w = await prepared();
    // A cron that will not fire during the test: the run at start does the work.
    const { child, done } = bin(w, ['scheduler', '--cron', '0 0 1 1 *', '--now', plus(T, 1)]);
    const lines: Record<string, unknown>[] = [];
    const rl = createInterface({ input: child.stderr! });
    await new Promise<void>((resolve, reject) => {
      rl.on('line', (line) => {
        const entry = JSON.parse(line) as Record<string, unknown>;
        lines.push(entry);
        if (entry.event === 'tick') resolve();
      });
      child.on('close', () => reject(new Error(`scheduler exited early: ${JSON.stringify(lines)}`)));
    });
    child.kill('SIGTERM');
    const exited = await done;
    expect(exited.code).toBe(0);
    const run = lines.find((l) => l.event === 'run');
    expect(run).toMatchObject({ level: 'info', merchant: 'acme', kind: 'recalculate', key: 'recalculate:v2', status: 'done', membersChanged: 10, activated: true });
    expect(typeof run!.durationMs).toBe('number');
    expect(lines.map((l) => l.event)).toEqual(['started', 'run', 'tick', 'stopping', 'stopped']);
    const state = await finalState(w);
    expect(state.versions).toEqual(['1 retired', '2 active']);
    expect(state.changes).toEqual(Object.fromEntries(MOVED.map((m) => [m, 1])));
  });
});

/*
 * A run-due killed with SIGKILL in the middle of a recalculation. The child recalculates one
 * member per batch; the test holds member m15's row lock, so the batch that moves m15 waits
 * after m01–m14 have been committed; then the child is killed.
 */
if (serverUrl) describe('a run-due killed half-way', () => {
  it('is completed by the next run-due, with the state of an uninterrupted run', async () => {
    const w = await prepared();
    const db = openPg({ connectionString: w.db.args[1]!, max: 2 });
    closers.push(() => db.close());

    const killed = await db.transaction(async (tx) => {
      await tx.query("SELECT 1 FROM members WHERE merchant_id = 'acme' AND member_id = 'm15' FOR UPDATE");
      const { child, done } = bin(w, ['run-due', '--batch-size', '1', '--now', plus(T, 1)]);
      let waiting = false;
      for (let i = 0; i < 1200 && !waiting; i++) {
        waiting = (await lockWaiters(db)) > 0;
        if (!waiting) await new Promise((r) => setTimeout(r, 50));
      }
      expect(waiting).toBe(true);
      child.kill('SIGKILL');
      return done;
    });
    expect(killed.signal).toBe('SIGKILL');

    // Half-way: some members recalculated, the version still pending, the run resumable.
    const half = await db.query<{ status: string; members_done: number }>("SELECT status, members_done FROM engine_runs WHERE run_key = 'recalculate:v2'");
    expect(half.rows[0]!.status).toBe('running');
    expect(Number(half.rows[0]!.members_done)).toBeGreaterThan(0);
    expect(Number(half.rows[0]!.members_done)).toBeLessThan(31);
    const pending = await db.query<{ status: string }>("SELECT status FROM program_versions WHERE merchant_id = 'acme' AND version = 2");
    expect(pending.rows[0]!.status).toBe('pending');
    // Meanwhile the change can no longer be cancelled.
    const cancel = await w.cli('schedule', 'cancel', 'acme');
    expect(cancel.stderr).toContain('schedule.taking-effect');

    const resumed = await w.cli('run-due', '--format', 'json', '--now', plus(T, 2));
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout)).toEqual([expect.objectContaining({ key: 'recalculate:v2', status: 'done', resumed: true, activated: true, membersDone: 31, membersChanged: 10 })]);

    const reference = await prepared();
    await reference.ok('run-due', '--now', plus(T, 1));
    const [a, b] = [await finalState(w), await finalState(reference)];
    expect(a).toEqual(b);
    expect(a.changes).toEqual(Object.fromEntries(MOVED.map((m) => [m, 1])));
    expect(a.versions).toEqual(['1 retired', '2 active']);
  });
});
