/**
 * Session settings the engine's set-based statements are planned for, set with SET LOCAL in the
 * transaction that runs them (a run's batch, apply's immediate recalculation), so they end with
 * it and never leak to a pooled connection. The bench gives its hand-written floor the same.
 *
 * work_mem: a batch groups up to 100,000 members' window orders and sorts its moves; at the
 * server's default 4 MB the grouping spills to disk. 64 MB (hash operations get
 * hash_mem_multiplier × that, 128 MB by default) keeps a 100,000-member batch in memory with room
 * to spare, and is small enough for the few engine sessions a server runs at once.
 *
 * jit off: the engine's statements are many CTEs whose row estimates multiply into costs far
 * above the JIT thresholds, so PostgreSQL spent seconds compiling each batch's statement (2.1 s of
 * a 2.7 s batch measured) to run it once; they run faster interpreted.
 */
import type { Queryable } from '../store/db.js';

export const ENGINE_WORK_MEM = '64MB';

/** Applies the engine's settings (work_mem, jit) to the rest of the current transaction. */
export async function useEngineSettings(q: Queryable): Promise<void> {
  await q.query(`SET LOCAL work_mem = '${ENGINE_WORK_MEM}'`);
  await q.query('SET LOCAL jit = off');
}
