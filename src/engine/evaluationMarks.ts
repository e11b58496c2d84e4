/**
 * The merchant's last complete daily evaluation (`evaluation_marks`): what an incremental
 * evaluation starts from. A mark says: at `at`, every member was evaluated under these versions
 * with every import up to `seq` in view. Only then can the next evaluation skip the members
 * nothing happened to since (src/engine/candidates.ts).
 */
import type { Queryable } from '../store/db.js';
import type { JudgingVersion } from './versions.js';

/** What an evaluation had in view when it started: bigints as text. */
export interface Seen {
  /** The largest import_seq of the merchant's committed imports. */
  seq: string;
  /** The merchant's last member_history row: the members the evaluation moves come after it. */
  history: string;
}

export interface EvaluationMark extends Seen {
  at: Date;
}

export interface Judging {
  active: JudgingVersion | null;
  pending: JudgingVersion | null;
}

/**
 * The mark an evaluation at `at` by `versions` may start from, or null when it must evaluate
 * every member: no mark yet, other versions judged it (a rule change or a new pending version
 * changes everyone's standard), or `at` is before it.
 */
export async function usableMark(q: Queryable, merchant: string, versions: Judging, at: Date): Promise<EvaluationMark | null> {
  const { rows } = await q.query<{ at: Date; seq: string; history: string; active_version: number | null; pending_version: number | null }>(
    'SELECT at, import_seq::text AS seq, history_id::text AS history, active_version, pending_version FROM evaluation_marks WHERE merchant_id = $1',
    [merchant],
  );
  const mark = rows[0];
  if (!mark) return null;
  if (mark.active_version !== (versions.active?.version ?? null) || mark.pending_version !== (versions.pending?.version ?? null)) return null;
  const markAt = new Date(mark.at);
  return at < markAt ? null : { at: markAt, seq: mark.seq, history: mark.history };
}

/**
 * What an evaluation starting now has in view: the largest import_seq of the merchant's committed
 * imports (orders and members' records) and its last history row. Imports of a merchant take
 * their seq under its lock in the order they commit, so an import not yet visible will carry a
 * larger one.
 */
export async function seenNow(q: Queryable, merchant: string): Promise<Seen> {
  const { rows } = await q.query<Seen>(
    `SELECT GREATEST((SELECT max(import_seq) FROM orders WHERE merchant_id = $1), (SELECT max(changed_seq) FROM members WHERE merchant_id = $1 AND changed_seq > 0), 0)::text AS seq,
       coalesce((SELECT max(history_id) FROM member_history WHERE merchant_id = $1), 0)::text AS history`,
    [merchant],
  );
  return rows[0] ?? { seq: '0', history: '0' };
}

/** Records a complete evaluation of every member at `at` that started with `seen` in view. */
export async function markEvaluated(q: Queryable, merchant: string, versions: Judging, at: Date, seen: Seen): Promise<void> {
  await q.query(
    `INSERT INTO evaluation_marks (merchant_id, at, import_seq, history_id, active_version, pending_version)
     VALUES ($1, $2, $3::bigint, $4::bigint, $5, $6)
     ON CONFLICT (merchant_id) DO UPDATE SET at = EXCLUDED.at, import_seq = EXCLUDED.import_seq, history_id = EXCLUDED.history_id,
       active_version = EXCLUDED.active_version, pending_version = EXCLUDED.pending_version`,
    [merchant, at, seen.seq, seen.history, versions.active?.version ?? null, versions.pending?.version ?? null],
  );
}

/**
 * Forgets the mark: members were moved by something else than an evaluation (a recalculation),
 * so the next evaluation looks at every member again.
 */
export async function forgetMark(q: Queryable, merchant: string): Promise<void> {
  await q.query('DELETE FROM evaluation_marks WHERE merchant_id = $1', [merchant]);
}
