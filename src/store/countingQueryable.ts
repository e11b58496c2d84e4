/**
 * A Queryable that counts the statements it passes on. The plan bench and tests use it to show
 * that reading the live state costs a fixed number of queries whatever the merchant count.
 */
import type { Queryable, QueryResult } from './db.js';

export class CountingQueryable implements Queryable {
  #count = 0;

  constructor(private readonly inner: Queryable) {}

  get count(): number {
    return this.#count;
  }

  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
    this.#count += 1;
    return this.inner.query<R>(sql, params);
  }
}
