/**
 * Operating safely on the database (SPEC §4.7), each case as it was found:
 * - an empty TIERFORM_DATABASE_URL (a missing CI secret) "applied" to a throwaway embedded
 *   database, exit 0; in CI the embedded database was used without anyone asking;
 * - DATABASE_URL (the application's variable) was read, and even `status` created tables there;
 * - connection failures crashed as "internal error" with a stack trace;
 * - nothing said which database a command wrote to.
 * The environment cases run the built CLI as a real subprocess; the rest in-process, on both
 * databases.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { runBin, runCli } from '../helpers/cli.js';
import { serverUrl, testDbUrlForSubprocess, type SubprocessDb } from '../helpers/db.js';
import { testdir, type TestDir } from '../helpers/testdir.js';
import { program } from '../apply/fixtures.js';
import { openDb } from '../../src/store/open.js';
import { openPg } from '../../src/store/pg.js';
import { connectionError } from '../../src/store/connectErrors.js';

const NOW = ['--now', '2026-03-01T00:00:00Z'];
let repo: TestDir;
beforeAll(async () => {
  repo = await testdir({ 'programs/acme/program.yaml': program({ merchant: 'acme' }) });
});
afterAll(async () => {
  await repo.cleanup();
});

/** No stack trace, no "internal error", one `error <code>:` line. */
function expectOneLineError(stderr: string, code: string): void {
  expect(stderr).toMatch(new RegExp(`^error ${code.replace('.', '\\.')}: `));
  expect(stderr.trim().split('\n')).toHaveLength(1);
  expect(stderr).not.toMatch(/internal error|\n\s+at /);
}

describe('choosing the database, as CI runs it (subprocess)', () => {
  it('an empty TIERFORM_DATABASE_URL fails (db.url-empty) instead of applying to an embedded database', async () => {
    const res = await runBin(['apply', 'programs', '--auto-approve', ...NOW], { cwd: repo.dir, env: { CI: 'true', TIERFORM_DATABASE_URL: '' } });
    expect(res.code).toBe(1);
    expectOneLineError(res.stderr, 'db.url-empty');
    expect(res.stdout).toBe('');
    expect(existsSync(join(repo.dir, '.tierform'))).toBe(false);
  });

  it('with CI set, no database configured is refused (db.not-configured); --no-embedded does the same outside CI', async () => {
    const ci = await runBin(['plan', 'programs', ...NOW], { cwd: repo.dir, env: { CI: 'true' } });
    expect(ci.code).toBe(1);
    expectOneLineError(ci.stderr, 'db.not-configured');
    const flag = await runBin(['status', '--no-embedded'], { cwd: repo.dir, env: {} });
    expectOneLineError(flag.stderr, 'db.not-configured');
    expect(existsSync(join(repo.dir, '.tierform'))).toBe(false);
  });

  it('DATABASE_URL is not read: a read command looks at the embedded database and creates nothing', async () => {
    const res = await runBin(['status'], { cwd: repo.dir, env: { DATABASE_URL: 'postgres://app:pw@127.0.0.1:1/app' } });
    expect(res.code).toBe(1);
    expectOneLineError(res.stderr, 'db.schema-missing');
    expect(res.stderr).toContain(join(repo.dir, '.tierform', 'db'));
    expect(existsSync(join(repo.dir, '.tierform'))).toBe(false);
  });

  it("connection failures are one line with a code and the host, never the password: 'not a url', a closed port", async () => {
    const bad = await runBin(['status', '--db', 'not a url'], { cwd: repo.dir });
    expectOneLineError(bad.stderr, 'db.url-invalid');
    const closed = await runBin(['plan', 'programs', ...NOW], { cwd: repo.dir, env: { CI: 'true', TIERFORM_DATABASE_URL: 'postgres://ci:hunter2@127.0.0.1:1/shop' } });
    expect(closed.code).toBe(1);
    expectOneLineError(closed.stderr, 'db.unreachable');
    expect(closed.stderr).toContain('127.0.0.1:1');
    expect(closed.stderr + closed.stdout).not.toContain('hunter2');
  });
});

describe('connection failures (in-process)', () => {
  let silent: Server;
  const sockets: Socket[] = [];
  let port: number;
  beforeAll(async () => {
    // Accepts connections and never answers: a firewall black hole or a hung proxy.
    silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    port = (silent.address() as { port: number }).port;
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });

  it('a server that never answers: db.timeout after connect_timeout', async () => {
    const open = openDb({ db: `postgres://u:pw@127.0.0.1:${port}/x?connect_timeout=1`, env: {}, cwd: repo.dir, lockTimeoutMs: 0, migrate: false });
    await expect(open).rejects.toMatchObject({ code: 'db.timeout' });
    await expect(open).rejects.toThrow(`127.0.0.1:${port}`);
  });

  it('by SQLSTATE: wrong credentials (db.auth), unknown database (db.not-found); by errno: unknown host', async () => {
    const address = { host: 'db:5432', database: 'shop' };
    const pgError = (code: string) => Object.assign(new Error('server said no'), { code });
    expect(connectionError(pgError('28P01'), address).code).toBe('db.auth');
    expect(connectionError(pgError('3D000'), address).code).toBe('db.not-found');
    expect(connectionError(pgError('ENOTFOUND'), address).code).toBe('db.unreachable');
    expect(connectionError(pgError('ETIMEDOUT'), address).code).toBe('db.timeout');
    expect(connectionError(new Error('tls says s3cret'), address, ['s3cret']).message).not.toContain('s3cret');
    if (serverUrl) {
      // Against the real server too.
      const unknown = new URL(serverUrl);
      unknown.pathname = '/tierform_no_such_database';
      await expect(openDb({ db: unknown.toString(), env: {}, cwd: repo.dir, lockTimeoutMs: 0, migrate: false })).rejects.toMatchObject({ code: 'db.not-found' });
      const wrongUser = new URL(serverUrl);
      wrongUser.username = 'tierform_no_such_role';
      wrongUser.password = 'pw';
      await expect(openDb({ db: wrongUser.toString(), env: {}, cwd: repo.dir, lockTimeoutMs: 0, migrate: false })).rejects.toMatchObject({ code: 'db.auth' });
    }
  });
});

describe('read commands change nothing; writing commands name their target', () => {
  let db: SubprocessDb;
  beforeAll(async () => {
    db = await testDbUrlForSubprocess();
  });
  afterAll(async () => {
    await db.cleanup();
  });
  const cli = (...argv: string[]) => runCli([...argv, ...db.args, ...NOW], { cwd: repo.dir });

  it('on a database without the schema every read command says db.schema-missing and creates nothing', async () => {
    const reads = [['status'], ['plan', 'programs'], ['history', 'acme'], ['export', 'acme'], ['members', 'list', 'acme'], ['members', 'show', 'acme', 'm-1'], ['schedule', 'list'], ['outbox', 'list'], ['catalog', 'show']];
    for (const argv of reads) {
      const res = await cli(...argv);
      expect(res.code, argv.join(' ')).toBe(1);
      expectOneLineError(res.stderr, 'db.schema-missing');
    }
    if (db.kind === 'pglite') {
      expect(existsSync(db.args[1]!)).toBe(false);
    } else {
      const probe = openPg({ connectionString: db.args[1]!, max: 1 });
      try {
        const res = await probe.query<{ s: string | null; n: number }>(
          `SELECT to_regnamespace('tierform')::text AS s, (SELECT count(*)::int FROM pg_tables WHERE schemaname = 'public') AS n`,
        );
        expect(res.rows[0]).toEqual({ s: null, n: 0 });
      } finally {
        await probe.close();
      }
    }
  });

  it('apply creates the schema; plan, apply, import, run-due and rollback print the target first (text only)', async () => {
    const expected = db.kind === 'pglite' ? /^target: embedded \S+\n/ : /^target: postgres:\/\/[^@\s]+:\d+\/tierform_t_\w+, schema tierform\n/;
    const apply = await cli('apply', 'programs', '--auto-approve');
    expect(apply.stderr).toBe('');
    expect(apply.stdout).toMatch(expected);
    const plan = await cli('plan', 'programs');
    expect(plan.stdout).toMatch(expected);
    expect(JSON.parse((await cli('plan', 'programs', '--format', 'json')).stdout)).toHaveProperty('merchants');
    await repo.write({ 'members.ndjson': '{"merchant":"acme","member":"m-1"}\n' });
    const imported = await cli('import', 'members', 'members.ndjson');
    expect(imported.stdout).toMatch(expected);
    const due = await cli('run-due');
    expect(due.stdout).toMatch(expected);
    const rollback = await cli('rollback', 'acme', '--to', '1', '--auto-approve');
    expect(rollback.stdout).toMatch(expected);
    expect((await cli('status')).stdout).not.toContain('target:');
    // db check verifies the live database on either engine.
    const check = await cli('db', 'check');
    expect(check.stderr).toBe('');
    expect(check.code).toBe(0);
    expect(check.stdout).toMatch(/ok\s+merchants\s+1 row\n/);
    expect(check.stdout).toMatch(/The database is intact/);
    if (db.kind === 'pg') expect(apply.stdout.split('\n')[0]).not.toMatch(/@|password/);
  });
});
