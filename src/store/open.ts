/**
 * Choosing and opening the database for a command: `--db`, else TIERFORM_DATABASE_URL, else
 * DATABASE_URL selects a PostgreSQL server; otherwise the embedded database (PGlite) at
 * `--data-dir` or `<cwd>/.tierform/db`. An explicit `--data-dir` wins over the environment.
 * Drivers are imported lazily so commands without a database never load one.
 */
import { resolve } from 'node:path';
import type { CommandContext } from '../cli/context.js';
import { flag, stringOption } from '../cli/context.js';
import { UsageError } from '../cli/errors.js';
import type { Db } from './db.js';

export interface OpenDbOptions {
  db?: string;
  dataDir?: string;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** How long to wait for the embedded database held by another process. */
  lockTimeoutMs: number;
  /** Apply pending migrations (true) or refuse with state.schema-behind (false). */
  migrate: boolean;
  /** Skip both migrating and checking (default true: do one of them). */
  checkSchema?: boolean;
  /** Named in the embedded lock so a waiting process can say who holds it. */
  command?: string;
}

export type DbTarget = { kind: 'pg'; url: string } | { kind: 'pglite'; dataDir: string };

export function resolveDbTarget(opts: Pick<OpenDbOptions, 'db' | 'dataDir' | 'env' | 'cwd'>): DbTarget {
  if (opts.db) return { kind: 'pg', url: opts.db };
  if (opts.dataDir) return { kind: 'pglite', dataDir: resolve(opts.cwd, opts.dataDir) };
  const url = opts.env.TIERFORM_DATABASE_URL || opts.env.DATABASE_URL;
  if (url) return { kind: 'pg', url };
  return { kind: 'pglite', dataDir: resolve(opts.cwd, '.tierform', 'db') };
}

export async function openDb(opts: OpenDbOptions): Promise<Db> {
  const target = resolveDbTarget(opts);
  const db = target.kind === 'pg' ? await openServer(target.url) : await openEmbedded(target.dataDir, opts);
  if (opts.checkSchema === false) return db;
  try {
    const { migrate, assertSchemaCurrent } = await import('./migrate.js');
    if (opts.migrate) await migrate(db);
    else await assertSchemaCurrent(db);
  } catch (err) {
    await db.close();
    throw err;
  }
  return db;
}

async function openServer(url: string): Promise<Db> {
  const { openPg } = await import('./pg.js');
  return openPg({ connectionString: url });
}

async function openEmbedded(dataDir: string, opts: OpenDbOptions): Promise<Db> {
  const { acquireEmbeddedLock } = await import('./embeddedLock.js');
  const lock = await acquireEmbeddedLock(dataDir, { timeoutMs: opts.lockTimeoutMs, command: opts.command ?? 'tierform' });
  try {
    const { openPglite } = await import('./pglite.js');
    const db = await openPglite(dataDir);
    return {
      ...db,
      kind: db.kind,
      close: async () => {
        try {
          await db.close();
        } finally {
          lock.release();
        }
      },
    };
  } catch (err) {
    lock.release();
    throw err;
  }
}

/** `--lock-timeout <seconds>` (default 10) in milliseconds. */
export function lockTimeoutMsFromContext(ctx: CommandContext, usage = 'tierform <command> [--lock-timeout <seconds>]'): number {
  const text = stringOption(ctx, 'lock-timeout');
  if (text === undefined) return 10_000;
  const seconds = Number(text);
  if (text.trim() === '' || !Number.isFinite(seconds) || seconds < 0) {
    throw new UsageError(`--lock-timeout must be a number of seconds (got '${text}')`, usage);
  }
  return Math.round(seconds * 1000);
}

export interface OpenFromContextOptions {
  /** `false`: neither migrate nor check the schema (for `db migrate`, which does it itself). */
  checkSchema?: boolean;
}

/**
 * Opens the database the command's options select; `command` (e.g. `apply`) names the holder
 * of the embedded lock for a process that has to wait.
 */
export function openDbFromContext(ctx: CommandContext, command = '', more: OpenFromContextOptions = {}): Promise<Db> {
  return openDb({
    db: stringOption(ctx, 'db'),
    dataDir: stringOption(ctx, 'data-dir'),
    env: ctx.io.env,
    cwd: ctx.io.cwd,
    lockTimeoutMs: lockTimeoutMsFromContext(ctx),
    migrate: !flag(ctx, 'no-migrate'),
    checkSchema: more.checkSchema,
    command: command.startsWith('tierform') ? command : `tierform ${command}`.trim(),
  });
}
