/**
 * An apply killed between two of its statements leaves the previous version active and nothing
 * half-written. The child is a real `tierform apply` process, held mid-transaction by a table
 * lock the test takes (its insert of the switch waits), then killed with SIGKILL. Only the server
 * has a second connection to hold it with; on the embedded database the same guarantee is a
 * transaction that never commits (test/apply/apply.test.ts injects a failure there).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { BIN } from '../helpers/cli.js';
import { serverUrl, testDbUrlForSubprocess, type SubprocessDb } from '../helpers/db.js';
import { testdir, type TestDir } from '../helpers/testdir.js';
import { openPg } from '../../src/store/pg.js';
import { program } from './fixtures.js';
import { runCli } from '../helpers/cli.js';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

describe('an apply killed mid-way', () => {
  if (serverUrl) it('leaves the previous version active and writes nothing (SIGKILL between statements)', async () => {
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
