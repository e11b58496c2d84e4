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
  outbox_id_text: string;
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

export interface OutboxPage {
  entries: OutboxEntry[];
  /** The id to pass as `after` for the next page; null when nothing more waits. */
  nextAfter: number | null;
}

/** How many rows one page holds unless told otherwise. */
export const DEFAULT_PAGE = 100;

/**
 * Rows not acknowledged yet, oldest first by their numeric id (all merchants when `merchant` is
 * undefined), at most `limit` of them after id `after`. One row more than asked is read to know
 * whether more remain, so a sender paging with `nextAfter` sees every row exactly once.
 */
export async function pageWaiting(q: Queryable, opts: { merchant?: string; limit?: number; after?: number; releasedBy?: Date } = {}): Promise<OutboxPage> {
  const limit = opts.limit ?? DEFAULT_PAGE;
  // The id is read as text (a bigint may pass 2^53) under its own name: ordering by an output
  // column of type text would sort 1, 10, 100, 2.
  const res = await q.query<OutboxRow>(
    `SELECT o.merchant_id, o.outbox_id::text AS outbox_id_text, o.idempotency_key, o.event, o.member_id, o.message, o.payload, o.version, o.created_at, coalesce(o.deliver_after, o.created_at) AS deliver_after, o.acked_at
       FROM outbox o
      WHERE o.acked_at IS NULL AND ($1::text IS NULL OR o.merchant_id = $1) AND o.outbox_id > $2::bigint
         AND ($4::timestamptz IS NULL OR coalesce(o.deliver_after, o.created_at) <= $4::timestamptz)
      ORDER BY o.outbox_id, o.merchant_id
      LIMIT $3`,
    [opts.merchant ?? null, String(opts.after ?? 0), limit + 1, opts.releasedBy ?? null],
  );
  const rows = res.rows.slice(0, limit);
  const entries = rows.map((r) => ({
    merchant: r.merchant_id,
    id: Number(r.outbox_id_text),
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
  const more = res.rows.length > limit && entries.length > 0;
  return { entries, nextAfter: more ? entries[entries.length - 1]!.id : null };
}

/** The first page of rows not acknowledged yet (see pageWaiting); with `releasedBy`, only those released by then. */
export async function listWaiting(q: Queryable, merchant?: string, limit = DEFAULT_PAGE, opts: { releasedBy?: Date } = {}): Promise<OutboxEntry[]> {
  return (await pageWaiting(q, { merchant, limit, ...opts })).entries;
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
