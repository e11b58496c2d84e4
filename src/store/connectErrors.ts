/**
 * A server that cannot be reached is an expected failure, not a bug (SPEC §4.7): the first
 * connection's error becomes one line with a code, the host and what to check. Classified by
 * the Node errno or the PostgreSQL SQLSTATE, never by message text; never shows the password.
 */
import { TierformError } from '../cli/errors.js';
import type { ServerAddress } from './target.js';

function errnoOf(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  // A failed multi-address connect (IPv4 and IPv6) reports each attempt in an AggregateError.
  const inner = (err as { errors?: unknown }).errors;
  if (Array.isArray(inner)) for (const e of inner) {
    const c = errnoOf(e);
    if (c) return c;
  }
  return undefined;
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'EPIPE', 'EADDRNOTAVAIL', 'ENOENT']);
const UNKNOWN_HOST = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NONAME']);

export function connectionError(err: unknown, address: ServerAddress, secrets: readonly string[] = []): TierformError {
  const code = errnoOf(err);
  const where = address.host;
  if (code === '28P01' || code === '28000') {
    return new TierformError('db.auth', `the server at ${where} refused the credentials for database ${address.database} (${code}); check the user and password in the URL and pg_hba.conf`);
  }
  if (code === '3D000') {
    return new TierformError('db.not-found', `the server at ${where} has no database ${address.database}; check the database name in the URL, or create it (createdb ${address.database})`);
  }
  if (code !== undefined && UNKNOWN_HOST.has(code)) {
    return new TierformError('db.unreachable', `cannot resolve the host of ${where} (${code}); check the host name in the URL and the DNS of this machine`);
  }
  if (code !== undefined && UNREACHABLE.has(code)) {
    return new TierformError('db.unreachable', `cannot connect to ${where} (${code}); check that the server is running and that host and port are right`);
  }
  if (code === 'ETIMEDOUT') return timeoutError(address, null);
  if (code === '57P03' || code === '53300') {
    return new TierformError('db.unreachable', `the server at ${where} does not accept connections now (${code}: starting up, shutting down or full); try again later`);
  }
  // Anything else while connecting (TLS refused, a proxy hanging up): still a connection
  // failure; the driver's message says which, without the password.
  const message = err instanceof Error ? err.message : String(err);
  return new TierformError('db.unreachable', `cannot connect to ${where}: ${redact(message, secrets)}${code ? ` (${code})` : ''}`);
}

export function timeoutError(address: ServerAddress, seconds: number | null): TierformError {
  const after = seconds === null ? '' : ` within ${seconds} s`;
  return new TierformError('db.timeout', `no answer from ${address.host}${after}; check the host, the port and firewalls (raise connect_timeout in the URL for a slow network)`);
}

function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s) out = out.split(s).join('***');
  return out;
}
