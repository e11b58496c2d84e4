/**
 * The merchants an import may name, read once before the rows stream: each merchant and the
 * currency of its active program version (else its pending one), which prices order amounts.
 */
import type { Queryable } from '../store/db.js';

export interface ImportMerchant {
  /** `metadata.currency` of the active version, else the pending one; null without a version. */
  currency: string | null;
}

export async function loadImportMerchants(q: Queryable): Promise<Map<string, ImportMerchant>> {
  const res = await q.query<{ merchant_id: string; currency: string | null }>(
    `SELECT m.merchant_id, v.currency
       FROM merchants m
       LEFT JOIN LATERAL (
         SELECT pv.document -> 'metadata' ->> 'currency' AS currency
           FROM program_versions pv
          WHERE pv.merchant_id = m.merchant_id AND pv.status IN ('active', 'pending')
          ORDER BY pv.status = 'active' DESC
          LIMIT 1
       ) v ON true`,
  );
  return new Map(res.rows.map((r) => [r.merchant_id, { currency: r.currency }]));
}
