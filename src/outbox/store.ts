/** Reading and acknowledging the outbox (`tierform outbox list|ack`). */
import type { Queryable } from '../store/db.js';
import { toIso, toIsoOrNull } from '../store/statement.js';

export interface OutboxEntry {
  merchant: string;
  id: number;
  key: string;
  event: string;
  member: string;
  message: string;
  payload: Record<string, unknown>;
  version: number;
  createdAt: string;
  /** When the message is released (notifications.sendAt); the event itself without sendAt. */
  deliverAfter: string;
  ackedAt: string | null;
}

interface OutboxRow {
  merchant_id: string;
  outbox_id: string;
  idempotency_key: string;
  event: string;
  member_id: string;
  message: string;
  payload: Record<string, unknown>;
  version: number;
  created_at: Date;
  deliver_after: Date;
  acked_at: Date | null;
}

/**
 * Rows not acknowledged yet, oldest first per merchant (all merchants when `merchant` is
 * undefined); with `releasedBy`, only those released by then (deliver_after ≤ releasedBy).
 */
export async function listWaiting(q: Queryable, merchant?: string, limit = 1000, opts: { releasedBy?: Date } = {}): Promise<OutboxEntry[]> {
  const res = await q.query<OutboxRow>(
    `SELECT merchant_id, outbox_id::text, idempotency_key, event, member_id, message, payload, version, created_at, deliver_after, acked_at
       FROM outbox
      WHERE acked_at IS NULL AND ($1::text IS NULL OR merchant_id = $1)
        AND ($3::timestamptz IS NULL OR deliver_after <= $3::timestamptz)
      ORDER BY merchant_id, outbox_id
      LIMIT $2`,
    [merchant ?? null, limit, opts.releasedBy ?? null],
  );
  return res.rows.map((r) => ({
    merchant: r.merchant_id,
    id: Number(r.outbox_id),
    key: r.idempotency_key,
    event: r.event,
    member: r.member_id,
    message: r.message,
    payload: r.payload,
    version: Number(r.version),
    createdAt: toIso(r.created_at),
    deliverAfter: toIso(r.deliver_after),
    ackedAt: toIsoOrNull(r.acked_at),
  }));
}

/**
 * Marks rows of `merchant` as sent at `at`. Ids already acknowledged keep their first ack (a
 * sender retrying is fine); returns the ids of `ids` the merchant's outbox does not hold.
 */
export async function ack(q: Queryable, merchant: string, ids: readonly number[], at: Date): Promise<{ acked: number; unknown: number[] }> {
  const known = await q.query<{ id: string }>(
    'SELECT outbox_id::text AS id FROM outbox WHERE merchant_id = $1 AND outbox_id = ANY($2::bigint[])',
    [merchant, ids.map(String)],
  );
  const found = new Set(known.rows.map((r) => Number(r.id)));
  const unknown = ids.filter((id) => !found.has(id));
  if (unknown.length > 0) return { acked: 0, unknown };
  const res = await q.query(
    'UPDATE outbox SET acked_at = $3 WHERE merchant_id = $1 AND outbox_id = ANY($2::bigint[]) AND acked_at IS NULL',
    [merchant, ids.map(String), at],
  );
  return { acked: res.rowCount, unknown: [] };
}
