/** A database with merchants for import tests, the CLI bound to it, and direct reads of its tables. */
import { afterAll } from 'vitest';
import type { Db } from '../../src/store/db.js';
import { openPg } from '../../src/store/pg.js';
import { openPglite } from '../../src/store/pglite.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { testDbUrlForSubprocess, type SubprocessDb } from '../helpers/db.js';
import { testdir, type TestDir } from '../helpers/testdir.js';
import { program } from '../apply/fixtures.js';

export interface ImportWorkspace {
  db: SubprocessDb;
  dir: TestDir;
  /** Runs tierform in the workspace, in-process, on its database. */
  cli(argv: string[], stdin?: string): Promise<CliResult>;
  /** Opens the database for a direct look (the CLI must not be running on PGlite). */
  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<R[]>;
}

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

/**
 * Merchants `acme` (USD) and `yen` (JPY) with an active program, and `bare`, a merchant with a
 * subscription but no program version.
 */
export async function importWorkspace(): Promise<ImportWorkspace> {
  const db = await testDbUrlForSubprocess();
  cleanups.push(db.cleanup);
  const yen = program({ merchant: 'yen' }) as unknown as { metadata: { currency: string } };
  yen.metadata.currency = 'JPY';
  const dir = await testdir({
    'programs/acme/program.yaml': program({ merchant: 'acme' }),
    'programs/yen/program.yaml': yen,
  });
  cleanups.push(() => dir.cleanup());
  // Imports name their target first (tested in test/store/failClosed.test.ts); these tests read what follows.
  const cli = async (argv: string[], stdin?: string): Promise<CliResult> => {
    const res = await runCli([...argv, ...db.args], { cwd: dir.dir, ...(stdin !== undefined ? { stdin } : {}) });
    return { ...res, stdout: res.stdout.replace(/^target: .*\n/, '') };
  };
  const applied = await cli(['apply', 'programs', '--auto-approve', '--now', '2026-01-01T00:00:00Z']);
  if (applied.code !== 0) throw new Error(`apply failed: ${applied.stdout}${applied.stderr}`);
  const bare = await cli(['merchant', 'set', 'bare', '--subscription', 'growth', '--now', '2026-01-01T00:00:00Z']);
  if (bare.code !== 0) throw new Error(`merchant set failed: ${bare.stdout}${bare.stderr}`);
  return {
    db,
    dir,
    cli,
    query: async <R,>(sql: string, params: unknown[] = []) => {
      const handle: Db = db.kind === 'pg' ? openPg({ connectionString: db.args[1]!, max: 1 }) : await openPglite(db.args[1]!);
      try {
        return (await handle.query<R>(sql, params)).rows;
      } finally {
        await handle.close();
      }
    },
  };
}

/** A row of `orders` as the tests read it (numbers as text). */
export interface OrderRow {
  merchant_id: string;
  order_id: string;
  member_id: string;
  amount_minor: string;
  refunded_minor: string;
  paid_at: Date;
  status: string;
  tags: string[];
  import_seq: string;
  consumed: boolean;
}

export const ndjson = (...rows: object[]): string => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
