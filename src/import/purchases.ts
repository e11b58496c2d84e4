/**
 * `import purchases` (SPEC §4.5, §3.8): merchant, purchase, member, plan, paidAt, status
 * (paid | refunded). Re-importing a purchase updates its status and paidAt (a later refund); its
 * member and plan never change. A new purchase is judged by the merchant's ACTIVE version: refused
 * while its type is levels, refused for a plan it does not define; it keeps that plan's validity
 * and the merchant's zone, so later edits never move a period someone paid for. After the merge,
 * the periods of every member the file touches are recomputed and the start and renewal
 * notifications written, in the import's transaction, under the merchants' locks.
 */
import type { Queryable } from '../store/db.js';
import type { ImportKind, LineProblem, MergeContext, MergeCounts } from './pipeline.js';
import { STAGE } from './pipeline.js';
import { registeredNotes } from './register.js';
import { FieldError, readEnum, readId, readInstant } from './fields.js';
import { copyText } from './copyText.js';
import type { ImportRecord } from './records.js';
import { parseDuration } from '../model/duration.js';
import { lockMerchant } from '../store/merchantLock.js';
import { run } from '../store/statement.js';
import { recomputePaidPeriods } from '../engine/paid/index.js';
import { enqueuePurchaseNotifications } from '../outbox/index.js';

const STATUSES = ['paid', 'refunded'] as const;

export interface PurchaseMerchant {
  /** The active version, or null when the merchant has none (only a pending one). */
  version: number | null;
  type: string;
  timezone: string;
  /** Plans of the active version: validity. */
  plans: Map<string, { months: number; days: number }>;
}

async function loadPurchaseMerchants(q: Queryable): Promise<Map<string, PurchaseMerchant>> {
  const res = await q.query<{ merchant_id: string; version: number | null; document: { metadata: { timezone: string }; spec: { type: string; paid?: { plans?: { id: string; validity: unknown }[] } } } | null }>(
    `SELECT m.merchant_id, v.version, v.document
       FROM merchants m
       LEFT JOIN program_versions v ON v.merchant_id = m.merchant_id AND v.status = 'active'`,
  );
  const out = new Map<string, PurchaseMerchant>();
  for (const r of res.rows) {
    const plans = new Map<string, { months: number; days: number }>();
    for (const p of r.document?.spec.paid?.plans ?? []) {
      const d = parseDuration(p.validity);
      if (d) plans.set(p.id, 'months' in d ? { months: d.months, days: 0 } : { months: 0, days: d.days });
    }
    out.set(r.merchant_id, {
      version: r.version === null ? null : Number(r.version),
      type: r.document?.spec.type ?? 'levels',
      timezone: r.document?.metadata.timezone ?? 'UTC',
      plans,
    });
  }
  return out;
}

function purchaseRow(r: ImportRecord, merchants: Map<string, PurchaseMerchant>): string {
  const merchant = readId(r.merchant, 'merchant');
  const m = merchants.get(merchant);
  if (!m) throw new FieldError(`unknown merchant '${merchant}'`);
  if (m.version === null) throw new FieldError(`merchant '${merchant}' has no active program version yet; apply one first (its plans define the purchases)`);
  const purchase = readId(r.purchase, 'purchase');
  const member = readId(r.member, 'member');
  const plan = readId(r.plan, 'plan');
  const paidAt = readInstant(r.paidAt, 'paidAt');
  const status = readEnum(r.status, 'status', STATUSES);
  const validity = m.plans.get(plan);
  return [
    copyText(merchant),
    copyText(purchase),
    copyText(member),
    copyText(plan),
    copyText(paidAt.text),
    status,
    validity?.months ?? 0,
    validity?.days ?? 0,
    copyText(m.timezone),
    validity === undefined ? 'f' : 't',
    copyText(m.type),
    m.version,
    copyText([...m.plans.keys()].join(', ')),
  ].join('\t');
}

/**
 * Lines the active version refuses: a new purchase (or a refunded one paid again) while the
 * type is levels or for a plan it does not define; a re-import naming another member or plan.
 */
async function checkPurchases(tx: Queryable, limit: number): Promise<{ problems: LineProblem[]; total: number }> {
  const merchants = await tx.query<{ merchant_id: string }>(`SELECT DISTINCT merchant_id FROM ${STAGE} ORDER BY merchant_id`);
  // Periods are recomputed per member: one import or evaluation at a time per merchant.
  for (const r of merchants.rows) await run(tx, lockMerchant(r.merchant_id));
  const res = await tx.query<{
    line: number;
    merchant_id: string;
    purchase_id: string;
    plan_id: string;
    program_type: string;
    version: number;
    plan_ids: string;
    old_member: string | null;
    old_plan: string | null;
    changed: boolean;
    total: string;
  }>(
    `SELECT s.line, s.merchant_id, s.purchase_id, s.plan_id, s.program_type, s.version, s.plan_ids,
            p.member_id AS old_member, p.plan_id AS old_plan,
            (p.purchase_id IS NOT NULL AND (p.member_id <> s.member_id OR p.plan_id <> s.plan_id)) AS changed,
            count(*) OVER () AS total
       FROM ${STAGE} s
       LEFT JOIN purchases p ON p.merchant_id = s.merchant_id AND p.purchase_id = s.purchase_id
      WHERE (p.purchase_id IS NOT NULL AND (p.member_id <> s.member_id OR p.plan_id <> s.plan_id))
         OR ((p.purchase_id IS NULL OR (p.status = 'refunded' AND s.status = 'paid'))
             AND (s.program_type <> 'paid' OR NOT s.plan_known))
      ORDER BY s.line
      LIMIT $1`,
    [limit],
  );
  const problems = res.rows.map((r): LineProblem => {
    let message: string;
    if (r.changed) {
      message = `purchase ${r.purchase_id} was imported for member ${r.old_member ?? '?'} and plan ${r.old_plan ?? '?'}; a re-import may change only its status and paidAt`;
    } else if (r.program_type !== 'paid') {
      message = `merchant ${r.merchant_id}'s active program (version ${r.version}) is of type ${r.program_type}: new paid purchases are refused until the type is paid`;
    } else {
      const defined = r.plan_ids === '' ? 'it defines no plans' : `it defines ${r.plan_ids}`;
      message = `plan '${r.plan_id}' is not defined by merchant ${r.merchant_id}'s active version (version ${r.version}; ${defined})`;
    }
    return { line: r.line, message };
  });
  return { problems, total: res.rows.length > 0 ? Number(res.rows[0]!.total) : 0 };
}

function mergePurchases(now: Date): (tx: Queryable, ctx: MergeContext) => Promise<MergeCounts> {
  return async (tx, ctx) => {
    const registered = await tx.query(
      `INSERT INTO members (merchant_id, member_id, joined_at)
       SELECT merchant_id, member_id, min(paid_at) FROM ${STAGE} GROUP BY merchant_id, member_id
       ON CONFLICT (merchant_id, member_id) DO NOTHING`,
    );
    const res = await tx.query<{ inserted: number; updated: number }>(
      `WITH merged AS (
         INSERT INTO purchases AS p (merchant_id, purchase_id, member_id, plan_id, paid_at, status, validity_months, validity_days, timezone, import_seq, imported_at)
         SELECT merchant_id, purchase_id, member_id, plan_id, paid_at, status, validity_months, validity_days, timezone, $1::bigint, $2::timestamptz
           FROM ${STAGE}
         ON CONFLICT (merchant_id, purchase_id) DO UPDATE SET
           status = EXCLUDED.status,
           paid_at = EXCLUDED.paid_at,
           import_seq = EXCLUDED.import_seq,
           imported_at = CASE WHEN p.status <> EXCLUDED.status OR p.paid_at <> EXCLUDED.paid_at THEN EXCLUDED.imported_at ELSE p.imported_at END
         RETURNING (xmax = 0) AS inserted
       )
       SELECT count(*) FILTER (WHERE inserted)::int AS inserted, count(*) FILTER (WHERE NOT inserted)::int AS updated FROM merged`,
      [ctx.importSeq, now],
    );
    const merchants = await tx.query<{ merchant_id: string; version: number }>(
      `SELECT merchant_id, min(version) AS version FROM ${STAGE} GROUP BY merchant_id ORDER BY merchant_id`,
    );
    for (const m of merchants.rows) {
      await recomputePaidPeriods(tx, m.merchant_id, { importSeq: ctx.importSeq });
      await enqueuePurchaseNotifications(tx, m.merchant_id, ctx.importSeq, now, Number(m.version));
    }
    const row = res.rows[0]!;
    const count = registered.rowCount;
    return {
      inserted: row.inserted,
      updated: row.updated,
      notes: registeredNotes(count),
    };
  };
}

/** The purchases import at `now` (the command's --now: when the rows are recorded and announced). */
export function purchasesImport(now: Date): ImportKind<Map<string, PurchaseMerchant>> {
  return {
    noun: 'purchases',
    tables: ['purchases', 'members', 'paid_periods', 'paid_memberships'],
    columns: [
      { name: 'merchant', required: true },
      { name: 'purchase', required: true },
      { name: 'member', required: true },
      { name: 'plan', required: true },
      { name: 'paidAt', required: true },
      { name: 'status', required: true },
    ],
    stagingColumns:
      'merchant_id text, purchase_id text, member_id text, plan_id text, paid_at timestamptz, status text, ' +
      'validity_months integer, validity_days integer, timezone text, plan_known boolean, program_type text, version integer, plan_ids text',
    key: ['merchant_id', 'purchase_id'],
    describeKey: ([merchant, purchase]) => `purchase ${purchase} of merchant ${merchant}`,
    prepare: loadPurchaseMerchants,
    toCopyRow: purchaseRow,
    checkStaged: checkPurchases,
    merge: mergePurchases(now),
  };
}
