/**
 * Choosing and opening the database for a command (SPEC §4.1, §4.7): the target is chosen
 * fail-closed (target.ts); a server's first connection is probed so its failure is an expected
 * error (connectErrors.ts); the embedded directory is created only where none exists and refused
 * when damaged (embeddedDir.ts). Only the commands that write create or migrate tierform's
 * schema; the others check it and change nothing. Drivers are imported lazily so commands without
 * a database never load one.
 */
import { mkdirSync } from 'node:fs';
import type { CommandContext } from '../cli/context.js';
import { flag, stringOption } from '../cli/context.js';
import { TierformError, UsageError } from '../cli/errors.js';
import type { Db } from './db.js';
import { checkSchemaName, describeTarget, parseServerUrl, resolveDbTarget, type DbTarget } from './target.js';

export { resolveDbTarget, type DbTarget } from './target.js';

export interface OpenDbOptions {
  db?: string | undefined;
  dataDir?: string | undefined;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** How long to wait for the embedded database held by another process. */
  lockTimeoutMs: number;
  /**
   * Create or migrate tierform's schema (a writing command), or only check it (false: a read
   * command, or --no-migrate): db.schema-missing / db.schema-behind, nothing changed.
   */
  migrate: boolean;
  /** Skip both migrating and checking (`db migrate` does it itself). */
  checkSchema?: boolean;
  /** Named in the embedded lock so a waiting process can say who holds it. */
  command?: string;
  /** The schema tierform's tables live in (default tierform). */
  schema?: string | undefined;
  /** --no-embedded: refuse the default embedded database (db.not-configured). */
  noEmbedded?: boolean;
  /** PGlite extensions to load on an embedded database (db check). */
  extensions?: Record<string, unknown>;
  /** Skip the size check at open (db check runs it and reports it with the rest). */
  skipSizeCheck?: boolean;
}

/**
 * The commands that write, and so may create or migrate the schema (SPEC §4.7). Every other
 * command — and any command added later until it is listed here — only reads.
 */
const WRITERS = new Set([
  'db migrate',
  'db init',
  'apply',
  'import orders',
  'import members',
  'import purchases',
  'import points',
  'evaluate',
  'recalc',
  'run-due',
  'scheduler',
  'rollback',
  'members set-tier',
  'catalog apply',
  'merchant set',
  'demo',
]);

export function isWritingCommand(command: string): boolean {
  return WRITERS.has(command.replace(/^tierform\s+/, ''));
}

const targets = new WeakMap<Db, string>();

/** `target: postgres://host:5432/db, schema tierform` or `target: embedded .tierform/db`. */
export function targetLine(db: Db): string {
  return targets.get(db) ?? `target: ${db.kind}`;
}

/**
 * Names the database first in text output (plan, apply, run-due, rollback, imports), so a CI log
 * shows where the work went. Silent for machine formats.
 */
export function printTarget(ctx: CommandContext, db: Db): void {
  if ((stringOption(ctx, 'format') ?? 'text') === 'text') ctx.io.stdout.write(`${targetLine(db)}\n`);
}

export async function openDb(opts: OpenDbOptions): Promise<Db> {
  const target = resolveDbTarget(opts);
  const schema = checkSchemaName(opts.schema);
  const db = target.kind === 'pg' ? await openServer(target.url, schema) : await openEmbedded(target, schema, opts);
  targets.set(db, describeTarget(target, schema, opts.cwd));
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

const DEFAULT_CONNECT_TIMEOUT_S = 10;

async function openServer(url: string, schema: string): Promise<Db> {
  const address = parseServerUrl(url);
  const given = Number(new URL(url).searchParams.get('connect_timeout') ?? '');
  const seconds = Number.isFinite(given) && given > 0 ? given : DEFAULT_CONNECT_TIMEOUT_S;
  const { openPg } = await import('./pg.js');
  const { connectionError, timeoutError } = await import('./connectErrors.js');
  // The driver's own limit only backs ours up (its timeout error carries no code).
  const db = openPg({ connectionString: url, schema, connectionTimeoutMs: seconds * 1000 + 2000 });
  const password = decodeURIComponent(new URL(url).password);
  // The pool connects lazily: probe now, so a server that cannot be reached fails here with a
  // code instead of deep inside the command. Our own timer also covers a server that accepts
  // the connection and then never answers.
  let timer: NodeJS.Timeout | undefined;
  const timedOut = Symbol('timeout');
  try {
    const outcome = await Promise.race([
      db.query('SELECT 1'),
      new Promise<typeof timedOut>((resolve) => {
        timer = setTimeout(() => resolve(timedOut), seconds * 1000);
      }),
    ]);
    if (outcome === timedOut) throw timeoutError(address, seconds);
  } catch (err) {
    void db.close().catch(() => {});
    throw err instanceof TierformError ? err : connectionError(err, address, [password]);
  } finally {
    clearTimeout(timer);
  }
  return db;
}

async function openEmbedded(target: Extract<DbTarget, { kind: 'pglite' }>, schema: string, opts: OpenDbOptions): Promise<Db> {
  const { inspectDataDir, realDataDir, writeMarker, findTruncatedRelations } = await import('./embeddedDir.js');
  const { corruptError } = await import('./embeddedFailure.js');
  const dataDir = realDataDir(target.dataDir);
  const mayCreate = opts.migrate;
  const missing = (): TierformError =>
    new TierformError('db.schema-missing', `there is no tierform database at ${target.dataDir} yet; nothing was created. An apply or tierform db migrate creates it${target.explicit ? '' : ' (or pass --data-dir to use another one)'}`);
  // A read command never creates the directory (nor the lock file beside it).
  if (inspectDataDir(dataDir).state === 'absent' && !mayCreate) throw missing();

  const { acquireEmbeddedLock } = await import('./embeddedLock.js');
  const lock = await acquireEmbeddedLock(dataDir, { timeoutMs: opts.lockTimeoutMs, command: opts.command ?? 'tierform' });
  try {
    // Under the lock: another process may have created the directory meanwhile.
    const state = inspectDataDir(dataDir);
    if (state.state === 'absent') {
      if (!mayCreate) throw missing();
      mkdirSync(dataDir, { recursive: true });
    }
    const { openPglite } = await import('./pglite.js');
    const db = await openPglite(dataDir, { schema, ...(opts.extensions ? { extensions: opts.extensions } : {}) });
    try {
      if (state.state !== 'tierform' && mayCreate) writeMarker(dataDir);
      const truncated = opts.skipSizeCheck ? [] : await findTruncatedRelations(db, schema, dataDir);
      if (truncated.length > 0) throw corruptError(target.dataDir, `files shorter than recorded: ${truncated.join(', ')}`);
    } catch (err) {
      await db.close();
      throw err;
    }
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

/** `--lock-timeout <seconds>` (default 10; 0 = do not wait) in milliseconds. */
export function lockTimeoutMsFromContext(ctx: CommandContext, usage = 'tierform <command> [--lock-timeout <seconds>]'): number {
  const text = stringOption(ctx, 'lock-timeout');
  if (text === undefined) return 10_000;
  const seconds = Number(text);
  if (!/^\s*\d+(\.\d+)?\s*$/.test(text) || !Number.isFinite(seconds) || seconds > 86_400) {
    throw new UsageError(`--lock-timeout must be a number of seconds from 0 to 86400 (got '${text}')`, usage);
  }
  return Math.round(seconds * 1000);
}

export interface OpenFromContextOptions {
  /** `false`: neither migrate nor check the schema (for `db migrate`, which does it itself). */
  checkSchema?: boolean;
  extensions?: Record<string, unknown>;
  skipSizeCheck?: boolean;
}

/** The target the command's options select (db.url-empty, db.not-configured when refused). */
export function dbTargetFromContext(ctx: CommandContext): DbTarget {
  return resolveDbTarget({ db: stringOption(ctx, 'db'), dataDir: stringOption(ctx, 'data-dir'), env: ctx.io.env, cwd: ctx.io.cwd, noEmbedded: flag(ctx, 'no-embedded') });
}

/**
 * Opens the database the command's options select; `command` (e.g. `apply`) names the holder
 * of the embedded lock for a process that has to wait, and decides whether the command may
 * create or migrate the schema.
 */
export function openDbFromContext(ctx: CommandContext, command = '', more: OpenFromContextOptions = {}): Promise<Db> {
  return openDb({
    db: stringOption(ctx, 'db'),
    dataDir: stringOption(ctx, 'data-dir'),
    env: ctx.io.env,
    cwd: ctx.io.cwd,
    lockTimeoutMs: lockTimeoutMsFromContext(ctx),
    migrate: isWritingCommand(command) && !flag(ctx, 'no-migrate'),
    checkSchema: more.checkSchema,
    command: command.startsWith('tierform') ? command : `tierform ${command}`.trim(),
    schema: stringOption(ctx, 'schema'),
    noEmbedded: flag(ctx, 'no-embedded'),
    ...(more.extensions ? { extensions: more.extensions } : {}),
    ...(more.skipSizeCheck ? { skipSizeCheck: true } : {}),
  });
}
