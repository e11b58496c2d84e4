/**
 * Paid grants (SPEC §3.6) for every member of a merchant at once, as the reference model's
 * `paidGrantsDue` computes them per member. Each statement inserts into the grants ledger with
 * ON CONFLICT DO NOTHING on its primary key (merchant_id, member_id, grant_key), so running it
 * again, or in several transactions at once, never grants twice.
 */
import type { Queryable } from '../../store/db.js';
import { localDateOf, localMidnight } from '../../model/localDate.js';
import { enqueuePaidExpiries } from '../../outbox/paid.js';
import { loadVersionPaidRules } from './plans.js';
import { addOnWallClock } from './periods.js';

const INSERT = `INSERT INTO grants (merchant_id, member_id, grant_key, type, tier_id, plan_id, due_at, at, points, version, run_id)`;

/**
 * Performs every paid grant of `merchant` due at or before `at` and not in the ledger yet, under
 * the plans of `version` (plans it dropped keep their last live definition). Also writes the
 * expiry notifications of memberships that ended by `at`. Call it inside the evaluation's
 * transaction; returns how many grants it recorded.
 */
export async function performPaidGrants(q: Queryable, merchant: string, at: Date, version: number): Promise<{ granted: number }> {
  const { plans, rules } = await loadVersionPaidRules(q, merchant, version);
  const joinPoints = [...plans.values()].filter((p) => p.joinPoints !== null).map((p) => ({ plan: p.id, points: p.joinPoints }));
  const onStart = [...plans.values()].flatMap((p) => p.benefits.filter((b) => b.grant.kind === 'on_start').map((b) => ({ plan: p.id, tag: b.tag, type: b.type })));
  const every = [...plans.values()].flatMap((p) =>
    p.benefits.flatMap((b) => (b.grant.kind === 'every' ? [{ plan: p.id, tag: b.tag, type: b.type, months: b.grant.months }] : [])),
  );
  const birthdayPlans = [...plans.values()].filter((p) => p.birthdayDiscount).map((p) => p.id);
  let granted = 0;

  if (joinPoints.length > 0) {
    const res = await q.query(
      `${INSERT}
       SELECT pu.merchant_id, pu.member_id, 'join_points:' || pu.purchase_id, 'join_points', NULL, pu.plan_id, pu.paid_at, $2::timestamptz, s.points, $3::integer, NULL
         FROM purchases pu JOIN jsonb_to_recordset($4::jsonb) AS s(plan text, points integer) ON s.plan = pu.plan_id
        WHERE pu.merchant_id = $1 AND pu.status = 'paid' AND pu.paid_at <= $2
       ON CONFLICT DO NOTHING`,
      [merchant, at, version, JSON.stringify(joinPoints)],
    );
    granted += res.rowCount;
  }

  if (onStart.length > 0) {
    const res = await q.query(
      `${INSERT}
       SELECT pp.merchant_id, pp.member_id, s.tag || ':' || pp.purchase_id, s.type, NULL, pp.plan_id, pp.starts_at, $2::timestamptz, NULL, $3::integer, NULL
         FROM paid_periods pp JOIN jsonb_to_recordset($4::jsonb) AS s(plan text, tag text, type text) ON s.plan = pp.plan_id
        WHERE pp.merchant_id = $1 AND pp.starts_at < pp.ends_at AND pp.starts_at <= $2
       ON CONFLICT DO NOTHING`,
      [merchant, at, version, JSON.stringify(onStart)],
    );
    granted += res.rowCount;
  }

  if (every.length > 0) {
    // Anniversary m (months after the start) is computed from the start in one step, so a period
    // starting on Jan 31 grants on Feb 28/29 and again on Mar 31. A month lasts at least 27 days
    // on any wall clock, which bounds how many anniversaries can lie before min(ends_at, at).
    const due = addOnWallClock('pp.starts_at', 'k.m', '0', 'pp.timezone');
    const res = await q.query(
      `${INSERT}
       SELECT pp.merchant_id, pp.member_id, s.tag || '@m' || k.m || ':' || pp.purchase_id, s.type, NULL, pp.plan_id, d.due_at, $2::timestamptz, NULL, $3::integer, NULL
         FROM paid_periods pp
         JOIN jsonb_to_recordset($4::jsonb) AS s(plan text, tag text, type text, months integer) ON s.plan = pp.plan_id
         CROSS JOIN LATERAL generate_series(0, floor(extract(epoch FROM (LEAST(pp.ends_at, $2::timestamptz) - pp.starts_at)) / (27 * 86400) / s.months)::integer + 1) AS n(i)
         CROSS JOIN LATERAL (SELECT n.i * s.months AS m) k
         CROSS JOIN LATERAL (SELECT ${due} AS due_at) d
        WHERE pp.merchant_id = $1 AND pp.starts_at < pp.ends_at AND pp.starts_at <= $2
          AND d.due_at < pp.ends_at AND d.due_at <= $2
       ON CONFLICT DO NOTHING`,
      [merchant, at, version, JSON.stringify(every)],
    );
    granted += res.rowCount;
  }

  if (birthdayPlans.length > 0) {
    const today = localDateOf(at, rules.timezone);
    const month = Number(today.slice(5, 7));
    const year = today.slice(0, 4);
    const dueAt = localMidnight(`${year}-${today.slice(5, 7)}-01`, rules.timezone);
    const res = await q.query(
      `${INSERT}
       SELECT pm.merchant_id, pm.member_id, 'birthday_discount:' || $4::text, 'birthday_discount', NULL, pm.plan_id, $5::timestamptz, $2::timestamptz, NULL, $3::integer, NULL
         FROM paid_memberships pm
         JOIN members m ON m.merchant_id = pm.merchant_id AND m.member_id = pm.member_id
        WHERE pm.merchant_id = $1 AND pm.since <= $2 AND $2 < pm.expires_at AND pm.plan_id = ANY($6::text[])
          AND m.birthday IS NOT NULL
          AND substr(m.birthday, length(m.birthday) - 4, 2)::integer = $7
       ON CONFLICT DO NOTHING`,
      [merchant, at, version, year, dueAt, birthdayPlans, month],
    );
    granted += res.rowCount;
  }

  await enqueuePaidExpiries(q, merchant, at, version);
  return { granted };
}
