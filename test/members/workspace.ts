/** A program repository, a database the CLI and the test share, and SQL access to it. */
import { afterAll } from 'vitest';
import { runCli, type CliResult } from '../helpers/cli.js';
import { testDbUrlForSubprocess, type SubprocessDb } from '../helpers/db.js';
import { testdir, type FileTree, type TestDir } from '../helpers/testdir.js';
import { openDb } from '../../src/store/open.js';
import type { Queryable } from '../../src/store/db.js';

export interface Workspace {
  dir: TestDir;
  db: SubprocessDb;
  cli: (...argv: string[]) => Promise<CliResult>;
  /** Runs `fn` on its own connection to the workspace's database (closed before returning). */
  sql: <T>(fn: (q: Queryable) => Promise<T>) => Promise<T>;
}

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

export async function workspace(files: FileTree): Promise<Workspace> {
  const db = await testDbUrlForSubprocess();
  const dir = await testdir(files);
  cleanups.push(() => dir.cleanup(), () => db.cleanup());
  const target = db.args[0] === '--db' ? { db: db.args[1]! } : { dataDir: db.args[1]! };
  return {
    dir,
    db,
    cli: (...argv) => runCli([...argv, ...db.args], { cwd: dir.dir }),
    sql: async (fn) => {
      const conn = await openDb({ ...target, env: {}, cwd: dir.dir, lockTimeoutMs: 10_000, migrate: true, command: 'test' });
      try {
        return await fn(conn);
      } finally {
        await conn.close();
      }
    },
  };
}

export interface MemberSeed {
  member: string;
  joinedAt: string;
  name?: string | null;
  tier?: string | null;
  tierSince?: string | null;
  anchorAt?: string | null;
  expiresAt?: string | null;
}

export async function insertMembers(q: Queryable, merchant: string, members: MemberSeed[]): Promise<void> {
  for (const m of members) {
    await q.query(
      `INSERT INTO members (merchant_id, member_id, joined_at, name, tier_id, tier_since, anchor_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [merchant, m.member, m.joinedAt, m.name ?? null, m.tier ?? null, m.tierSince ?? null, m.anchorAt ?? null, m.expiresAt ?? null],
    );
  }
}

export async function insertOrders(
  q: Queryable,
  merchant: string,
  orders: { order: string; member: string; amountMinor: number; paidAt: string }[],
): Promise<void> {
  for (const o of orders) {
    await q.query(
      `INSERT INTO orders (merchant_id, order_id, member_id, amount_minor, paid_at, status, import_seq)
       VALUES ($1, $2, $3, $4, $5, 'paid', nextval('import_seq'))`,
      [merchant, o.order, o.member, o.amountMinor, o.paidAt],
    );
  }
}
