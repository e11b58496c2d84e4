/** Merchants and their subscriptions (SPEC §4.6): the platform records them, never a program file. */
import type { Queryable } from './db.js';
import { run, toIso, type Statement } from './statement.js';

export interface MerchantRecord {
  merchant: string;
  subscription: string;
  createdAt: string;
  updatedAt: string;
}

interface MerchantRow {
  merchant_id: string;
  subscription: string;
  created_at: Date;
  updated_at: Date;
}

function toRecord(row: MerchantRow): MerchantRecord {
  return { merchant: row.merchant_id, subscription: row.subscription, createdAt: toIso(row.created_at), updatedAt: toIso(row.updated_at) };
}

export function selectMerchant(merchant: string): Statement {
  return { text: 'SELECT merchant_id, subscription, created_at, updated_at FROM merchants WHERE merchant_id = $1', values: [merchant] };
}

/**
 * Changes the merchant's subscription; returns the previous one (no row: no such merchant). The
 * self-join reads the row as it was before the update; Citus routes it to the merchant's shard
 * (it refuses a subquery in an INSERT's RETURNING, the one-statement upsert this replaces).
 */
export function updateSubscription(merchant: string, subscription: string, now: Date): Statement {
  return {
    text: `UPDATE merchants m SET subscription = $2, updated_at = $3
             FROM merchants old
            WHERE m.merchant_id = $1 AND old.merchant_id = $1 AND old.merchant_id = m.merchant_id
           RETURNING old.subscription AS previous`,
    values: [merchant, subscription, now],
  };
}

/** Creates the merchant with the subscription unless it exists; a row comes back when it was created. */
export function insertMerchant(merchant: string, subscription: string, now: Date): Statement {
  return {
    text: `INSERT INTO merchants (merchant_id, subscription, created_at, updated_at) VALUES ($1, $2, $3, $3)
           ON CONFLICT (merchant_id) DO NOTHING RETURNING 1`,
    values: [merchant, subscription, now],
  };
}

/** Merchants whose subscription is not among `names` (a catalog that would drop them). */
export function selectMerchantsOutside(names: readonly string[]): Statement {
  return {
    text: 'SELECT merchant_id, subscription FROM merchants WHERE NOT (subscription = ANY ($1::text[])) ORDER BY merchant_id',
    values: [names],
  };
}

export async function getMerchant(q: Queryable, merchant: string): Promise<MerchantRecord | null> {
  const { rows } = await run<MerchantRow>(q, selectMerchant(merchant));
  return rows[0] ? toRecord(rows[0]) : null;
}

export interface SetSubscriptionResult {
  created: boolean;
  previous: string | null;
}

export async function setSubscription(q: Queryable, merchant: string, subscription: string, now: Date): Promise<SetSubscriptionResult> {
  // Update first; create when there is nothing to update; if another process created the
  // merchant in between, the update finds it now.
  for (;;) {
    const updated = await run<{ previous: string }>(q, updateSubscription(merchant, subscription, now));
    if (updated.rows[0]) return { created: false, previous: updated.rows[0].previous };
    if ((await run(q, insertMerchant(merchant, subscription, now))).rowCount > 0) return { created: true, previous: null };
  }
}

export async function merchantsOutside(q: Queryable, names: readonly string[]): Promise<{ merchant: string; subscription: string }[]> {
  const { rows } = await run<{ merchant_id: string; subscription: string }>(q, selectMerchantsOutside(names));
  return rows.map((r) => ({ merchant: r.merchant_id, subscription: r.subscription }));
}

export interface SubscriptionChange {
  merchant: string;
  at: Date;
  from: string | null;
  to: string;
  actor: string;
  reason: string | null;
  overCap: readonly { code: string; message: string }[];
}

export function insertSubscriptionChange(c: SubscriptionChange): Statement {
  return {
    text: `INSERT INTO subscription_changes (merchant_id, changed_at, from_subscription, to_subscription, actor, reason, over_cap)
           VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)`,
    values: [c.merchant, c.at, c.from, c.to, c.actor, c.reason, JSON.stringify(c.overCap)],
  };
}
