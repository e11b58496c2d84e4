/**
 * `import members` (SPEC §4.5): merchant, member, joinedAt, name, birthday. The file is the
 * platform's record of its members: re-importing a member sets joinedAt, name and birthday to
 * the file's values (an absent name or birthday clears it), and writes nothing when they are
 * already so; the level state is left alone.
 */
import type { Queryable } from '../store/db.js';
import type { ImportKind, MergeContext, MergeCounts } from './pipeline.js';
import { anyRowsSql, insertAllSql, insertNewSql, updateChangedSql, type MergeShape } from './mergeSql.js';
import { FieldError, readBirthday, readId, readInstant, readText } from './fields.js';
import { loadImportMerchants, type ImportMerchant } from './merchants.js';
import { copyText, COPY_NULL } from './copyText.js';
import type { ImportRecord } from './records.js';

export const membersImport: ImportKind<Map<string, ImportMerchant>> = {
  noun: 'members',
  tables: ['members'],
  columns: [
    { name: 'merchant', required: true },
    { name: 'member', required: true },
    { name: 'joinedAt', required: true },
    { name: 'name', required: false },
    { name: 'birthday', required: false },
  ],
  stagingColumns: 'merchant_id text, member_id text, joined_at timestamptz, name text, birthday text',
  key: ['merchant_id', 'member_id'],
  describeKey: ([merchant, member]) => `member ${member} of merchant ${merchant}`,
  prepare: loadImportMerchants,
  toCopyRow: memberRow,
  merge: mergeMembers,
  // A merchant's first load: copied into members, stamped as the merge's insert stamps it.
  direct: { table: 'members', stamp: 'changed_seq' },
};

function memberRow(r: ImportRecord, merchants: Map<string, ImportMerchant>): string {
  const merchant = readId(r.merchant, 'merchant');
  if (!merchants.has(merchant)) throw new FieldError(`unknown merchant '${merchant}'`);
  const member = readId(r.member, 'member');
  const joinedAt = readInstant(r.joinedAt, 'joinedAt');
  const name = r.name === undefined ? COPY_NULL : copyText(readText(r.name, 'name'));
  const birthday = r.birthday === undefined ? COPY_NULL : readBirthday(r.birthday, 'birthday');
  return `${copyText(merchant)}\t${copyText(member)}\t${copyText(joinedAt.text)}\t${name}\t${birthday}`;
}

const MEMBERS: MergeShape = {
  table: 'members',
  key: ['merchant_id', 'member_id'],
  values: ['joined_at', 'name', 'birthday'],
  // A changed record (a birthday) can make a member due at the next daily evaluation, which
  // finds them by it (src/engine/candidates.ts).
  stamp: { changed_seq: '$2::bigint' },
  order: ['merchant_id', 'member_id'],
};

async function mergeMembers(tx: Queryable, ctx: MergeContext): Promise<MergeCounts> {
  await tx.query("SELECT set_config('work_mem', '256MB', true)");
  const params = [[...ctx.merchants], ctx.importSeq];
  const existing = await tx.query<{ any: boolean }>(anyRowsSql('members'), [params[0]]);
  if (!existing.rows[0]!.any) return { inserted: (await tx.query(insertAllSql(MEMBERS), params)).rowCount, updated: 0 };
  const inserted = (await tx.query(insertNewSql(MEMBERS), params)).rowCount;
  const updated = (await tx.query(updateChangedSql(MEMBERS), params)).rowCount;
  return { inserted, updated };
}
