/**
 * A reader that closes the pipe early (`tierform rollback … | head -1`) must not turn committed
 * work into a failure: the exit code reflects the work. Real child processes, real pipes whose
 * reading end is closed before the CLI writes its first line.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { BIN, ROOT, runBin } from '../helpers/cli.js';
import { testDbUrlForSubprocess, type SubprocessDb } from '../helpers/db.js';
import { testdir, type TestDir } from '../helpers/testdir.js';
import { program } from '../apply/fixtures.js';

const cleanups: (TestDir | SubprocessDb)[] = [];
afterAll(async () => {
  for (const c of cleanups) await c.cleanup();
});

/** Runs the built CLI with its stdout (and stderr) on pipes whose reading ends are closed at once. */
function runWithClosedPipes(argv: string[], cwd: string): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...argv], { cwd, env: { PATH: process.env.PATH, HOME: process.env.HOME }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    child.stderr.destroy();
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
}

describe('output into a closed pipe', () => {
  it('a read command and an apply and a rollback that commit exit 0, and the versions are applied', async () => {
    const db = await testDbUrlForSubprocess();
    const dir = await testdir({ 'programs/acme/program.yaml': program({ merchant: 'acme' }) });
    cleanups.push(db, dir);
    const at = (h: number): string[] => ['--now', new Date(Date.parse('2026-03-01T00:00:00Z') + h * 3_600_000).toISOString()];

    const applied = await runWithClosedPipes(['apply', '--auto-approve', ...at(0), ...db.args], dir.dir);
    expect(applied).toEqual({ code: 0, signal: null });

    await dir.write({ 'programs/acme/program.yaml': program({ merchant: 'acme', silverAmount: 650 }) });
    expect((await runWithClosedPipes(['apply', '--auto-approve', ...at(1), ...db.args], dir.dir)).code).toBe(0);

    const rolledBack = await runWithClosedPipes(['rollback', 'acme', '--to', '1', '--auto-approve', ...at(2), ...db.args], dir.dir);
    expect(rolledBack).toEqual({ code: 0, signal: null });

    const read = await runWithClosedPipes(['history', 'acme', ...db.args], dir.dir);
    expect(read).toEqual({ code: 0, signal: null });

    const history = await runBin(['history', 'acme', '--format', 'json', ...db.args], { cwd: dir.dir });
    expect(history.code).toBe(0);
    const versions = (JSON.parse(history.stdout) as { version: number; status: string }[]).map((v) => [v.version, v.status]);
    expect(versions).toEqual([
      [1, 'retired'],
      [2, 'retired'],
      [3, 'active'],
    ]);
  }, 120_000);

  it('a usage error into a closed pipe still exits 1 (the exit code is the work, not the pipe)', async () => {
    const r = await runWithClosedPipes(['status', '--no-such-option'], ROOT);
    expect(r).toEqual({ code: 1, signal: null });
  });
});
