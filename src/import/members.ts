/**
 * `import members` (SPEC §4.5): merchant, member, joinedAt, name, birthday. The file is the
 * platform's record of its members: re-importing a member sets joinedAt, name and birthday to
 * the file's values (an absent name or birthday clears it); the level state is left alone.
 */
import type { Queryable } from '../store/db.js';
import type { ImportKind, MergeContext, MergeCounts } from './pipeline.js';
import { STAGE } from './pipeline.js';
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

async function mergeMembers(tx: Queryable, _ctx: MergeContext): Promise<MergeCounts> {
  const res = await tx.query<{ inserted: number; updated: number }>(
    `WITH merged AS (
       INSERT INTO members AS m (merchant_id, member_id, joined_at, name, birthday)
       SELECT merchant_id, member_id, joined_at, name, birthday FROM ${STAGE}
       ON CONFLICT (merchant_id, member_id) DO UPDATE SET
         joined_at = EXCLUDED.joined_at,
         name = EXCLUDED.name,
         birthday = EXCLUDED.birthday
       RETURNING (xmax = 0) AS inserted
     )
     SELECT count(*) FILTER (WHERE inserted)::int AS inserted, count(*) FILTER (WHERE NOT inserted)::int AS updated FROM merged`,
  );
  const row = res.rows[0]!;
  return { inserted: row.inserted, updated: row.updated };
}
