/**
 * Claiming a merchant's due work, so that several run-due processes never do it twice.
 *
 * On a server the claim is the merchant's `due_claims` row, locked with FOR UPDATE SKIP LOCKED
 * in a transaction that stays open while the work runs on the pool's other connections: another
 * process skips the merchant instead of waiting, and a process that dies releases the claim with
 * its connection, so the next run-due resumes the work at once (no lease to expire).
 *
 * The embedded database serves one process (its file lock), and one connection that cannot hold
 * a transaction open while other statements run. There the claim is kept in the process: no
 * other process can be working on the database, and concurrent calls in this one process are
 * kept apart by the set of merchants being worked on.
 */
import type { Db } from '../store/db.js';
import { run } from '../store/statement.js';
import { claimMerchant, insertClaimRows, markClaim, selectClaimRows } from './store.js';

const inProcess = new WeakMap<Db, Set<string>>();

/**
 * Makes sure each merchant has its claim row. Only missing rows are inserted: an INSERT … ON
 * CONFLICT that meets a row another run-due holds (and has marked, an UPDATE) waits for that
 * run-due's whole transaction, i.e. its whole run, where this process should skip the merchant.
 */
export async function prepareClaims(db: Db, merchants: readonly string[]): Promise<void> {
  if (merchants.length === 0) return;
  const { rows } = await run<{ merchant_id: string }>(db, selectClaimRows(merchants));
  const present = new Set(rows.map((r) => r.merchant_id));
  const missing = merchants.filter((m) => !present.has(m));
  if (missing.length > 0) await run(db, insertClaimRows(missing));
}

/**
 * Runs `work` while holding the merchant's claim; returns null without running it when another
 * run-due holds the claim.
 */
export async function withMerchantClaim<T>(db: Db, merchant: string, claimant: { by: string; at: Date }, work: () => Promise<T>): Promise<T | null> {
  if (db.kind === 'pglite') {
    let held = inProcess.get(db);
    if (!held) {
      held = new Set();
      inProcess.set(db, held);
    }
    if (held.has(merchant)) return null;
    held.add(merchant);
    try {
      await run(db, markClaim(merchant, claimant.by, claimant.at));
      return await work();
    } finally {
      held.delete(merchant);
    }
  }
  return db.transaction(async (tx) => {
    const { rows } = await run(tx, claimMerchant(merchant));
    if (rows.length === 0) return null;
    await run(tx, markClaim(merchant, claimant.by, claimant.at));
    return work();
  });
}
