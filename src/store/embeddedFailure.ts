/**
 * PGlite fails in ways PostgreSQL's own clients never see: a WebAssembly abort (`Aborted()`), a
 * thrown plain object (`[object Object]`), or PostgreSQL's data-corruption and file errors. On a
 * data directory these mean the files are damaged, so they become db.embedded-corrupt with the
 * path and what to do; ordinary SQL errors (a unique violation, a lock timeout) pass unchanged.
 */
import { TierformError } from '../cli/errors.js';
import { pgErrorCode } from './db.js';

/** SQLSTATE classes XX (internal error, data_corrupted, index_corrupted) and 58 (system/file error). */
function corruptionState(code: string | undefined): boolean {
  return code !== undefined && /^(XX|58)[0-9A-Z]{3}$/.test(code);
}

export function corruptError(dataDir: string, what: string): TierformError {
  return new TierformError(
    'db.embedded-corrupt',
    `the embedded database ${dataDir} is damaged (${what}); nothing was changed. Restore the directory from a backup, or move it aside with tierform db init --force --data-dir ${dataDir} (a new, empty database)`,
  );
}

export function embeddedFailure(err: unknown, dataDir: string): unknown {
  if (err instanceof TierformError) return err;
  if (!(err instanceof Error)) return corruptError(dataDir, 'PGlite failed without an error message');
  // WebAssembly.RuntimeError (`Aborted()`, an out-of-bounds access): the instance is gone.
  if (err.name === 'RuntimeError') return corruptError(dataDir, `PGlite aborted: ${err.message}`);
  const code = pgErrorCode(err);
  if (corruptionState(code)) return corruptError(dataDir, `${code}: ${err.message}`);
  return err;
}
