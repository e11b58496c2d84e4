/**
 * `import orders` (SPEC §4.5): merchant, order, member, amount, paidAt, status, refunded, tags.
 * Re-importing an order with other values updates it (status and refunds change over time) and
 * stamps it with this import's `import_seq`; an order re-imported as it is stays untouched (its
 * `import_seq` too: nothing new for the evaluation to see); `consumed` is left alone. A member
 * the merchant does not know yet is registered, joined at the earliest paidAt of their orders in
 * the file.
 */
import type { Queryable } from '../store/db.js';
import type { ImportKind, MergeContext, MergeCounts } from './pipeline.js';
import { STAGE } from './pipeline.js';
import { registerMembers, registeredNotes } from './register.js';
import { anyRowsSql, insertAllSql, insertNewSql, updateChangedSql, type MergeShape } from './mergeSql.js';
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
  // A merchant's first load: no staging, no merge; the members are registered from the rows copied.
  direct: {
    table: 'orders',
    stamp: 'import_seq',
    after: async (tx, merchant) => {
      await tx.query("SELECT set_config('work_mem', '256MB', true)");
      return registeredNotes(await registerMembers(tx, [merchant], 'paid_at', 'orders'));
    },
  },
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

const ORDERS: MergeShape = {
  table: 'orders',
  key: ['merchant_id', 'order_id'],
  values: ['member_id', 'amount_minor', 'refunded_minor', 'paid_at', 'status', 'tags'],
  stamp: { import_seq: '$2::bigint' },
  // The order of orders_by_member (its last column, import_seq, is one value per import): that
  // index's pages are then filled one after another instead of at random.
  order: ['merchant_id', 'member_id'],
};

async function mergeOrders(tx: Queryable, ctx: MergeContext): Promise<MergeCounts> {
  // The sort and the hash joins get enough memory to stay off disk for a few million rows.
  await tx.query("SELECT set_config('work_mem', '256MB', true)");
  const merchants = [...ctx.merchants];
  const registered = await registerMembers(tx, merchants, 'paid_at');
  const params = [merchants, ctx.importSeq];
  let inserted: number;
  let updated = 0;
  const existing = await tx.query<{ any: boolean }>(anyRowsSql('orders'), [merchants]);
  if (!existing.rows[0]!.any) {
    inserted = (await tx.query(insertAllSql(ORDERS), params)).rowCount;
  } else {
    inserted = (await tx.query(insertNewSql(ORDERS), params)).rowCount;
    updated = (await tx.query(updateChangedSql(ORDERS), params)).rowCount;
  }
  return {
    inserted,
    updated,
    notes: registeredNotes(registered),
  };
}

