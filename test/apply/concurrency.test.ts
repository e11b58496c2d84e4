/**
 * Concurrent applies. On the server each apply runs on its own pool, so the advisory lock and
 * the re-read under it are what keep the switch limit; PGlite serves one connection, so there the
 * same test shows that parallel calls in one process are serialized and still hold the limit.
 */
import { spawn } from 'node:child_process';
import { BIN, runCli } from '../helpers/cli.js';
import { testdir, type TestDir } from '../helpers/testdir.js';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDb, serverUrl, testDbUrlForSubprocess, type SubprocessDb } from '../helpers/db.js';
import { applyPlan, type ApplyResult } from '../../src/apply/applyPlan.js';
import type { Db } from '../../src/store/db.js';
import { openPg } from '../../src/store/pg.js';
import { migrate } from '../../src/store/migrate.js';
import { T0, applyOptions, hoursAfter, planFor, program } from './fixtures.js';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** `n` handles on one fresh, migrated database: separate pools on the server, one PGlite otherwise. */
async function handles(n: number): Promise<Db[]> {
  if (!serverUrl) {
    const db = await createTestDb();
    cleanups.push(() => db.close());
    return Array.from({ length: n }, () => db);
  }
  const target: SubprocessDb = await testDbUrlForSubprocess();
  cleanups.push(target.cleanup);
  const url = target.args[1]!;
  const dbs = Array.from({ length: n }, () => openPg({ connectionString: url, max: 1 }));
  cleanups.push(async () => {
    for (const d of dbs) await d.close();
  });
  await migrate(dbs[0]!);
  return dbs;
}

describe('concurrent applies', () => {
  it('twenty simultaneous type switches never record a sixth switch in the window', async () => {
    const dbs = await handles(20);
    const merchant = 'race';
    const created = await applyPlan(dbs[0]!, await planFor(dbs[0]!, [program({ merchant })], T0), applyOptions(T0));
    expect(created.ok).toBe(true);

    const now = hoursAfter(T0, 1);
    const plans = await Promise.all(
      dbs.map((db, i) => planFor(db, [program({ merchant, type: i % 2 === 0 ? 'paid' : 'levels', silverAmount: 500 + i })], now)),
    );
    const results: ApplyResult[] = await Promise.all(dbs.map((db, i) => applyPlan(db, plans[i]!, applyOptions(now, { lockTimeoutMs: 30_000 }))));

    const { rows } = await dbs[0]!.query<{ n: number }>('SELECT count(*)::int AS n FROM type_switches WHERE merchant_id = $1', [merchant]);
    const switches = Number(rows[0]!.n);
    expect(switches).toBeLessThanOrEqual(5);
    expect(switches).toBeGreaterThanOrEqual(2);
    const switchedNow = results.filter((r) => r.merchants[0]?.switched).length;
    expect(switchedNow + 1).toBe(switches);
    const failures = results.flatMap((r) => r.merchants.filter((m) => m.outcome === 'failed').map((m) => m.error?.code));
    expect(new Set(failures).size <= 1 && failures.every((c) => c === 'plan.switch-limit')).toBe(true);
    // Versions are numbered without gaps: every apply saw its predecessor's state.
    const versions = await dbs[0]!.query<{ version: number }>('SELECT version FROM program_versions WHERE merchant_id = $1 ORDER BY version', [merchant]);
    expect(versions.rows.map((r) => Number(r.version))).toEqual(versions.rows.map((_, i) => i + 1));
  });

  // Merchant locks only exist where several connections do: on the server. The embedded database
  // serves one process at a time; its own lock is tested in test/store/embeddedLock.test.ts.
  if (serverUrl) it('a second apply on a locked merchant waits, or fails with state.locked naming the holder', async () => {
    const [holderDb, waiterDb] = await handles(2);
    const merchant = 'locked';
    await applyPlan(holderDb!, await planFor(holderDb!, [program({ merchant })], T0), applyOptions(T0));
    const now = hoursAfter(T0, 1);
    const plan = await planFor(waiterDb!, [program({ merchant, bronzeName: 'Waiting' })], now);

    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => (locked = r));
    const holding = holderDb!.transaction(async (tx) => {
      await tx.query("SELECT set_config('application_name', 'tierform apply by alice', true)");
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1)::bigint)', [merchant]);
      locked();
      await released;
    });
    await isLocked;

    const refused = await applyPlan(waiterDb!, plan, applyOptions(now, { lockTimeoutMs: 300 }));
    expect(refused.merchants[0]?.error?.code).toBe('state.locked');
    expect(refused.merchants[0]?.error?.message).toContain('tierform apply by alice');

    const waiting = applyPlan(waiterDb!, plan, applyOptions(now, { lockTimeoutMs: 10_000 }));
    setTimeout(release, 300);
    await holding;
    const done = await waiting;
    expect(done.merchants[0]).toMatchObject({ outcome: 'applied', version: 2 });
  });
});

/*
 * An apply killed between two of its statements leaves the previous version active and nothing
 * half-written. The child is a real `tierform apply` process, held mid-transaction by a table
 * lock the test takes (its insert of the switch waits), then killed with SIGKILL. Only the server
 * has a second connection to hold it with; on the embedded database the same guarantee is a
 * transaction that never commits (apply.test.ts injects a failure there).
 */
if (serverUrl) describe('an apply killed mid-way', () => {
  it('leaves the previous version active and writes nothing (SIGKILL between statements)', async () => {
    const target: SubprocessDb = await testDbUrlForSubprocess();
    cleanups.push(target.cleanup);
    const dir: TestDir = await testdir({ 'programs/acme/program.yaml': program({ merchant: 'acme' }) });
    cleanups.push(() => dir.cleanup());
    const created = await runCli(['apply', '--auto-approve', '--now', '2026-03-01T00:00:00Z', ...target.args], { cwd: dir.dir });
    expect(created.code).toBe(0);

    const db = openPg({ connectionString: target.args[1]!, max: 2 });
    cleanups.push(() => db.close());
    await dir.write({ 'programs/acme/program.yaml': program({ merchant: 'acme', type: 'paid' }) });

    const killedAt = await db.transaction(async (tx) => {
      await tx.query('LOCK TABLE type_switches IN EXCLUSIVE MODE');
      const child = spawn(process.execPath, [BIN, 'apply', '--auto-approve', '--now', '2026-03-01T02:00:00Z', ...target.args], { cwd: dir.dir, stdio: 'ignore' });
      const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
      // Wait until the child has written its version and waits to record the switch.
      let waiting = false;
      for (let i = 0; i < 200 && !waiting; i++) {
        const { rows } = await db.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name LIKE 'tierform apply%' AND wait_event_type = 'Lock'",
        );
        waiting = Number(rows[0]!.n) > 0;
        if (!waiting) await new Promise((r) => setTimeout(r, 50));
      }
      expect(waiting).toBe(true);
      child.kill('SIGKILL');
      return exited;
    });
    expect(killedAt).toBe('SIGKILL');

    // The server rolls back the dead connection's transaction.
    const versions = await db.query<{ version: number; status: string }>("SELECT version, status FROM program_versions WHERE merchant_id = 'acme' ORDER BY version");
    expect(versions.rows.map((r) => [Number(r.version), r.status])).toEqual([[1, 'active']]);
    const switches = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM type_switches WHERE merchant_id = 'acme'");
    expect(Number(switches.rows[0]!.n)).toBe(1);

    // And the same apply, run again, completes.
    const again = await runCli(['apply', '--auto-approve', '--now', '2026-03-01T03:00:00Z', ...target.args], { cwd: dir.dir });
    expect(again.code).toBe(0);
    const after = await db.query<{ version: number; status: string }>("SELECT version, status FROM program_versions WHERE merchant_id = 'acme' ORDER BY version");
    expect(after.rows.map((r) => [Number(r.version), r.status])).toEqual([[1, 'retired'], [2, 'active']]);
  });
});
