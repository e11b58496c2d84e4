/**
 * Provenance tells the truth: a source ref taken from a working tree with uncommitted changes is
 * `<sha>+dirty`, and cancelling a scheduled version records who did it.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { runCli } from '../helpers/cli.js';
import { testDbUrlForSubprocess, type SubprocessDb } from '../helpers/db.js';
import { testdir, type TestDir } from '../helpers/testdir.js';
import { program } from '../apply/fixtures.js';

const cleanups: (TestDir | SubprocessDb)[] = [];
afterAll(async () => {
  for (const c of cleanups) await c.cleanup();
});

const at = (hours: number): string => new Date(Date.parse('2026-03-01T00:00:00Z') + hours * 3_600_000).toISOString();

interface HistoryEntry {
  version: number;
  status: string;
  sourceRef: string | null;
  actor: string;
  cancelledBy?: string;
  cancelledAt?: string;
}

async function history(cli: (...argv: string[]) => ReturnType<typeof runCli>): Promise<HistoryEntry[]> {
  const r = await cli('history', 'acme', '--format', 'json');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as HistoryEntry[];
}

async function workspace(): Promise<{ dir: TestDir; cli: (...argv: string[]) => ReturnType<typeof runCli>; env: NodeJS.ProcessEnv }> {
  const db = await testDbUrlForSubprocess();
  const dir = await testdir({ 'programs/acme/program.yaml': program({ merchant: 'acme' }) });
  cleanups.push(db, dir);
  const env: NodeJS.ProcessEnv = {};
  return { dir, env, cli: (...argv) => runCli([...argv, ...db.args], { cwd: dir.dir, env }) };
}

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', '-c', 'commit.gpgsign=false', ...args], { cwd, encoding: 'utf8' }).trim();
}

describe('source ref from the working tree', () => {
  it('is the commit when the tree is clean, <sha>+dirty when a file is edited or added', async () => {
    const w = await workspace();
    git(w.dir.dir, 'init', '-q');
    git(w.dir.dir, 'add', '.');
    git(w.dir.dir, 'commit', '-q', '-m', 'acme');
    const sha = git(w.dir.dir, 'rev-parse', 'HEAD');

    expect((await w.cli('apply', '--auto-approve', '--now', at(0))).code).toBe(0);
    await w.dir.write({ 'programs/acme/program.yaml': program({ merchant: 'acme', silverAmount: 650 }) });
    expect((await w.cli('apply', '--auto-approve', '--now', at(1))).code).toBe(0);
    git(w.dir.dir, 'commit', '-q', '-am', 'silver 650');
    const second = git(w.dir.dir, 'rev-parse', 'HEAD');
    await w.dir.write({ 'programs/acme/notes.txt': 'not committed yet\n', 'programs/acme/program.yaml': program({ merchant: 'acme', silverAmount: 700 }) });
    git(w.dir.dir, 'add', 'programs/acme/program.yaml');
    expect((await w.cli('apply', '--auto-approve', '--now', at(2))).code).toBe(0);

    expect((await history(w.cli)).map((h) => h.sourceRef)).toEqual([sha, `${sha}+dirty`, `${second}+dirty`]);
    const text = await w.cli('history', 'acme');
    expect(text.stdout).toContain(`${second.slice(0, 12)}+dirty`);
  }, 120_000);

  it('an explicit --source-ref is recorded as given', async () => {
    const w = await workspace();
    expect((await w.cli('apply', '--auto-approve', '--source-ref', 'c0ffee', '--now', at(0))).code).toBe(0);
    expect((await history(w.cli))[0]!.sourceRef).toBe('c0ffee');
  }, 60_000);
});

describe('schedule cancel records the actor', () => {
  it('--actor, else GITHUB_ACTOR; in history and in the command output', async () => {
    const w = await workspace();
    expect((await w.cli('apply', '--auto-approve', '--actor', 'alice', '--now', at(0))).code).toBe(0);
    await w.dir.write({ 'programs/acme/program.yaml': program({ merchant: 'acme', silverAmount: 650, scheduledAt: at(48) }) });
    expect((await w.cli('apply', '--auto-approve', '--actor', 'alice', '--now', at(1))).code).toBe(0);
    const cancelled = await w.cli('schedule', 'cancel', 'acme', '--actor', 'carol', '--format', 'json', '--now', at(2));
    expect(cancelled.code).toBe(0);
    expect(JSON.parse(cancelled.stdout)).toMatchObject({ version: 2, cancelledBy: 'carol', cancelledAt: at(2) });

    await w.dir.write({ 'programs/acme/program.yaml': program({ merchant: 'acme', silverAmount: 700, scheduledAt: at(48) }) });
    expect((await w.cli('apply', '--auto-approve', '--actor', 'alice', '--now', at(3))).code).toBe(0);
    w.env.GITHUB_ACTOR = 'dave';
    const byEnv = await w.cli('schedule', 'cancel', 'acme', '--now', at(4));
    expect(byEnv.code).toBe(0);
    expect(byEnv.stdout).toContain('by dave');

    const h = await history(w.cli);
    expect(h.map((e) => [e.version, e.status, e.actor, e.cancelledBy, e.cancelledAt])).toEqual([
      [1, 'active', 'alice', undefined, undefined],
      [2, 'cancelled', 'alice', 'carol', at(2)],
      [3, 'cancelled', 'alice', 'dave', at(4)],
    ]);
    expect((await w.cli('history', 'acme')).stdout).toMatch(/cancelled by carol/);
  }, 120_000);
});
