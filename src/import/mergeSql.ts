/**
 * The merge of a staging table into its live table, as SQL text, in two shapes:
 * - a first load (the file's merchants have no rows in the table yet): one plain sorted
 *   `INSERT … SELECT`, no key probes at all; a key twice in the file is a unique violation;
 * - a merge: an `INSERT … SELECT` of the keys the table lacks (an anti-join), then an
 *   `UPDATE … FROM` of the rows whose values differ (the rows just inserted do not). Both are joins the planner may hash, where an upsert
 *   probes the primary key once or twice per row; an unchanged re-imported row costs nothing.
 * Both run under the lock of every merchant in the file, so no other import writes the same keys
 * meanwhile; a row written past the lock fails the import with a unique violation, never twice.
 * Every statement takes the file's merchants as `$1` (text[]); a stamp expression may use `$2`.
 */
import { STAGE } from './pipeline.js';

export interface MergeShape {
  table: string;
  /** Key columns, `merchant_id` first, named the same in the staging table. */
  key: readonly string[];
  /** Columns copied from the staging table and compared to decide whether a row changed. */
  values: readonly string[];
  /** Columns set on a written row from an expression (e.g. `import_seq` = `$1::bigint`). */
  stamp?: Readonly<Record<string, string>>;
  /** Insert in this order (an index's order fills its pages one after another). */
  order: readonly string[];
}

/** Does any merchant of the file have rows in the table? */
export function anyRowsSql(table: string): string {
  return `SELECT EXISTS (SELECT 1 FROM ${table} WHERE merchant_id = ANY($1::text[])) AS any`;
}

function insertColumns(s: MergeShape): { columns: string; select: (alias: string) => string } {
  const stamped = Object.keys(s.stamp ?? {});
  return {
    columns: [...s.key, ...s.values, ...stamped].join(', '),
    select: (alias) => [...s.key, ...s.values].map((c) => `${alias}.${c}`).concat(Object.values(s.stamp ?? {})).join(', '),
  };
}

/** First load: every staged row, sorted. */
export function insertAllSql(s: MergeShape): string {
  const { columns, select } = insertColumns(s);
  return `INSERT INTO ${s.table} (${columns}) SELECT ${select('s')} FROM ${STAGE} s
           WHERE s.merchant_id = ANY($1::text[])
           ORDER BY ${s.order.map((c) => `s.${c}`).join(', ')}`;
}

/** Merge, step 2: the stored rows whose values differ from the file's. */
export function updateChangedSql(s: MergeShape): string {
  const set = s.values.map((c) => `${c} = s.${c}`).concat(Object.entries(s.stamp ?? {}).map(([c, e]) => `${c} = ${e}`));
  return `UPDATE ${s.table} AS t SET ${set.join(', ')}
            FROM ${STAGE} s
           WHERE t.merchant_id = ANY($1::text[]) AND ${s.key.map((c) => `t.${c} = s.${c}`).join(' AND ')}
             AND (${s.values.map((c) => `t.${c}`).join(', ')}) IS DISTINCT FROM (${s.values.map((c) => `s.${c}`).join(', ')})`;
}

/**
 * Merge, step 1: the staged rows whose key the table lacks, sorted. An anti-join written as a
 * LEFT JOIN: PostgreSQL plans it as NOT EXISTS, and Citus refuses a correlated subquery here.
 */
export function insertNewSql(s: MergeShape): string {
  const { columns, select } = insertColumns(s);
  return `INSERT INTO ${s.table} (${columns})
          SELECT ${select('s')} FROM ${STAGE} s
            LEFT JOIN ${s.table} t ON ${s.key.map((c) => `t.${c} = s.${c}`).join(' AND ')} AND t.merchant_id = ANY($1::text[])
           WHERE s.merchant_id = ANY($1::text[]) AND t.${s.key[0]} IS NULL
           ORDER BY ${s.order.map((c) => `s.${c}`).join(', ')}`;
}
