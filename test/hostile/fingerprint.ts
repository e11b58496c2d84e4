/** One value for the live state of the merchants acme and victim and the catalog: changes when any row does. */
import { openPg } from '../../src/store/pg.js';
import { openPglite } from '../../src/store/pglite.js';
import type { Db } from '../../src/store/db.js';

const TABLES = ['merchants', 'program_versions', 'members', 'orders', 'member_history', 'grants'];

const FINGERPRINT = `SELECT md5(concat_ws('|',
  (SELECT string_agg(c::text, ',' ORDER BY c::text) FROM catalog c),
  ${TABLES.map((t) => `(SELECT string_agg(x::text, ',' ORDER BY x::text) FROM ${t} x WHERE x.merchant_id IN ('acme', 'victim'))`).join(',\n  ')}
)) AS f`;

/** `args`: the CLI's database arguments (`--db <url>` or `--data-dir <dir>`). */
export async function fingerprintOf(args: readonly string[]): Promise<string> {
  const db: Db = args[0] === '--db' ? openPg({ connectionString: args[1]!, max: 1 }) : await openPglite(args[1]!);
  try {
    return (await db.query<{ f: string }>(FINGERPRINT)).rows[0]!.f;
  } finally {
    await db.close();
  }
}
