/**
 * "As of evidenceAt" (v1.1 §3.3, §3.5) in SQL: the tier a member would have reached at their
 * evidence instant under the statement's rules, as the reference model's tierAsOfEvidence.
 * Shared by the refund step and the recalculation (and so by plan's impact).
 */
import type { Bound } from './scope.js';

export interface EvidenceSql {
  /** Columns of the members CTE (members aliased `mb`). */
  columns: string;
  /** Aggregates over the eligible orders `o` joined to the members CTE `m`. */
  measures: string;
  /** The rank as of evidenceAt (−1 without evidence), over the members CTE `m` and the aggregates `agg`. */
  rank: (agg: string) => string;
}

export function evidenceDerivation(b: Bound, m: string): EvidenceSql {
  const { r } = b;
  const rules = r.rules;
  const validity = rules.downgrade.mode === 'validity';
  // The orders consumed before the move that set evidenceAt: all consumed ones but its trigger.
  const before = rules.basis === 'single_order' ? `(NOT o.consumed OR o.order_id = ${m}.trigger_order_id)` : 'TRUE';
  // The validity period an expiry judged: up to evidenceAt for an extension, to the expiry a fall passed.
  const period = r.inWindow(`${m}.previous_anchor_at`, `(CASE WHEN ${m}.fell_from IS NULL THEN ${m}.evidence_at ELSE ${m}.fell_period_end END)`);
  // Evidence set by a move up is measured above the last fall, as the move was; a fall's own
  // evidence and an extension's fall-below are measured as the fall measured them (no floor).
  const floor = r.upwardFloor(`CASE WHEN mb.fell_from IS NULL${validity ? ' AND mb.extended_tier IS NULL' : ''} THEN mb.fell_at END`);
  const columns = `mb.evidence_at, mb.previous_anchor_at, mb.trigger_order_id, mb.extended_tier, mb.fell_from, mb.fell_period_end, mb.manual_tier,
    ${r.windowColumns('e', 'mb.evidence_at', 'mb.previous_anchor_at', floor)}`;
  const extension = validity
    ? `, ${r.amountAggregateBy(rules.downgrade.retentionBasis, `${period} AND NOT o.consumed`)} AS x_amt,
    count(o.member_id) FILTER (WHERE ${period} AND NOT o.consumed) AS x_cnt`
    : '';
  const measures = `${r.measureColumns('e', before)}${extension}`;
  const rank = (agg: string): string => {
    const qualifiedThen = r.qualifiedRankOf(agg, 'e');
    // Evidence set by a manual adjustment to Y (§3.10): Y, or the highest enabled tier below it.
    // Evidence set by a fall from X: X if its extension standard is now met in the period the
    // fall judged (mode validity), else the fall below X at evidenceAt.
    const f = r.rankOf(`${m}.fell_from`);
    const extendedAfterAll = validity ? `WHEN ${m}.fell_from IS NOT NULL AND ${m}.fell_period_end IS NOT NULL AND ${r.extensionMet(f, `${agg}.x_amt`, `${agg}.x_cnt`)} THEN ${f}` : '';
    const decided = `WHEN ${m}.manual_tier IS NOT NULL THEN ${r.enabledRankAtMost(r.rankOf(`${m}.manual_tier`))}
      ${extendedAfterAll}
      WHEN ${m}.fell_from IS NOT NULL THEN ${r.qualifiedRankOf(agg, 'e', `${r.heldRank(`${m}.fell_from`)} - 1`)}`;
    if (!validity) return `(CASE WHEN ${m}.evidence_at IS NULL THEN -1 ${decided} ELSE ${qualifiedThen} END)`;
    // Evidence set by an extension of tier X: X if its extension standard is met in the period
    // that earned it, else the fall below X at evidenceAt.
    const x = r.rankOf(`${m}.extended_tier`);
    return `(CASE WHEN ${m}.evidence_at IS NULL THEN -1 ${decided}
      WHEN ${m}.extended_tier IS NULL THEN ${qualifiedThen}
      WHEN ${r.extensionMet(x, `${agg}.x_amt`, `${agg}.x_cnt`)} THEN ${x}
      ELSE ${r.qualifiedRankOf(agg, 'e', `${r.heldRank(`${m}.extended_tier`)} - 1`)} END)`;
  };
  return { columns, measures, rank };
}
