/**
 * The per-merchant lock: a transaction-scoped advisory lock keyed by `hashtext(merchant)`. Every
 * writer of a merchant's program state (apply, rollback, run-due) takes it first, so they run one
 * at a time per merchant and each reads the state its predecessor left.
 */
import type { Queryable } from './db.js';
import { toIsoOrNull, type Statement } from './statement.js';

/**
 * `SET LOCAL` takes no bound parameters; set_config(..., true) is its parameterized form.
 * PostgreSQL reads lock_timeout 0 as "wait for ever": `--lock-timeout 0` (do not wait) is 1 ms.
 */
export function setLocalLockTimeout(ms: number): Statement {
  return { text: "SELECT set_config('lock_timeout', $1, true)", values: [`${Math.max(1, Math.round(ms))}ms`] };
}

/** Names this transaction in pg_stat_activity, so a waiter can say who holds the lock. */
export function setLocalApplicationName(name: string): Statement {
  return { text: "SELECT set_config('application_name', $1, true)", values: [name.slice(0, 63)] };
}

export function lockMerchant(merchant: string): Statement {
  return { text: 'SELECT pg_advisory_xact_lock(hashtext($1)::bigint)', values: [merchant] };
}

export interface LockHolder {
  pid: number;
  applicationName: string | null;
  since: string | null;
}

/**
 * Who holds the merchant's lock now. A one-key advisory lock shows in pg_locks as its high and
 * low 32 bits (classid, objid) with objsubid 1.
 */
export async function findLockHolder(q: Queryable, merchant: string): Promise<LockHolder | null> {
  const { rows } = await q.query<{ pid: number; application_name: string | null; xact_start: Date | null }>(
    `SELECT l.pid, a.application_name, a.xact_start
       FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
        AND ((l.classid::bigint << 32) | l.objid::bigint) = hashtext($1)::bigint
      LIMIT 1`,
    [merchant],
  );
  const row = rows[0];
  if (!row) return null;
  return { pid: Number(row.pid), applicationName: row.application_name || null, since: toIsoOrNull(row.xact_start) };
}
