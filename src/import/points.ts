/**
 * `import points` (SPEC v1.1 §4.5): merchant, entry, member, points (an integer, + earned or −
 * redeemed), at, reason. The points ledger is append-only: an entry id is imported once; a
 * re-import of the same entry with the same values writes nothing, one with other values is
 * refused (`import.points-changed`: a correction is a new entry). Every entry the file adds is
 * stamped with this import's `import_seq`, so the next evaluation sees it as new. A member the
 * merchant does not know yet is registered, joined at their earliest entry in the file, as an
 * orders import does.
 */
import type { Queryable } from '../store/db.js';
import type { ImportKind, LineProblem, MergeContext, MergeCounts } from './pipeline.js';
import { STAGE } from './pipeline.js';
import { registerMembers, registeredNotes } from './register.js';
import { anyRowsSql, insertAllSql, insertNewSql, type MergeShape } from './mergeSql.js';
import { FieldError, readId, readInstant, readText } from './fields.js';
import { loadImportMerchants, type ImportMerchant } from './merchants.js';
import { copyText, COPY_NULL } from './copyText.js';
import type { ImportRecord } from './records.js';

export const POINTS_CHANGED_CODE = 'import.points-changed';

const INTEGER = /^[+-]?\d{1,16}$/;

/** Whole points, positive or negative: a JSON integer or its decimal text (CSV). */
export function readPoints(value: unknown, field: string): bigint {
  const n = typeof value === 'number' ? value : typeof value === 'string' && INTEGER.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n)) {
    const shown = typeof value === 'string' || typeof value === 'number' ? JSON.stringify(value) : typeof value;
    throw new FieldError(`${field} must be a whole number of points such as 120 or -50 (got ${shown})`);
  }
  return BigInt(n);
}

function pointsRow(r: ImportRecord, merchants: Map<string, ImportMerchant>): string {
  const merchant = readId(r.merchant, 'merchant');
  if (!merchants.has(merchant)) throw new FieldError(`unknown merchant '${merchant}'`);
  const entry = readId(r.entry, 'entry');
  const member = readId(r.member, 'member');
  const points = readPoints(r.points, 'points');
  const at = readInstant(r.at, 'at');
  const reason = r.reason === undefined ? COPY_NULL : copyText(readText(r.reason, 'reason'));
  return `${copyText(merchant)}\t${copyText(entry)}\t${copyText(member)}\t${points}\t${copyText(at.text)}\t${reason}`;
}

/** Lines re-importing a stored entry with other values: the ledger never changes a stored entry. */
async function checkUnchanged(tx: Queryable, limit: number): Promise<{ problems: LineProblem[]; total: number }> {
  const res = await tx.query<{ line: number; entry_id: string; member_id: string; points: string; at: Date; reason: string | null; total: string }>(
    `SELECT s.line, l.entry_id, l.member_id, l.points::text AS points, l.at, l.reason, count(*) OVER () AS total
       FROM ${STAGE} s
       JOIN points_ledger l ON l.merchant_id = s.merchant_id AND l.entry_id = s.entry_id
      WHERE (l.member_id, l.points, l.at, l.reason) IS DISTINCT FROM (s.member_id, s.points, s.at, s.reason)
      ORDER BY s.line
      LIMIT $1`,
    [limit],
  );
  const problems = res.rows.map(
    (r): LineProblem => ({
      line: r.line,
      code: POINTS_CHANGED_CODE,
      message:
        `entry ${r.entry_id} is already in the ledger with other values (member ${r.member_id}, points ${r.points}, at ${new Date(r.at).toISOString()}` +
        `${r.reason === null ? '' : `, reason ${JSON.stringify(r.reason)}`}); the ledger is append-only: import a correction as a new entry`,
    }),
  );
  return { problems, total: res.rows.length > 0 ? Number(res.rows[0]!.total) : 0 };
}

const LEDGER: MergeShape = {
  table: 'points_ledger',
  key: ['merchant_id', 'entry_id'],
  values: ['member_id', 'points', 'at', 'reason'],
  stamp: { import_seq: '$2::bigint' },
  // The order of points_ledger_by_member (its last column is one value per import).
  order: ['merchant_id', 'member_id'],
};

async function mergePoints(tx: Queryable, ctx: MergeContext): Promise<MergeCounts> {
  await tx.query("SELECT set_config('work_mem', '256MB', true)");
  const merchants = [...ctx.merchants];
  const registered = await registerMembers(tx, merchants, 'at');
  const params = [merchants, ctx.importSeq];
  const existing = await tx.query<{ any: boolean }>(anyRowsSql('points_ledger'), [merchants]);
  // Stored entries that are in the file are unchanged (checkUnchanged refused the others): only new ones are written.
  const sql = existing.rows[0]!.any ? insertNewSql(LEDGER) : insertAllSql(LEDGER);
  const inserted = (await tx.query(sql, params)).rowCount;
  return {
    inserted,
    updated: 0,
    notes: registeredNotes(registered),
  };
}

export const pointsImport: ImportKind<Map<string, ImportMerchant>> = {
  noun: 'points entries',
  tables: ['points_ledger', 'members'],
  columns: [
    { name: 'merchant', required: true },
    { name: 'entry', required: true },
    { name: 'member', required: true },
    { name: 'points', required: true },
    { name: 'at', required: true },
    { name: 'reason', required: false },
  ],
  stagingColumns: 'merchant_id text, entry_id text, member_id text, points bigint, at timestamptz, reason text',
  key: ['merchant_id', 'entry_id'],
  describeKey: ([merchant, entry]) => `entry ${entry} of merchant ${merchant}`,
  prepare: loadImportMerchants,
  toCopyRow: pointsRow,
  checkStaged: checkUnchanged,
  checkUnderLock: true,
  merge: mergePoints,
};
