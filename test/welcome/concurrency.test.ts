/**
 * Welcoming exactly once under concurrency (SPEC §3.9):
 * - three run-dues on the same due evaluation, in batches of two members: on the server three
 *   real processes (one of them made to pause on a member's row, so the others surely look for
 *   work meanwhile); on the embedded database three concurrent calls in one process;
 * - on the server, three transactions running the welcome step itself at once over the same
 *   members (what two evaluations with different keys would do): the member rows' claim lets
 *   one of them welcome each member; the grants and the message are written once.
 */
import { spawn } from 'node:child_process';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { BIN } from '../helpers/cli.js';
import { serverUrl } from '../helpers/db.js';
import { lockWaiters } from '../helpers/citus.js';
import { openPg } from '../../src/store/pg.js';
import { runDue } from '../../src/schedule/runDue.js';
import { welcomeMembers } from '../../src/engine/welcome.js';
import type { Db } from '../../src/store/db.js';
import { scheduleProgram, workspace, type Workspace } from '../schedule/fixtures.js';

vi.setConfig({ testTimeout: 300_000 });

const T = '2026-03-01T00:00:00Z';
const EVALUATE_AT = '2026-03-02T00:00:00Z'; // after the 03:00 Shanghai tick of 2 March
const MEMBERS = Array.from({ length: 9 }, (_, i) => `n${i + 1}`);

const spaces: Workspace[] = [];
const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of closers.reverse()) await c();
  for (const w of spaces) await w.cleanup();
});

/** acme with two welcome benefits and a join message, applied at T; nine members who joined after it. */
async function prepared(): Promise<Workspace> {
  const w = await workspace({ acme: {} });
  spaces.push(w);
  const doc = scheduleProgram({ merchant: 'acme' }) as unknown as { spec: Record<string, Record<string, unknown>> };
  doc.spec.levels!.welcome = [{ type: 'cash_voucher', amountOff: 5 }, { type: 'join_points', points: 20 }];
  doc.spec.notifications = { join: 'Welcome {member.id}! {program.rules}' };
  await w.dir.write({ 'programs/acme/program.yaml': doc });
  await w.ok('apply', 'programs/', '--auto-approve', '--now', T);
  await w.sql((db) =>
    db.transaction(async (tx) => {
      for (const m of MEMBERS) await tx.query(`INSERT INTO members (merchant_id, member_id, joined_at) VALUES ('acme', $1, '2026-03-01T06:00:00Z')`, [m]);
    }),
  );
  return w;
}

async function welcomeState(db: Db): Promise<{ grants: Record<string, number>; joins: Record<string, number>; welcomed: number }> {
  const count = async (sql: string): Promise<Record<string, number>> =>
    Object.fromEntries((await db.query<{ m: string; n: number }>(sql)).rows.map((r) => [r.m, Number(r.n)]));
  return {
    grants: await count("SELECT member_id AS m, count(*)::int AS n FROM grants WHERE merchant_id = 'acme' AND grant_key LIKE 'welcome:%' GROUP BY member_id"),
    joins: await count("SELECT member_id AS m, count(*)::int AS n FROM outbox WHERE merchant_id = 'acme' AND event = 'join' GROUP BY member_id"),
    welcomed: Number((await db.query<{ n: number }>("SELECT count(*)::int AS n FROM members WHERE merchant_id = 'acme' AND welcomed_at IS NOT NULL")).rows[0]!.n),
  };
}

const ONCE = { grants: Object.fromEntries(MEMBERS.map((m) => [m, 2])), joins: Object.fromEntries(MEMBERS.map((m) => [m, 1])), welcomed: MEMBERS.length };

function bin(w: Workspace, argv: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...argv, ...w.db.args], { cwd: w.dir.dir, env: { PATH: process.env.PATH, HOME: process.env.HOME }, stdio: ['ignore', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (c: Buffer) => out.push(c));
  child.stderr.on('data', (c: Buffer) => err.push(c));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
  });
}

describe('three run-dues on the same due evaluation', () => {
  it('welcome each member once: two grants and one join message each', async () => {
    const w = await prepared();
    if (w.db.kind === 'pg') {
      const db = openPg({ connectionString: w.db.args[1]!, max: 2 });
      closers.push(() => db.close());
      const children = await db.transaction(async (tx) => {
        // The batch holding n5 waits on this lock while the other run-dues look for work.
        await tx.query("SELECT 1 FROM members WHERE merchant_id = 'acme' AND member_id = 'n5' FOR UPDATE");
        const started = [0, 1, 2].map(() => bin(w, ['run-due', '--format', 'json', '--batch-size', '2', '--now', EVALUATE_AT]));
        let waiting = 0;
        for (let i = 0; i < 1200 && waiting === 0; i++) {
          // On Citus the wait is on a worker: lockWaiters looks at every node.
          waiting = await lockWaiters(db);
          if (waiting === 0) await new Promise((r) => setTimeout(r, 50));
        }
        expect(waiting).toBeGreaterThan(0);
        return started;
      });
      const done = await Promise.all(children);
      for (const r of done) expect(r.code, r.stderr).toBe(0);
      const runs = done.flatMap((r) => JSON.parse(r.stdout) as { key: string; status: string }[]);
      expect(runs.map((r) => r.status)).toEqual(['done']);
    } else {
      await w.sql(async (db) => {
        const opts = { now: new Date(EVALUATE_AT), clock: () => new Date(EVALUATE_AT), lockTimeoutMs: 5_000, claimant: 'test', batchSize: 2 };
        const results = await Promise.all([runDue(db, opts), runDue(db, opts), runDue(db, opts)]);
        expect(results.flatMap((r) => r.runs).map((r) => r.status)).toEqual(['done']);
      });
    }
    expect(await w.sql(welcomeState)).toEqual(ONCE);
  });
});

if (serverUrl) describe('three welcome steps at once', () => {
  it('welcome each member once, whichever transaction claims them', async () => {
    const w = await prepared();
    // One connection holds the lock, three run the steps, one watches the waits.
    const db = openPg({ connectionString: w.db.args[1]!, max: 5 });
    closers.push(() => db.close());
    const version = Number((await db.query<{ v: number }>("SELECT version AS v FROM program_versions WHERE merchant_id = 'acme' AND status = 'active'")).rows[0]!.v);
    const step = (at: string) => db.transaction((tx) => welcomeMembers(tx, { merchant: 'acme', version, at: new Date(at), scope: { lo: null, hi: null }, runId: null }));
    const results = await db.transaction(async (tx) => {
      await tx.query("SELECT 1 FROM members WHERE merchant_id = 'acme' AND member_id = 'n5' FOR UPDATE");
      // Different instants, as evaluations with different keys would have.
      const started = [EVALUATE_AT, '2026-03-02T00:00:01Z', '2026-03-02T00:00:02Z'].map(step);
      let waiting = 0;
      for (let i = 0; i < 1200 && waiting < 3; i++) {
        // On Citus the wait is on a worker: lockWaiters looks at every node.
        waiting = await lockWaiters(db);
        if (waiting < 3) await new Promise((r) => setTimeout(r, 50));
      }
      expect(waiting).toBe(3);
      return started;
    });
    const done = await Promise.all(results);
    expect(done.reduce((n, r) => n + r.welcomed, 0)).toBe(MEMBERS.length);
    expect(done.reduce((n, r) => n + r.granted, 0)).toBe(MEMBERS.length * 2);
    expect(done.reduce((n, r) => n + r.enqueued, 0)).toBe(MEMBERS.length);
    expect(await w.sql(welcomeState)).toEqual(ONCE);
  });
});
