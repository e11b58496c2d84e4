import { describe, expect, it } from 'vitest';
import { checkSchemaName, describeTarget, inCi, parseServerUrl, resolveDbTarget } from '../../src/store/target.js';
import { isWritingCommand, lockTimeoutMsFromContext } from '../../src/store/open.js';
import type { CommandContext } from '../../src/cli/context.js';
import { setLocalLockTimeout } from '../../src/store/merchantLock.js';
import { runCli } from '../helpers/cli.js';

const cwd = '/work/shop';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
}

describe('choosing the database (fail closed)', () => {
  it('--db first, then TIERFORM_DATABASE_URL, else the embedded one; DATABASE_URL is never read', () => {
    const env = { TIERFORM_DATABASE_URL: 'postgres://t/db', DATABASE_URL: 'postgres://d/db' };
    expect(resolveDbTarget({ db: 'postgres://cli/db', env, cwd })).toEqual({ kind: 'pg', url: 'postgres://cli/db' });
    expect(resolveDbTarget({ env, cwd })).toEqual({ kind: 'pg', url: 'postgres://t/db' });
    // The application's variable: before v1.1 tierform created its tables there.
    expect(resolveDbTarget({ env: { DATABASE_URL: 'postgres://d/db' }, cwd })).toEqual({ kind: 'pglite', dataDir: '/work/shop/.tierform/db', explicit: false });
    expect(resolveDbTarget({ env: {}, cwd })).toEqual({ kind: 'pglite', dataDir: '/work/shop/.tierform/db', explicit: false });
  });

  it('an explicit --data-dir wins over the environment, not over --db', () => {
    const env = { TIERFORM_DATABASE_URL: 'postgres://t/db' };
    expect(resolveDbTarget({ dataDir: 'state', env, cwd })).toEqual({ kind: 'pglite', dataDir: '/work/shop/state', explicit: true });
    expect(resolveDbTarget({ db: 'postgres://cli/db', dataDir: 'state', env, cwd })).toEqual({ kind: 'pg', url: 'postgres://cli/db' });
  });

  it('an empty URL is an error, never a fallback to the embedded database (db.url-empty)', () => {
    // A missing CI secret expands to "": this used to apply to a throwaway embedded database.
    expect(codeOf(() => resolveDbTarget({ env: { TIERFORM_DATABASE_URL: '' }, cwd }))).toBe('db.url-empty');
    expect(codeOf(() => resolveDbTarget({ env: { TIERFORM_DATABASE_URL: '  ' }, cwd }))).toBe('db.url-empty');
    expect(codeOf(() => resolveDbTarget({ db: '', env: {}, cwd }))).toBe('db.url-empty');
    // Even with --data-dir: the empty variable says someone meant a server.
    expect(codeOf(() => resolveDbTarget({ db: '', dataDir: 'state', env: {}, cwd }))).toBe('db.url-empty');
  });

  it('in CI or with --no-embedded the default embedded database is refused; an explicit --data-dir is allowed', () => {
    expect(codeOf(() => resolveDbTarget({ env: { CI: 'true' }, cwd }))).toBe('db.not-configured');
    expect(codeOf(() => resolveDbTarget({ env: {}, cwd, noEmbedded: true }))).toBe('db.not-configured');
    expect(resolveDbTarget({ env: { CI: 'true' }, dataDir: 'state', cwd })).toMatchObject({ kind: 'pglite', explicit: true });
    expect(resolveDbTarget({ env: { CI: 'true', TIERFORM_DATABASE_URL: 'postgres://t/db' }, cwd })).toMatchObject({ kind: 'pg' });
    expect([inCi({ CI: '1' }), inCi({ CI: 'true' }), inCi({ CI: 'false' }), inCi({ CI: '0' }), inCi({ CI: '' }), inCi({})]).toEqual([true, true, false, false, false, false]);
  });
});

describe('naming the target', () => {
  it('shows host, port, database and schema, never user or password', () => {
    const line = describeTarget({ kind: 'pg', url: 'postgres://alice:s3cret@db.example.com/shop?sslmode=require&password=x' }, 'tierform', cwd);
    expect(line).toBe('target: postgres://db.example.com:5432/shop, schema tierform');
    expect(line).not.toMatch(/s3cret|alice|password/);
    expect(describeTarget({ kind: 'pglite', dataDir: '/work/shop/.tierform/db', explicit: false }, 'tierform', cwd)).toBe('target: embedded .tierform/db');
    expect(describeTarget({ kind: 'pglite', dataDir: '/work/shop/.tierform/db', explicit: false }, 'other', cwd)).toBe('target: embedded .tierform/db, schema other');
  });

  it("rejects what is not a postgres URL (db.url-invalid) instead of reading 'not a url' as a socket path", () => {
    expect(codeOf(() => parseServerUrl('not a url'))).toBe('db.url-invalid');
    expect(codeOf(() => parseServerUrl('mysql://h/db'))).toBe('db.url-invalid');
    expect(codeOf(() => parseServerUrl('postgres:///db'))).toBe('db.url-invalid');
    expect(parseServerUrl('postgres:///db?host=/var/run/postgresql')).toEqual({ host: '/var/run/postgresql', database: 'db' });
    // A URL that fails to parse never echoes its password.
    const err = (() => {
      try {
        parseServerUrl('postgres://u:pa ss@h:x/db');
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    expect(err?.message).not.toContain('pa ss');
  });

  it('--schema takes a plain identifier', () => {
    expect(checkSchemaName(undefined)).toBe('tierform');
    expect(checkSchemaName('loyalty_2')).toBe('loyalty_2');
    for (const bad of ['', 'Tierform', 'a-b', 'x;drop', 'pg_temp', '1abc']) expect(codeOf(() => checkSchemaName(bad)), bad).toMatch(/^usage/);
  });
});

describe('which commands may create or migrate the schema', () => {
  it('only the writing commands; read commands and unknown ones never do', () => {
    for (const w of ['db migrate', 'apply', 'import orders', 'evaluate', 'recalc', 'run-due', 'scheduler', 'rollback', 'catalog apply', 'merchant set', 'members set-tier', 'tierform apply']) {
      expect(isWritingCommand(w), w).toBe(true);
    }
    for (const r of ['status', 'plan', 'history', 'export', 'members show', 'members list', 'schedule list', 'outbox list', 'catalog show', 'db check', 'show', 'some future command']) {
      expect(isWritingCommand(r), r).toBe(false);
    }
  });
});

describe('--lock-timeout', () => {
  const ctx = (value: string): CommandContext => ({ options: { 'lock-timeout': value } }) as unknown as CommandContext;
  it('takes seconds from 0 up; anything else is a range error', () => {
    expect(lockTimeoutMsFromContext(ctx('0'))).toBe(0);
    expect(lockTimeoutMsFromContext(ctx('2.5'))).toBe(2500);
    for (const bad of ['-1', 'abc', '', '1e3', 'Infinity', '100000']) {
      expect(() => lockTimeoutMsFromContext(ctx(bad)), bad).toThrow(/from 0 to 86400/);
    }
  });
});

describe('--lock-timeout on the command line', () => {
  it("a negative value is a range error, not node's 'argument is ambiguous'", async () => {
    for (const value of ['-1', '-0.5', 'soon']) {
      const res = await runCli(['status', '--lock-timeout', value, '--data-dir', '/nonexistent/tierform']);
      expect(res.code, value).toBe(1);
      expect(res.stderr, value).toContain(`--lock-timeout must be a number of seconds from 0 to 86400 (got '${value}')`);
      expect(res.stderr).not.toContain('ambiguous');
    }
  });

  it('0 means do not wait: PostgreSQL would read lock_timeout 0 as wait for ever', () => {
    expect(setLocalLockTimeout(0).values).toEqual(['1ms']);
    expect(setLocalLockTimeout(2500).values).toEqual(['2500ms']);
  });
});
