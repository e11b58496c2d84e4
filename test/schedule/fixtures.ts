/**
 * Workspaces for run-due tests: a program repository, a fresh database (the server's when
 * TIERFORM_TEST_DATABASE_URL is set, else an embedded data directory), the CLI run in-process
 * against both, and direct SQL access between CLI runs.
 */
import { expect } from 'vitest';
import { program, type ProgramOptions } from '../apply/fixtures.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { testDbUrlForSubprocess, type SubprocessDb } from '../helpers/db.js';
import { testdir, type TestDir } from '../helpers/testdir.js';
import type { Db } from '../../src/store/db.js';
import { openDb } from '../../src/store/open.js';
import { dumpPglite, openPglite } from '../../src/store/pglite.js';
import { loadMigrations, migrate } from '../../src/store/migrate.js';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MembershipProgram } from '../../src/generated/types.js';

export interface ScheduleProgramOptions extends ProgramOptions {
  timezone?: string;
  cron?: string;
}

export function scheduleProgram(o: ScheduleProgramOptions = {}): MembershipProgram {
  const doc = program(o) as unknown as { metadata: Record<string, unknown>; spec: Record<string, unknown> };
  if (o.timezone) doc.metadata.timezone = o.timezone;
  if (o.cron) doc.spec.evaluation = { cron: o.cron };
  return doc as unknown as MembershipProgram;
}

export interface Workspace {
  dir: TestDir;
  db: SubprocessDb;
  cli: (...argv: string[]) => Promise<CliResult>;
  /** Asserts exit 0 (showing stderr when not). */
  ok: (...argv: string[]) => Promise<CliResult>;
  write: (merchant: string, o: ScheduleProgramOptions) => Promise<void>;
  /** Opens the database for a moment (the CLI must not be running on an embedded one). */
  sql: <T>(fn: (db: Db) => Promise<T>) => Promise<T>;
  cleanup: () => Promise<void>;
}

let image: Promise<Blob> | undefined;

/**
 * An image of a migrated embedded database: the one test/helpers/db.ts caches in the temp
 * directory when it is there, else built once per test file. Creating a cluster costs seconds.
 */
function migratedImage(): Promise<Blob> {
  image ??= (async () => {
    const pgliteVersion = (JSON.parse(await readFile(new URL('../../node_modules/@electric-sql/pglite/package.json', import.meta.url), 'utf8')) as { version: string }).version;
    const hash = createHash('sha256').update(pgliteVersion);
    for (const m of await loadMigrations()) hash.update(`\0${m.version}\0${m.sql}`);
    const cached = await readFile(join(tmpdir(), `tierform-test-pglite-${hash.digest('hex').slice(0, 16)}.tar`)).catch(() => undefined);
    if (cached) return new Blob([cached]);
    const db = await openPglite();
    try {
      await migrate(db);
      return await dumpPglite(db);
    } finally {
      await db.close();
    }
  })();
  return image;
}

export async function workspace(programs: Record<string, ScheduleProgramOptions>): Promise<Workspace> {
  const db = await testDbUrlForSubprocess();
  if (db.kind === 'pglite') {
    const seeded = await openPglite(db.args[1]!, { loadDataDir: await migratedImage() });
    await seeded.close();
  }
  const files: Record<string, object> = {};
  for (const [merchant, o] of Object.entries(programs)) files[`programs/${merchant}/program.yaml`] = scheduleProgram({ merchant, ...o });
  const dir = await testdir(files);
  const cli = (...argv: string[]): Promise<CliResult> => runCli([...argv, ...db.args], { cwd: dir.dir });
  return {
    dir,
    db,
    cli,
    ok: async (...argv) => {
      const r = await cli(...argv);
      expect(r.stderr, `tierform ${argv.join(' ')}`).toBe('');
      expect(r.code, `tierform ${argv.join(' ')}: ${r.stdout}`).toBe(0);
      return r;
    },
    write: (merchant, o) => dir.write({ [`programs/${merchant}/program.yaml`]: scheduleProgram({ merchant, ...o }) }),
    sql: async (fn) => {
      const handle = await openDb({
        ...(db.kind === 'pg' ? { db: db.args[1]! } : { dataDir: db.args[1]! }),
        env: {},
        cwd: dir.dir,
        lockTimeoutMs: 10_000,
        migrate: true,
      });
      try {
        return await fn(handle);
      } finally {
        await handle.close();
      }
    },
    cleanup: async () => {
      await dir.cleanup();
      await db.cleanup();
    },
  };
}

export interface MemberSpec {
  member: string;
  joinedAt: string;
  /** One paid order per amount (in major units), paid at `paidAt`. */
  amounts: number[];
  paidAt: string;
}

/**
 * Inserts members and their paid orders (USD) as an import leaves them. Plain SQL keeps these
 * tests independent of the importer and saves opening the embedded database twice.
 */
export async function importMembers(w: Workspace, merchant: string, members: MemberSpec[]): Promise<void> {
  await w.sql((db) =>
    db.transaction(async (tx) => {
      for (const m of members) {
        await tx.query('INSERT INTO members (merchant_id, member_id, joined_at) VALUES ($1, $2, $3)', [merchant, m.member, m.joinedAt]);
        for (const [i, amount] of m.amounts.entries()) {
          await tx.query(
            `INSERT INTO orders (merchant_id, order_id, member_id, amount_minor, refunded_minor, paid_at, status, tags, import_seq)
             VALUES ($1, $2, $3, $4, 0, $5, 'paid', '{}', nextval('import_seq'))`,
            [merchant, `${m.member}-o${i}`, m.member, String(amount * 100), m.paidAt],
          );
        }
      }
    }),
  );
}

/** 30 members: m01–m10 spend 150 (bronze), m11–m20 350 (bronze at silver 500, silver at 300), m21–m30 600 (silver). */
export function thirtyMembers(): MemberSpec[] {
  return Array.from({ length: 30 }, (_, i) => {
    const n = i + 1;
    return {
      member: `m${String(n).padStart(2, '0')}`,
      joinedAt: '2026-01-01T00:00:00+08:00',
      amounts: [n <= 10 ? 150 : n <= 20 ? 350 : 600],
      paidAt: '2026-06-01T12:00:00+08:00',
    };
  });
}

export async function tiers(w: Workspace, merchant: string): Promise<Record<string, string | null>> {
  return w.sql(async (db) => {
    const { rows } = await db.query<{ member_id: string; tier_id: string | null }>('SELECT member_id, tier_id FROM members WHERE merchant_id = $1 ORDER BY member_id', [merchant]);
    return Object.fromEntries(rows.map((r) => [r.member_id, r.tier_id]));
  });
}

export interface StandingRow {
  member_id: string;
  tier_id: string | null;
  tier_since: string | null;
  expires_at: string | null;
}

export async function standings(db: Db, merchant: string): Promise<StandingRow[]> {
  const { rows } = await db.query<StandingRow>(
    `SELECT member_id, tier_id, to_char(tier_since AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS') AS tier_since,
            to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS') AS expires_at
       FROM members WHERE merchant_id = $1 ORDER BY member_id`,
    [merchant],
  );
  return rows;
}

/** member_history rows with reason rule_change, per member. */
export async function ruleChanges(db: Db, merchant: string): Promise<Record<string, number>> {
  const { rows } = await db.query<{ member_id: string; n: number }>(
    "SELECT member_id, count(*)::int AS n FROM member_history WHERE merchant_id = $1 AND reason = 'rule_change' GROUP BY member_id ORDER BY member_id",
    [merchant],
  );
  return Object.fromEntries(rows.map((r) => [r.member_id, Number(r.n)]));
}

export const MOVED = Array.from({ length: 10 }, (_, i) => `m${11 + i}`);

/** The scenario of SPEC §3.5 up to just before the change: v1 live, v2 (silver 500 → 300) pending at T. */
export const A0 = '2026-11-30T10:00:00+08:00';
export const A1 = '2026-11-30T11:00:00+08:00';
export const T = '2026-12-01T12:00:00+08:00';
export const plus = (instant: string, minutes: number): string => new Date(Date.parse(instant) + minutes * 60_000).toISOString();

export async function scheduledChangeWorkspace(merchant = 'acme'): Promise<Workspace> {
  const w = await workspace({ [merchant]: {} });
  await w.ok('apply', '--auto-approve', '--now', A0);
  await importMembers(w, merchant, thirtyMembers());
  await w.write(merchant, { silverAmount: 300, scheduledAt: T });
  const applied = await w.ok('apply', '--auto-approve', '--now', A1);
  expect(applied.stdout).toContain('version 2');
  // Joins after the apply: judged under the pending version from the start.
  await importMembers(w, merchant, [{ member: 'n01', joinedAt: '2026-11-30T12:00:00+08:00', amounts: [350], paidAt: '2026-11-30T12:30:00+08:00' }]);
  // The first daily evaluation (03:00 Asia/Shanghai after the first apply) gives everyone a level.
  await w.ok('run-due', '--now', '2026-12-01T03:30:00+08:00');
  return w;
}
