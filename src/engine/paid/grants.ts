/**
 * Paid grants (SPEC §3.6) for every member of a merchant at once, as the reference model's
 * `paidGrantsDue` computes them per member. Each statement inserts into the grants ledger with
 * ON CONFLICT DO NOTHING on its primary key (merchant_id, member_id, grant_key), so running it
 * again, or in several transactions at once, never grants twice.
 *
 * A daily run looks only at the periods whose `next_grant_at` has come (the earliest instant a
 * grant of theirs may still fall due), not at every period since the start: a recomputed period
 * starts over at its paid_at, and when the grant rules change every period does.
 */
import { createHash } from 'node:crypto';
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

  // One run per merchant at a time (the state row's lock); changed rules: every period again.
  const hash = createHash('sha256').update(JSON.stringify({ joinPoints, onStart, every })).digest('hex');
  // A row comes back when the state is new or its hash changed; an unchanged row is still locked.
  // (No subquery in RETURNING: Citus refuses one in an INSERT.)
  const state = await q.query(
    `INSERT INTO paid_grant_state (merchant_id, rules_hash) VALUES ($1, $2)
     ON CONFLICT (merchant_id) DO UPDATE SET rules_hash = EXCLUDED.rules_hash
       WHERE paid_grant_state.rules_hash IS DISTINCT FROM EXCLUDED.rules_hash
     RETURNING 1`,
    [merchant, hash],
  );
  if (state.rowCount > 0) {
    await q.query('UPDATE paid_periods SET next_grant_at = paid_at WHERE merchant_id = $1', [merchant]);
  }

  let granted = 0;
  if (joinPoints.length > 0) {
    const res = await q.query(
      `${INSERT}
       SELECT pp.merchant_id, pp.member_id, 'join_points:' || pp.purchase_id, 'join_points', NULL, pp.plan_id, pp.paid_at, $2::timestamptz, s.points, $3::integer, NULL
         FROM paid_periods pp JOIN jsonb_to_recordset($4::jsonb) AS s(plan text, points integer) ON s.plan = pp.plan_id
        WHERE pp.merchant_id = $1 AND pp.next_grant_at <= $2 AND pp.paid_at <= $2
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
        WHERE pp.merchant_id = $1 AND pp.next_grant_at <= $2 AND pp.starts_at < pp.ends_at AND pp.starts_at <= $2
       ON CONFLICT DO NOTHING`,
      [merchant, at, version, JSON.stringify(onStart)],
    );
    granted += res.rowCount;
  }

  if (every.length > 0) {
    // Anniversary m (months after the start) is computed from the start in one step, so a period
    // starting on Jan 31 grants on Feb 28/29 and again on Mar 31. Only anniversaries from
    // next_grant_at to min(ends_at, at) can be pending: a month lasts 27 days to 31 days and an
    // hour on any wall clock, which bounds their indexes.
    const due = addOnWallClock('pp.starts_at', 'k.m', '0', 'pp.timezone');
    const res = await q.query(
      `${INSERT}
       SELECT pp.merchant_id, pp.member_id, s.tag || '@m' || k.m || ':' || pp.purchase_id, s.type, NULL, pp.plan_id, d.due_at, $2::timestamptz, NULL, $3::integer, NULL
         FROM paid_periods pp
         JOIN jsonb_to_recordset($4::jsonb) AS s(plan text, tag text, type text, months integer) ON s.plan = pp.plan_id
         CROSS JOIN LATERAL generate_series(${monthsAtLeast('pp.next_grant_at', 's.months')}, ${monthsAtMost('LEAST(pp.ends_at, $2::timestamptz)', 's.months')}) AS n(i)
         CROSS JOIN LATERAL (SELECT n.i * s.months AS m) k
         CROSS JOIN LATERAL (SELECT ${due} AS due_at) d
        WHERE pp.merchant_id = $1 AND pp.next_grant_at <= $2 AND pp.starts_at < pp.ends_at AND pp.starts_at <= $2
          AND d.due_at >= pp.next_grant_at AND d.due_at < pp.ends_at AND d.due_at <= $2
       ON CONFLICT DO NOTHING`,
      [merchant, at, version, JSON.stringify(every)],
    );
    granted += res.rowCount;
  }

  await advanceNextGrant(q, merchant, at, onStart.map((s) => s.plan), every);

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

const LONGEST_MONTH = 31 * 86_400 + 3_600;
const SHORTEST_MONTH = 27 * 86_400;

/** The smallest index k (of k·months) whose anniversary may be at or after `instant`. */
function monthsAtLeast(instant: string, months: string): string {
  return `GREATEST(0, floor(extract(epoch FROM (${instant} - pp.starts_at)) / ${LONGEST_MONTH} / ${months})::integer - 1)`;
}

/** The largest index k (of k·months) whose anniversary may be at or before `instant`. */
function monthsAtMost(instant: string, months: string): string {
  return `GREATEST(0, floor(extract(epoch FROM (${instant} - pp.starts_at)) / ${SHORTEST_MONTH} / ${months})::integer + 1)`;
}

/**
 * The periods just looked at wait until their next grant: the first on_start or anniversary
 * after `at` (before the period's end), or none.
 */
async function advanceNextGrant(q: Queryable, merchant: string, at: Date, onStartPlans: string[], every: { plan: string; months: number }[]): Promise<void> {
  const due = addOnWallClock('pp.starts_at', 'n.i * e.months', '0', 'pp.timezone');
  await q.query(
    `WITH c AS (
       SELECT member_id, purchase_id FROM paid_periods WHERE merchant_id = $1 AND next_grant_at <= $2
     ), upcoming AS (
       SELECT pp.member_id, pp.purchase_id, pp.starts_at AS t
         FROM paid_periods pp JOIN unnest($3::text[]) AS s(plan) ON s.plan = pp.plan_id
        WHERE pp.merchant_id = $1 AND pp.next_grant_at <= $2 AND pp.starts_at > $2 AND pp.starts_at < pp.ends_at
       UNION ALL
       SELECT pp.member_id, pp.purchase_id, d.due_at
         FROM paid_periods pp
         JOIN unnest($4::text[], $5::integer[]) AS e(plan, months) ON e.plan = pp.plan_id
         CROSS JOIN LATERAL generate_series(${monthsAtLeast('$2::timestamptz', 'e.months')}, ${monthsAtMost('$2::timestamptz', 'e.months')} + 1) AS n(i)
         CROSS JOIN LATERAL (SELECT ${due} AS due_at) d
        WHERE pp.merchant_id = $1 AND pp.next_grant_at <= $2 AND d.due_at > $2 AND d.due_at < pp.ends_at
     ), next AS (
       SELECT c.member_id, c.purchase_id, min(u.t) AS t
         FROM c LEFT JOIN upcoming u ON u.member_id = c.member_id AND u.purchase_id = c.purchase_id
        GROUP BY c.member_id, c.purchase_id
     )
     UPDATE paid_periods pp SET next_grant_at = next.t
       FROM next
      WHERE pp.merchant_id = $1 AND pp.member_id = next.member_id AND pp.purchase_id = next.purchase_id`,
    [merchant, at, onStartPlans, every.map((e) => e.plan), every.map((e) => e.months)],
  );
}
