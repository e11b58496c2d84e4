/**
 * The scratch copy on a database that refuses temporary tables: a session whose transactions
 * are read-only (as a role with default_transaction_read_only is) gets simulate.scratch-refused,
 * not a raw database error, and nothing changes.
 */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { withTestDb } from '../helpers/db.js';
import type { Db } from '../../src/store/db.js';
import { replaySide } from '../../src/simulate/replay.js';
import { TierformError } from '../../src/cli/errors.js';
import { CURRENT, MERCHANT } from './fixtures.js';
import type { MembershipProgram } from '../../src/generated/types.js';

const t = withTestDb();

/** The same database, every transaction of which is read-only. */
function readOnly(db: Db): Db {
  return Object.assign(Object.create(db) as Db, {
    transaction: <T>(fn: Parameters<Db['transaction']>[0]) =>
      db.transaction(async (tx) => {
        await tx.query('SET TRANSACTION READ ONLY');
        return (await fn(tx)) as T;
      }),
  });
}

describe('the scratch copy', () => {
  it('is refused with simulate.scratch-refused in a read-only session, and the live tables are untouched', async () => {
    const document = parse(CURRENT) as MembershipProgram;
    await t.db.query(`INSERT INTO merchants (merchant_id, subscription, created_at, updated_at) VALUES ($1, 'growth', now(), now())`, [MERCHANT]);
    await t.db.query(`INSERT INTO members (merchant_id, member_id, joined_at) VALUES ($1, 'A', '2025-01-01T00:00:00Z')`, [MERCHANT]);
    const err = await replaySide(readOnly(t.db), { merchant: MERCHANT, document, version: null, from: '2026-01-01', to: '2026-01-31' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TierformError);
    expect((err as TierformError).code).toBe('simulate.scratch-refused');
    // The same replay on a writable session runs: the refusal came from the read-only session.
    const side = await replaySide(t.db, { merchant: MERCHANT, document, version: null, from: '2026-01-01', to: '2026-01-31' });
    expect(side.monthEnds).toEqual([{ date: '2026-01-31', tiers: { bronze: 0, silver: 0, basic: 1 } }]);
    const { rows } = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM program_versions WHERE merchant_id = $1', [MERCHANT]);
    expect(rows[0]!.n).toBe(0);
  });
});
