/** Kills a real `tierform import orders` while it waits on a lock the test holds on `orders` (server only). */
import { spawn } from 'node:child_process';
import type { Db } from '../../src/store/db.js';
import { BIN } from '../helpers/cli.js';
import type { ImportWorkspace } from './workspace.js';

export interface KilledImport {
  /** Whether a statement of the import was seen waiting for the lock before the kill. */
  waiting: boolean;
  signal: NodeJS.Signals | null;
}

/**
 * Holds `LOCK TABLE orders IN EXCLUSIVE MODE`, starts `tierform import orders <file>`, waits until
 * a statement whose text is LIKE `waitingOn` (and not LIKE `notWaitingOn`) waits for that lock,
 * then kills the process with SIGKILL and releases the lock.
 */
export async function killImportWhileWaiting(db: Db, w: ImportWorkspace, file: string, waitingOn: string, notWaitingOn?: string): Promise<KilledImport> {
  let waiting = false;
  const signal = await db.transaction(async (tx) => {
    await tx.query('LOCK TABLE orders IN EXCLUSIVE MODE');
    const child = spawn(process.execPath, [BIN, 'import', 'orders', file, ...w.db.args], { cwd: w.dir.dir, stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, s) => resolve(s)));
    for (let i = 0; i < 400 && !waiting; i++) {
      const { rows: found } = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE wait_event_type = 'Lock' AND query LIKE $1 AND ($2::text IS NULL OR query NOT LIKE $2)`,
        [waitingOn, notWaitingOn ?? null],
      );
      waiting = Number(found[0]!.n) > 0;
      if (!waiting) await new Promise((r) => setTimeout(r, 50));
    }
    child.kill('SIGKILL');
    return exited;
  });
  return { waiting, signal };
}
