/** Statements over `type_switches`: every applied setting of `spec.type` (creation included). */
import type { Statement } from './statement.js';

/**
 * Switches of the given merchants (all when undefined) applied after `since` (all when null).
 * Plan and apply only need those inside the rolling window; status needs the same.
 */
export function selectRecentSwitches(merchants: readonly string[] | undefined, since: Date | null): Statement {
  const where: string[] = [];
  const values: unknown[] = [];
  if (merchants !== undefined) {
    values.push(merchants);
    where.push(`merchant_id = ANY($${values.length}::text[])`);
  }
  if (since !== null) {
    values.push(since);
    where.push(`at > $${values.length}`);
  }
  const filter = where.length > 0 ? ` WHERE ${where.join(' AND ')}` : '';
  return { text: `SELECT merchant_id, at FROM type_switches${filter} ORDER BY merchant_id, at`, values };
}

export interface NewSwitch {
  merchant: string;
  at: Date;
  fromType: string | null;
  toType: string;
  version: number;
}

/** Numbers the switch after the merchant's last one; callers hold the merchant's lock. */
export function insertSwitch(s: NewSwitch): Statement {
  return {
    text: `INSERT INTO type_switches (merchant_id, switch_no, at, from_type, to_type, version)
      SELECT $1, coalesce(max(switch_no), 0) + 1, $2, $3, $4, $5 FROM type_switches WHERE merchant_id = $1`,
    values: [s.merchant, s.at, s.fromType, s.toType, s.version],
  };
}
