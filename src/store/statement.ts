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
