/**
 * SQL as data: store modules build statements with small pure functions (text plus bound values)
 * and run them through one Queryable.
 */
import type { Queryable, QueryResult } from './db.js';

export interface Statement {
  text: string;
  values: readonly unknown[];
}

export function run<R = Record<string, unknown>>(q: Queryable, statement: Statement): Promise<QueryResult<R>> {
  return q.query<R>(statement.text, statement.values);
}

/** Timestamps come back as Date from both engines; text in case a driver is configured otherwise. */
export function toIso(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  return new Date(String(value)).toISOString();
}

export function toIsoOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : toIso(value);
}

/**
 * Runs `INSERT … SELECT … ON CONFLICT DO NOTHING` (no RETURNING) and counts the rows it really
 * inserted. The command tag is not enough: on Citus an INSERT … SELECT into a table with an
 * identity column is planned "pull to coordinator" (the identity is volatile), and its tag then
 * counts the selected rows, conflicts included. The inserted rows themselves, counted in the
 * same statement, are right on both engines and never travel to the client.
 */
export async function insertedCount(q: Queryable, insert: string, values: readonly unknown[]): Promise<number> {
  const res = await q.query<{ n: number }>(`WITH ins AS (${insert} RETURNING 1) SELECT count(*)::int AS n FROM ins`, values);
  return Number(res.rows[0]?.n ?? 0);
}
