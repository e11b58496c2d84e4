/**
 * Members a file names that their merchant does not know yet: registered by the orders and
 * points imports, joined at their earliest row in the file.
 */
import { formatCount } from '../model/display.js';
import type { Queryable } from '../store/db.js';
import { anyRowsSql } from './mergeSql.js';
import { STAGE } from './pipeline.js';

/**
 * One insert of the file's members grouped by the instant column `at` of `from` (the staging
 * table, or the live table a first load was copied into), without a probe per member. When the file's merchants have no members at all it needs no anti-join either (and must
 * not have one: the statistics of a members table emptied since they were taken promise no rows,
 * and the planner then scans the whole table once per member).
 */
export async function registerMembers(tx: Queryable, merchants: string[], at: 'paid_at' | 'at', from: string = STAGE): Promise<number> {
  const known = await tx.query<{ any: boolean }>(anyRowsSql('members'), [merchants]);
  const res = await tx.query(
    `INSERT INTO members (merchant_id, member_id, joined_at)
     SELECT g.merchant_id, g.member_id, g.joined_at
       FROM (SELECT merchant_id, member_id, min(${at}) AS joined_at FROM ${from}
               WHERE merchant_id = ANY($1::text[]) GROUP BY merchant_id, member_id) g
      ${known.rows[0]!.any ? 'LEFT JOIN members m ON m.merchant_id = g.merchant_id AND m.member_id = g.member_id WHERE m.member_id IS NULL' : ''}`,
    [merchants],
  );
  return res.rowCount;
}

/** The import's note about members it registered, or none. */
export function registeredNotes(count: number): string[] {
  return count > 0 ? [`registered ${formatCount(count)} new member${count === 1 ? '' : 's'}`] : [];
}
