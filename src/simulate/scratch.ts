/**
 * The scratch copy a simulation replays on: temporary tables, dropped with the transaction that
 * creates them, that shadow tierform's tables for one merchant (a session finds `pg_temp` before
 * its search_path, so the engine's unqualified SQL reads and writes the copies). Live rows are
 * only read: no row lock is taken on them, so live evaluations, imports and applies run on
 * while a simulation does.
 *
 * The copy holds what a fresh database would hold had the program been applied at the start of
 * `--from` with the merchant's members, orders, purchases and points already imported: members
 * without a level, orders not yet consumed by an upgrade, no history, no runs, no messages, and
 * the one version being simulated. The grants performed before `--from` are kept, so a tier's
 * one-time points a member already received are not granted to them again.
 */
import type { MembershipProgram } from '../generated/types.js';
import type { Queryable } from '../store/db.js';
import { PgCode, pgErrorCode, quoteIdent } from '../store/db.js';
import { TierformError } from '../cli/errors.js';
import { hashDocument } from '../plan/canonical.js';
import { insertVersion } from '../store/versionStore.js';
import { run } from '../store/statement.js';

/**
 * Tables whose rows are what the replay produces: they start empty. evaluation_marks too: the live
 * merchant's last evaluation says nothing about the scratch members, so the replay's first
 * evaluation judges every member.
 */
const PRODUCED = new Set(['member_history', 'engine_runs', 'outbox', 'scheduled_runs', 'due_claims', 'program_versions', 'evaluation_marks']);

/**
 * What an import gives a member. Every other column of `members` is state the engine keeps
 * (tier, anchors, evidence, watermarks, and whatever a later migration adds): it is reset to its
 * default, as a freshly imported member has it.
 */
const MEMBER_PROFILE = ['merchant_id', 'member_id', 'joined_at', 'name', 'birthday'];

/** Creates the merchant's scratch copy in `tx` (which must be rolled back or committed soon after; the tables go with it). */
export async function createScratchCopy(tx: Queryable, schema: string, merchant: string, document: MembershipProgram, start: Date): Promise<number> {
  try {
    return await copyMerchant(tx, schema, merchant, document, start);
  } catch (err) {
    const code = pgErrorCode(err);
    if (code === PgCode.readOnlyTransaction || code === PgCode.insufficientPrivilege) {
      throw new TierformError(
        'simulate.scratch-refused',
        `the database refused the temporary tables simulate replays on (${code}: ${err instanceof Error ? err.message : String(err)}); ` +
          'connect with a role that has the TEMPORARY privilege on the database, in sessions that are not read-only; nothing was changed',
      );
    }
    throw err;
  }
}

async function copyMerchant(tx: Queryable, schema: string, merchant: string, document: MembershipProgram, start: Date): Promise<number> {
  const tables = await merchantTables(tx, schema);
  for (const table of tables) {
    const live = `${quoteIdent(schema)}.${quoteIdent(table.name)}`;
    const copy = `pg_temp.${quoteIdent(table.name)}`;
    await tx.query(`CREATE TEMP TABLE ${quoteIdent(table.name)} (LIKE ${live} INCLUDING ALL) ON COMMIT DROP`);
    if (PRODUCED.has(table.name)) continue;
    const where = table.name === 'grants' ? 'merchant_id = $1 AND at < $2' : 'merchant_id = $1';
    await tx.query(`INSERT INTO ${copy} OVERRIDING SYSTEM VALUE SELECT * FROM ${live} WHERE ${where}`, table.name === 'grants' ? [merchant, start] : [merchant]);
    // Temporary tables get no statistics from autovacuum: without these the planner guesses.
    await tx.query(`ANALYZE ${copy}`);
    // Rows copied with their identities: new rows must number after them.
    for (const column of table.identities) {
      await tx.query(`SELECT setval(pg_get_serial_sequence($1, $2), coalesce((SELECT max(${quoteIdent(column)}) FROM ${copy}), 0) + 1, false)`, [copy, column]);
    }
  }
  const columns = await memberStateColumns(tx, schema);
  if (columns.length > 0) await tx.query(`UPDATE pg_temp.members SET ${columns.map((c) => `${quoteIdent(c)} = DEFAULT`).join(', ')}`);
  await tx.query('UPDATE pg_temp.orders SET consumed = false WHERE consumed');
  await tx.query('ANALYZE pg_temp.members');
  const version = 1;
  await run(
    tx,
    insertVersion({
      merchant,
      version,
      status: 'active',
      document,
      hash: hashDocument(document),
      programType: document.spec.type,
      sourceRef: null,
      actor: 'tierform simulate',
      appliedAt: start,
      effectiveAt: start,
    }),
  );
  return version;
}

interface MerchantTable {
  name: string;
  identities: string[];
}

async function merchantTables(q: Queryable, schema: string): Promise<MerchantTable[]> {
  const { rows } = await q.query<{ table_name: string; identities: string[] | null }>(
    `SELECT c.table_name,
            array_remove(array_agg(i.column_name::text), NULL) AS identities
       FROM information_schema.columns c
       JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
       LEFT JOIN information_schema.columns i ON i.table_schema = c.table_schema AND i.table_name = c.table_name AND i.is_identity = 'YES'
      WHERE c.table_schema = $1 AND c.column_name = 'merchant_id'
      GROUP BY c.table_name ORDER BY c.table_name`,
    [schema],
  );
  return rows.map((r) => ({ name: r.table_name, identities: r.identities ?? [] }));
}

async function memberStateColumns(q: Queryable, schema: string): Promise<string[]> {
  const { rows } = await q.query<{ column_name: string }>(
    `SELECT column_name FROM information_schema.columns
      WHERE table_schema = $1 AND table_name = 'members' AND NOT (column_name = ANY($2::text[])) ORDER BY ordinal_position`,
    [schema, MEMBER_PROFILE],
  );
  return rows.map((r) => r.column_name);
}
