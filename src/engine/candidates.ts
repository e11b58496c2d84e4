/**
 * Who a daily evaluation at t must look at, given the merchant's last complete evaluation at
 * t₀ (the mark, same versions). A member's evaluation reads only: their orders in their windows,
 * their own row, and t. A member the evaluation at t₀ did not move or extend left it as it found
 * them: no step applied at t₀, and none applies at t unless one of its inputs changed. So a
 * member can move at t only if one of these happened since t₀, and each is one index range scan
 * (migration 0014):
 *
 * - the evaluation at t₀ moved or extended them (a history row after the mark's): a fall or a
 *   refund demotion comes after the upgrade step, so the next evaluation may move them up again
 *   (member_history_by_id);
 * - an order of theirs was imported (new, changed, refunded or cancelled): import_seq > the seq
 *   the mark saw (orders_by_import); likewise a points-ledger entry (v1.1 basis points);
 * - an order of theirs entered or left a window: paid in the span a window bound moved over
 *   from t₀ to t (a rolling window's start moves with the local date; every upper bound is t,
 *   or a fixed window's end) (orders_by_paid_at);
 * - their validity period has ended: expires_at ≤ t (members_by_expiry; mode validity);
 * - their record changed (a re-imported birthday or joinedAt): changed_seq > the mark's seq;
 * - the first evaluation of a month: the members born in it may be due a birthday grant
 *   (members_by_birth_month; only when a tier carries the benefit);
 * - a tier that needs nothing (a standard met with no orders) takes in every basic member: then
 *   the basic members (new ones) are candidates (members_by_tier);
 * - a pin ended: pinned_until in (t₀, t] (members_by_pin_end); a pinned member is left alone,
 *   imports included, until then.
 *
 * Nobody else's measures, tier, expiry or birthday month changed, so step by step their
 * evaluation would repeat t₀'s and write nothing. A manual move (members set-tier) writes a
 * history row, so its member is a candidate by the first line. Anything else that moves members
 * (a recalculation) or changes everyone's standard (another version) makes the mark unusable.
 */
import type { Queryable } from '../store/db.js';
import type { Statement } from '../store/statement.js';
import { localDateOf } from '../model/localDate.js';
import { meets, type LevelRules } from '../rules/index.js';
import { Params, RulesSql } from './sqlRules.js';
import type { EvaluationMark } from './evaluationMarks.js';

/** A birthday's month as text ('01'…'12'): the expression of the members_by_birth_month index. */
export const BIRTH_MONTH_SQL = `(CASE WHEN length(mb.birthday) = 5 THEN substr(mb.birthday, 1, 2) ELSE substr(mb.birthday, 6, 2) END)`;

export interface CandidateQuery {
  merchant: string;
  /** The rules of every version judging members (active, pending). */
  rules: readonly LevelRules[];
  mark: EvaluationMark;
  at: Date;
  /** Members with lo < member_id ≤ hi (null: unbounded): the batch. */
  lo: string | null;
  hi: string | null;
}

/** One statement returning `ids` (text[]): the candidates of the batch, each once, in member_id order. */
export function candidatesStatement(c: CandidateQuery): Statement {
  const p = new Params();
  const merchant = p.add(c.merchant, '::text');
  const seq = p.add(c.mark.seq, '::bigint');
  // Bound on first use: PostgreSQL refuses a statement with a parameter it never reads.
  let prevParam: string | undefined;
  let tParam: string | undefined;
  const prev = (): string => (prevParam ??= p.add(c.mark.at, '::timestamptz'));
  const t = (): string => (tParam ??= p.add(c.at, '::timestamptz'));
  const range = (col: string): string =>
    [c.lo !== null ? ` AND ${col} > ${p.add(c.lo, '::text')}` : '', c.hi !== null ? ` AND ${col} <= ${p.add(c.hi, '::text')}` : ''].join('');
  const orders = (cond: string): string => `SELECT o.member_id FROM orders o WHERE o.merchant_id = ${merchant} AND ${cond}${range('o.member_id')}`;
  // v1.1 basis points: the points ledger is evidence like orders (its `at` as their paid_at).
  const ledger = (cond: string): string => `SELECT l.member_id FROM points_ledger l WHERE l.merchant_id = ${merchant} AND ${cond}${range('l.member_id')}`;
  const members = (cond: string): string => `SELECT mb.member_id FROM members mb WHERE mb.merchant_id = ${merchant} AND ${cond}${range('mb.member_id')}`;

  const history = `SELECT h.member_id FROM member_history h WHERE h.merchant_id = ${merchant} AND h.history_id > ${p.add(c.mark.history, '::bigint')}${range('h.member_id')}`;
  const parts = [history, orders(`o.import_seq > ${seq}`), ledger(`l.import_seq > ${seq}`), members(`mb.changed_seq > 0 AND mb.changed_seq > ${seq}`)];
  const spans = new Set<string>();
  const ledgerSpans = new Set<string>();
  for (const rules of c.rules.filter((r) => r.active)) {
    const r = new RulesSql(rules, p);
    for (const w of r.windows) {
      const before = r.window(prev(), 'NULL::timestamptz', w);
      const now = r.window(t(), 'NULL::timestamptz', w);
      // Both bounds only move forward with t: what changed is [before, now) of each.
      const into = rules.basis === 'points' ? ledgerSpans : spans;
      const col = rules.basis === 'points' ? 'l.at' : 'o.paid_at';
      if (w.kind === 'rolling' || w.kind === 'fixed') into.add(`${col} >= ${before.from} AND ${col} < ${now.from}`);
      into.add(`${col} >= ${before.to} AND ${col} < ${now.to}`);
    }
    if (rules.downgrade.mode === 'validity') parts.push(members(`mb.expires_at <= ${t()}`));
    if (rules.tiers.some((tier) => tier.enabled && tier.birthdayDiscount)) {
      const month = localDateOf(c.at, rules.timezone).slice(0, 7);
      if (month !== localDateOf(c.mark.at, rules.timezone).slice(0, 7)) {
        parts.push(members(`mb.birthday IS NOT NULL AND ${BIRTH_MONTH_SQL} = ${p.add(month.slice(5, 7), '::text')}`));
      }
    }
    if (rules.tiers.some((tier) => tier.enabled && meets(tier.threshold, 0n, 0))) parts.push(members('mb.tier_id IS NULL'));
  }
  // A pin that ended since t₀: the member was left alone while pinned (imports included).
  parts.push(members(`mb.pinned_until > ${prev()} AND mb.pinned_until <= ${t()}`));
  for (const span of spans) parts.push(orders(span));
  for (const span of ledgerSpans) parts.push(ledger(span));
  const text = `SELECT coalesce(array_agg(DISTINCT c.member_id ORDER BY c.member_id), '{}') AS ids FROM (
  ${parts.join('\n  UNION ALL ')}
) c`;
  return { text, values: p.values };
}

/** The candidates of the batch (lo, hi]. */
export async function findCandidates(q: Queryable, c: CandidateQuery): Promise<string[]> {
  const s = candidatesStatement(c);
  const { rows } = await q.query<{ ids: string[] }>(s.text, [...s.values]);
  return rows[0]?.ids ?? [];
}
