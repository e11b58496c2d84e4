/**
 * Which database a command talks to, decided fail-closed (SPEC §4.7): `--db`, else
 * TIERFORM_DATABASE_URL, else the embedded database — but an empty URL is an error, never a
 * fallback, and in CI (or with --no-embedded) the embedded database needs an explicit
 * `--data-dir`. DATABASE_URL belongs to the application beside tierform and is not read.
 * Pure: no I/O, so every rule is tested in-process.
 */
import { relative, resolve } from 'node:path';
import { TierformError, UsageError } from '../cli/errors.js';

export const DEFAULT_SCHEMA = 'tierform';

export type DbTarget =
  | { kind: 'pg'; url: string }
  /** `explicit`: the directory came from --data-dir (not the default ./.tierform/db). */
  | { kind: 'pglite'; dataDir: string; explicit: boolean };

export interface TargetInput {
  db?: string | undefined;
  dataDir?: string | undefined;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** --no-embedded: never fall back to the default embedded database. */
  noEmbedded?: boolean | undefined;
}

/** `CI` set to anything but an empty string, `0` or `false` (what CI systems export). */
export function inCi(env: NodeJS.ProcessEnv): boolean {
  const v = env.CI;
  return v !== undefined && v.trim() !== '' && v !== '0' && v.toLowerCase() !== 'false';
}

export function resolveDbTarget(input: TargetInput): DbTarget {
  if (input.db !== undefined) {
    if (input.db.trim() === '') throw new TierformError('db.url-empty', '--db is empty; give a PostgreSQL URL (postgres://host:5432/db), or leave --db out');
    return { kind: 'pg', url: input.db.trim() };
  }
  if (input.dataDir !== undefined) {
    if (input.dataDir.trim() === '') throw new UsageError('--data-dir is empty; name the embedded database directory', 'tierform <command> --data-dir <dir>');
    return { kind: 'pglite', dataDir: resolve(input.cwd, input.dataDir), explicit: true };
  }
  const url = input.env.TIERFORM_DATABASE_URL;
  if (url !== undefined) {
    if (url.trim() === '') {
      throw new TierformError('db.url-empty', 'TIERFORM_DATABASE_URL is set but empty (a missing CI secret?); set it to the PostgreSQL URL, or unset it to use the embedded database');
    }
    return { kind: 'pg', url: url.trim() };
  }
  if (input.noEmbedded || inCi(input.env)) {
    const why = input.noEmbedded ? '--no-embedded is given' : 'CI is set';
    throw new TierformError(
      'db.not-configured',
      `no database given and ${why}: set TIERFORM_DATABASE_URL or --db to the PostgreSQL server, or pass --data-dir to use an embedded database on purpose`,
    );
  }
  return { kind: 'pglite', dataDir: resolve(input.cwd, '.tierform', 'db'), explicit: false };
}

/** `--schema <name>`: a plain lower-case PostgreSQL identifier (no quoting games). */
export function checkSchemaName(name: string | undefined): string {
  if (name === undefined) return DEFAULT_SCHEMA;
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name) || name.startsWith('pg_')) {
    throw new UsageError(`--schema must be a lower-case identifier (letters, digits, _; not pg_…), got '${name}'`, 'tierform <command> --schema <name>');
  }
  return name;
}

export interface ServerAddress {
  /** `host:port`, or the socket directory; for messages. */
  host: string;
  database: string;
}

/**
 * Parses a connection URL strictly: `postgres://` or `postgresql://` with a host or a `host=`
 * socket parameter. The driver would otherwise read `not a url` as a socket path and fail later
 * with a misleading host name.
 */
export function parseServerUrl(url: string): ServerAddress {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new TierformError('db.url-invalid', `the database URL is not a URL (${redactUrlText(url)}); expected postgres://user@host:5432/database`);
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') {
    throw new TierformError('db.url-invalid', `the database URL must start with postgres:// or postgresql:// (got ${u.protocol}//…)`);
  }
  const socket = u.searchParams.get('host');
  const hostname = decodeURIComponent(u.hostname);
  if (!hostname && !socket) throw new TierformError('db.url-invalid', 'the database URL names no host; expected postgres://user@host:5432/database');
  const host = hostname ? `${hostname}:${u.port || '5432'}` : socket!;
  const database = decodeURIComponent(u.pathname.replace(/^\//, '')) || decodeURIComponent(u.username) || 'postgres';
  return { host, database };
}

/** A URL that failed to parse may still hold a password: show only its shape. */
function redactUrlText(url: string): string {
  const noCredentials = url.replace(/\/\/[^@/]*@/, '//…@');
  return noCredentials.length > 60 ? `${noCredentials.slice(0, 57)}…` : noCredentials;
}

/** The line plan, apply, run-due, rollback and imports print first; never holds a password. */
export function describeTarget(target: DbTarget, schema: string, cwd: string): string {
  if (target.kind === 'pg') {
    const { host, database } = parseServerUrl(target.url);
    return `target: postgres://${host}/${database}, schema ${schema}`;
  }
  const shown = relative(cwd, target.dataDir) || '.';
  return `target: embedded ${shown.startsWith('..') ? target.dataDir : shown}${schema === DEFAULT_SCHEMA ? '' : `, schema ${schema}`}`;
}
