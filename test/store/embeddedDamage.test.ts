/**
 * The embedded database fails closed (SPEC §4.7): a directory is created only where none exists,
 * a foreign one is refused, and a damaged one is never silently re-initialised — each case as it
 * was found: PG_VERSION removed (status used to report an empty database and apply wrote into
 * it), a truncated heap file (reads lost rows without a word), garbage in pg_control and in the
 * marker (ended in `[object Object]` or `Aborted()`). Through the CLI layer in-process.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync, statSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { openDb } from '../../src/store/open.js';
import { MARKER_FILE } from '../../src/store/embeddedDir.js';

let root: string;
let pristine: string;
const ROWS = 3000;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'tierform-damage-'));
  pristine = join(root, 'pristine');
  const db = await openDb({ dataDir: pristine, env: {}, cwd: root, lockTimeoutMs: 0, migrate: true });
  try {
    await db.query(
      `INSERT INTO merchants (merchant_id, subscription, created_at, updated_at)
       SELECT 'm-' || g, 'growth', now(), now() FROM generate_series(1, ${ROWS}) g`,
    );
    await db.query('ANALYZE merchants');
  } finally {
    await db.close();
  }
}, 120_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
/** A copy of the pristine database to damage. */
function copy(): string {
  n += 1;
  const dir = join(root, `copy-${n}`, 'db');
  mkdirSync(join(root, `copy-${n}`));
  cpSync(pristine, dir, { recursive: true });
  return dir;
}

function listing(dir: string): string[] {
  return readdirSync(dir, { recursive: true }).map(String).sort();
}

const cli = (dir: string, ...argv: string[]) => runCli([...argv, '--data-dir', dir], { cwd: root });

describe('the embedded database fails closed', () => {
  it('refuses a non-empty directory that is not a tierform database (--data-dir . in a repository), touching nothing', async () => {
    const repo = join(root, 'repo');
    mkdirSync(join(repo, 'programs'), { recursive: true });
    writeFileSync(join(repo, 'README.md'), 'mine\n');
    for (const command of [['status'], ['db', 'migrate']]) {
      const res = await runCli([...command, '--data-dir', '.'], { cwd: repo });
      expect(res.code).toBe(1);
      expect(res.stderr).toMatch(/^error db\.data-dir-foreign: .*is not a tierform database/);
    }
    expect(readdirSync(repo).sort()).toEqual(['README.md', 'programs']);
    // An empty directory is fine: it becomes the database.
    mkdirSync(join(root, 'empty'));
    expect((await runCli(['db', 'migrate', '--data-dir', 'empty'], { cwd: root })).code).toBe(0);
    expect(existsSync(join(root, 'empty', MARKER_FILE))).toBe(true);
  });

  it('PG_VERSION missing: db.embedded-corrupt with the path and what to do, never a fresh empty database', async () => {
    const dir = copy();
    rmSync(join(dir, 'PG_VERSION'));
    const before = listing(dir);
    for (const command of [['status'], ['apply', 'programs', '--auto-approve'], ['db', 'migrate']]) {
      const res = await cli(dir, ...command);
      expect(res.code, command.join(' ')).toBe(1);
      expect(res.stderr).toContain(`error db.embedded-corrupt: the embedded database ${dir} is damaged (PG_VERSION is missing)`);
      expect(res.stderr).toMatch(/Restore the directory from a backup, or .*tierform db init --force/);
      expect(res.stderr).not.toMatch(/internal error|\[object Object\]|at .*\.js/);
    }
    expect(listing(dir)).toEqual(before);
    // The same without the marker (a database made before markers existed).
    rmSync(join(dir, MARKER_FILE));
    expect((await cli(dir, 'status')).stderr).toContain('db.embedded-corrupt');
    expect(existsSync(join(dir, 'PG_VERSION'))).toBe(false);
  });

  it('a truncated heap file is refused at open, and db check reports it', async () => {
    const dir = copy();
    const db = await openDb({ dataDir: dir, env: {}, cwd: root, lockTimeoutMs: 0, migrate: false });
    const file = (await db.query<{ f: string }>(`SELECT pg_relation_filepath('merchants') AS f`)).rows[0]!.f;
    await db.close();
    const path = join(dir, file);
    truncateSync(path, Math.floor(statSync(path).size / 2 / 8192) * 8192);
    writeFileSync(join(root, 'orders.ndjson'), '{"merchant":"m-1","member":"a","order":"o-1","amount":"10.00","at":"2026-01-01T00:00:00Z"}\n');
    for (const command of [['status'], ['recalc', 'm-1'], ['import', 'orders', 'orders.ndjson']]) {
      const res = await cli(dir, ...command);
      expect(res.code, command.join(' ')).toBe(1);
      expect(res.stderr).toMatch(/^error db\.embedded-corrupt: .*files shorter than recorded: merchants/);
    }
    const check = await cli(dir, 'db', 'check');
    expect(check.code).toBe(1);
    expect(check.stdout).toMatch(/DAMAGED\s+file shorter than recorded: merchants/);
    expect(check.stdout).toMatch(/DAMAGED\s+merchants\s+[\d,]+ rows/);
    expect(check.stderr).toMatch(/^error db\.embedded-corrupt: the database has damaged tables/);
  });

  it('db check on an intact database reads every table and runs amcheck', async () => {
    const dir = copy();
    const res = await cli(dir, 'db', 'check');
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/ok\s+merchants\s+3,000 rows/);
    expect(res.stdout).toContain('amcheck: indexes and heaps verified');
    expect(res.stdout).toMatch(/The database is intact \(\d+ tables\)/);
  });

  it('garbage in pg_control or in the marker: db.embedded-corrupt, not [object Object] or Aborted()', async () => {
    const control = copy();
    writeFileSync(join(control, 'global', 'pg_control'), Buffer.alloc(8192, 0x5a));
    const res = await cli(control, 'status');
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/^error db\.embedded-corrupt: the embedded database .* is damaged/);
    expect(res.stderr).not.toMatch(/internal error|\[object Object\]/);

    const marker = copy();
    writeFileSync(join(marker, MARKER_FILE), '{');
    expect((await cli(marker, 'status')).stderr).toMatch(/^error db\.embedded-corrupt: .*marker/);
  });

  it('db init --force moves the damaged directory aside (nothing deleted) and starts a new database', async () => {
    const dir = copy();
    rmSync(join(dir, 'PG_VERSION'));
    expect((await cli(dir, 'db', 'init')).stderr).toContain('db.embedded-corrupt');
    const res = await runCli(['db', 'init', '--force', '--data-dir', dir, '--now', '2026-03-01T00:00:00Z'], { cwd: root });
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const aside = `${dir}.damaged-2026-03-01T00-00-00-000Z`;
    expect(res.stdout).toContain(`moved the old database aside to ${aside}`);
    expect(existsSync(join(aside, 'base'))).toBe(true);
    const status = await cli(dir, 'status');
    expect(status).toMatchObject({ code: 0 });
    expect(status.stdout).toContain('No merchants');
    expect(readFileSync(join(dir, MARKER_FILE), 'utf8')).toContain('tierform-embedded-database');
  });
});
