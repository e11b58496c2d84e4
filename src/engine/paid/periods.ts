/**
 * Paid periods in SQL (SPEC §3.8), the same walk as the reference model's `paidPeriods`
 * (src/rules/paid.ts): each member's paid purchases in order of (paid_at, purchase_id), a renewal
 * when the running membership is of the same plan, otherwise a new membership that cuts the
 * running one short at its paid_at. Refunded purchases take no part: refunding revokes a period by
 * recomputing the member's periods without it.
 *
 * The walk is a recursive CTE, one step per purchase rank, over every affected member at once.
 */
import type { Queryable } from '../../store/db.js';

/** `ts + validity` on the wall clock of `tz` (months clamped at month end), as an instant. */
export function addOnWallClock(ts: string, months: string, days: string, tz: string): string {
  return `((${ts} AT TIME ZONE ${tz}) + make_interval(months => ${months}, days => ${days})) AT TIME ZONE ${tz}`;
}

/**
 * Recomputes `paid_periods` and `paid_memberships` of the members of `merchant` that have a
 * purchase stamped with `importSeq` (the import that just wrote them), or of `members`.
 */
export async function recomputePaidPeriods(
  q: Queryable,
  merchant: string,
  which: { importSeq: string | number } | { members: readonly string[] },
): Promise<void> {
  const [filter, value] =
    'members' in which
      ? ['member_id = ANY($2::text[])', [...which.members]]
      : [`member_id IN (SELECT member_id FROM purchases WHERE merchant_id = $1 AND import_seq = $2::bigint)`, String(which.importSeq)];
  await q.query(`DELETE FROM paid_memberships WHERE merchant_id = $1 AND ${filter}`, [merchant, value]);
  await q.query(`DELETE FROM paid_periods WHERE merchant_id = $1 AND ${filter}`, [merchant, value]);
  const end = (ts: string): string => addOnWallClock(ts, 'p.validity_months', 'p.validity_days', 'p.timezone');
  // Planned on statistics from before this import, the statements below pick nested loops that
  // grow with the square of a large file; ANALYZE inside the transaction counts its own rows.
  await q.query('ANALYZE purchases');
  await q.query(
    // The recursive walk is a subquery of the INSERT, not its WITH: Citus plans an INSERT's CTEs
    // one by one (a recursive one cannot be), but runs a subquery on one merchant as one statement.
    `INSERT INTO paid_periods (merchant_id, member_id, purchase_id, plan_id, kind, membership_id, paid_at, starts_at, ends_at, timezone, next_grant_at)
     SELECT * FROM (
     WITH RECURSIVE p AS MATERIALIZED (
       SELECT member_id, purchase_id, plan_id, paid_at, validity_months, validity_days, timezone,
              row_number() OVER (PARTITION BY member_id ORDER BY paid_at, purchase_id COLLATE "C") AS n
         FROM purchases
        WHERE merchant_id = $1 AND status = 'paid' AND ${filter}
     ), walk AS (
       SELECT p.member_id, p.n, p.purchase_id, p.plan_id, p.paid_at, 'start'::text AS kind, p.purchase_id AS membership_id,
              p.paid_at AS starts_at, ${end('p.paid_at')} AS ends_at, p.timezone,
              p.plan_id AS m_plan, ${end('p.paid_at')} AS m_end, NULL::text AS cut_membership
         FROM p WHERE p.n = 1
       UNION ALL
       SELECT p.member_id, p.n, p.purchase_id, p.plan_id, p.paid_at,
              CASE WHEN p.paid_at < w.m_end AND p.plan_id = w.m_plan THEN 'renewal' ELSE 'start' END,
              CASE WHEN p.paid_at < w.m_end AND p.plan_id = w.m_plan THEN w.membership_id ELSE p.purchase_id END,
              CASE WHEN p.paid_at < w.m_end AND p.plan_id = w.m_plan THEN w.m_end ELSE p.paid_at END,
              CASE WHEN p.paid_at < w.m_end AND p.plan_id = w.m_plan THEN ${end('w.m_end')} ELSE ${end('p.paid_at')} END,
              p.timezone,
              p.plan_id,
              CASE WHEN p.paid_at < w.m_end AND p.plan_id = w.m_plan THEN ${end('w.m_end')} ELSE ${end('p.paid_at')} END,
              CASE WHEN p.paid_at < w.m_end AND p.plan_id <> w.m_plan THEN w.membership_id END
         FROM walk w JOIN p ON p.member_id = w.member_id AND p.n = w.n + 1
     ), cuts AS (
       -- the purchase that cuts a membership short starts the next one: its starts_at is its paid_at
       SELECT w.member_id, w.cut_membership AS membership_id, w.starts_at AS cut_at
         FROM walk w
        WHERE w.cut_membership IS NOT NULL
     )
     SELECT $1::text, w.member_id, w.purchase_id, w.plan_id, w.kind, w.membership_id, w.paid_at,
            CASE WHEN c.cut_at < w.starts_at THEN c.cut_at ELSE w.starts_at END,
            CASE WHEN c.cut_at < w.ends_at THEN c.cut_at ELSE w.ends_at END,
            w.timezone, w.paid_at
       FROM walk w
       LEFT JOIN cuts c ON c.member_id = w.member_id AND c.membership_id = w.membership_id
     ) periods`,
    [merchant, value],
  );
  await q.query('ANALYZE paid_periods');
  // continued: another membership of the member starts at this one's end.
  await q.query(
    `WITH g AS (
       SELECT member_id, membership_id, min(plan_id) AS plan_id, min(starts_at) AS since, max(ends_at) AS expires_at
         FROM paid_periods
        WHERE merchant_id = $1 AND ${filter}
        GROUP BY member_id, membership_id
     ), starts AS (
       SELECT member_id, since, count(*) AS n FROM g GROUP BY member_id, since
     )
     INSERT INTO paid_memberships (merchant_id, member_id, membership_id, plan_id, since, expires_at, continued)
     SELECT $1, g.member_id, g.membership_id, g.plan_id, g.since, g.expires_at,
            coalesce(s.n, 0) - CASE WHEN g.since = g.expires_at THEN 1 ELSE 0 END > 0
       FROM g LEFT JOIN starts s ON s.member_id = g.member_id AND s.since = g.expires_at`,
    [merchant, value],
  );
}
