/**
 * `import orders` (SPEC §4.5): merchant, order, member, amount, paidAt, status, refunded, tags.
 * Re-importing an order updates it (status and refunds change over time) and stamps it with
 * this import's `import_seq`; `consumed` is left alone. A member the merchant does not know yet
 * is registered, joined at the earliest paidAt of their orders in the file.
 */
import { formatCount } from '../model/display.js';
import type { Queryable } from '../store/db.js';
import type { ImportKind, MergeContext, MergeCounts } from './pipeline.js';
import { STAGE } from './pipeline.js';
import { FieldError, readAmount, readEnum, readId, readInstant, readStringList } from './fields.js';
import { loadImportMerchants, type ImportMerchant } from './merchants.js';
import { copyText, copyTextArray } from './copyText.js';
import type { ImportRecord } from './records.js';

const STATUSES = ['paid', 'cancelled', 'refunded'] as const;

export const ordersImport: ImportKind<Map<string, ImportMerchant>> = {
  noun: 'orders',
  tables: ['orders', 'members'],
  columns: [
    { name: 'merchant', required: true },
    { name: 'order', required: true },
    { name: 'member', required: true },
    { name: 'amount', required: true },
    { name: 'paidAt', required: true },
    { name: 'status', required: true },
    { name: 'refunded', required: false },
    { name: 'tags', required: false, list: true },
  ],
  stagingColumns: 'merchant_id text, order_id text, member_id text, amount_minor bigint, refunded_minor bigint, paid_at timestamptz, status text, tags text[]',
  key: ['merchant_id', 'order_id'],
  describeKey: ([merchant, order]) => `order ${order} of merchant ${merchant}`,
  prepare: loadImportMerchants,
  toCopyRow: orderRow,
  merge: mergeOrders,
};

export function currencyOf(merchants: ReadonlyMap<string, ImportMerchant>, merchant: string): string {
  const m = merchants.get(merchant);
  if (!m) throw new FieldError(`unknown merchant '${merchant}'`);
  if (m.currency === null) throw new FieldError(`merchant '${merchant}' has no program version yet; apply one first (its currency prices the amounts)`);
  return m.currency;
}

function orderRow(r: ImportRecord, merchants: Map<string, ImportMerchant>): string {
  const merchant = readId(r.merchant, 'merchant');
  const currency = currencyOf(merchants, merchant);
  const order = readId(r.order, 'order');
  const member = readId(r.member, 'member');
  const amount = readAmount(r.amount, 'amount', currency);
  const refunded = r.refunded === undefined ? 0n : readAmount(r.refunded, 'refunded', currency);
  if (refunded > amount) throw new FieldError(`refunded ${String(r.refunded)} is more than amount ${String(r.amount)}`);
  const paidAt = readInstant(r.paidAt, 'paidAt');
  const status = readEnum(r.status, 'status', STATUSES);
  const tags = r.tags === undefined ? '{}' : copyTextArray(readStringList(r.tags, 'tags'));
  return `${copyText(merchant)}\t${copyText(order)}\t${copyText(member)}\t${amount}\t${refunded}\t${copyText(paidAt.text)}\t${status}\t${tags}`;
}

async function mergeOrders(tx: Queryable, ctx: MergeContext): Promise<MergeCounts> {
  // Rows go in in the order of orders_by_member: that index's pages are then filled one after
  // another instead of at random, which is most of the cost of a large merge. The sort gets
  // enough memory to stay off disk for a few million rows.
  await tx.query("SELECT set_config('work_mem', '256MB', true)");
  const res = await tx.query<{ inserted: number; updated: number; registered: number }>(
    `WITH registered AS (
       INSERT INTO members (merchant_id, member_id, joined_at)
       SELECT merchant_id, member_id, min(paid_at) FROM ${STAGE} GROUP BY merchant_id, member_id
       ON CONFLICT (merchant_id, member_id) DO NOTHING
       RETURNING 1
     ), merged AS (
       INSERT INTO orders AS o (merchant_id, order_id, member_id, amount_minor, refunded_minor, paid_at, status, tags, import_seq)
       SELECT merchant_id, order_id, member_id, amount_minor, refunded_minor, paid_at, status, tags, $1::bigint FROM ${STAGE}
        ORDER BY merchant_id, member_id, paid_at
       ON CONFLICT (merchant_id, order_id) DO UPDATE SET
         member_id = EXCLUDED.member_id,
         amount_minor = EXCLUDED.amount_minor,
         refunded_minor = EXCLUDED.refunded_minor,
         paid_at = EXCLUDED.paid_at,
         status = EXCLUDED.status,
         tags = EXCLUDED.tags,
         import_seq = EXCLUDED.import_seq
       RETURNING (xmax = 0) AS inserted
     )
     SELECT count(*) FILTER (WHERE inserted)::int AS inserted,
            count(*) FILTER (WHERE NOT inserted)::int AS updated,
            (SELECT count(*) FROM registered)::int AS registered
       FROM merged`,
    [ctx.importSeq],
  );
  const row = res.rows[0]!;
  return {
    inserted: row.inserted,
    updated: row.updated,
    notes: row.registered > 0 ? [`registered ${formatCount(row.registered)} new member${row.registered === 1 ? '' : 's'}`] : [],
  };
}
