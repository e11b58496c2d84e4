/**
 * Reads what `members explain` needs from the live state and turns it into the reference
 * model's terms: the member's stored evaluation state, their orders, the version that judges
 * them and a pending version that will recalculate them. The explanation itself is pure
 * (src/rules/explain.ts); this is the I/O beside it.
 */
import type { Queryable } from '../store/db.js';
import { TierformError } from '../cli/errors.js';
import { compileRules, type Grant, type LevelRules, type MemberState, type Order, type OrderStatus, type TransitionReason } from '../rules/index.js';
import type { PointsEntry } from '../rules/orders.js';
import type { LiveVersion } from '../plan/types.js';
import { assertMerchantExists, readLiveVersions } from './standing.js';
import type { ProgramDocument } from '../rules/program.js';

/** Why this version judges the member: the active one, the pending one they joined after, or the pending one while none is active. */
export type JudgedBy = 'active' | 'joined_after_pending' | 'pending_only';

export interface ExplainSubject {
  state: MemberState;
  name: string | null;
  orders: Order[];
  /** The member's points ledger entries when the judging or pending version measures by points; else empty. */
  points: PointsEntry[];
  /** The version that judges the member at the next evaluation, compiled. */
  judge: { version: LiveVersion; rules: LevelRules; why: JudgedBy };
  /** A pending version that will recalculate this member when it takes effect. */
  pending: { version: LiveVersion; rules: LevelRules; at: Date } | null;
  /** The instant of the merchant's latest evaluation or recalculation (evaluations never go back). */
  latestRunAt: Date | null;
}

interface StateRow {
  member_id: string;
  name: string | null;
  joined_at: Date | string;
  birthday: string | null;
  tier_id: string | null;
  tier_since: Date | string | null;
  anchor_at: Date | string | null;
  expires_at: Date | string | null;
  evidence_at: Date | string | null;
  previous_anchor_at: Date | string | null;
  extended_tier: string | null;
  fell_at: Date | string | null;
  fell_from: string | null;
  fell_period_end: Date | string | null;
  manual_tier: string | null;
  pinned_until: Date | string | null;
  trigger_order_id: string | null;
  last_evaluated_seq: string | number | bigint;
}

interface OrderRow {
  order_id: string;
  member_id: string;
  amount_minor: string | number | bigint;
  refunded_minor: string | number | bigint;
  paid_at: Date | string;
  status: OrderStatus;
  tags: string[] | null;
  import_seq: string | number | bigint;
  consumed: boolean;
}

const date = (v: Date | string): Date => new Date(v);
const dateOrNull = (v: Date | string | null): Date | null => (v === null ? null : new Date(v));

export async function readExplainSubject(q: Queryable, merchant: string, member: string): Promise<ExplainSubject> {
  await assertMerchantExists(q, merchant);
  const row = (
    await q.query<StateRow>(
      `SELECT member_id, name, joined_at, birthday, tier_id, tier_since, anchor_at, expires_at, evidence_at,
              previous_anchor_at, extended_tier, fell_at, fell_from, fell_period_end, manual_tier, pinned_until,
              trigger_order_id, last_evaluated_seq
       FROM members WHERE merchant_id = $1 AND member_id = $2`,
      [merchant, member],
    )
  ).rows[0];
  if (!row) throw new TierformError('state.unknown-member', `member ${member} of ${merchant} is not in the live state`);
  const { active, pending } = await readLiveVersions(q, merchant);
  if (active === null && pending === null) throw new TierformError('state.no-active-version', `merchant ${merchant} has no active version to explain ${member} by`);
  const orderRows = (
    await q.query<OrderRow>(
      `SELECT order_id, member_id, amount_minor, refunded_minor, paid_at, status, tags, import_seq, consumed
       FROM orders WHERE merchant_id = $1 AND member_id = $2 ORDER BY paid_at, order_id COLLATE "C"`,
      [merchant, member],
    )
  ).rows;
  const history = (
    await q.query<{ from_tier: string | null; to_tier: string | null; at: Date | string; reason: string; version: number }>(
      'SELECT from_tier, to_tier, at, reason, version FROM member_history WHERE merchant_id = $1 AND member_id = $2 ORDER BY at, history_id',
      [merchant, member],
    )
  ).rows;
  const grants = (
    await q.query<{ grant_key: string; type: string; tier_id: string | null; due_at: Date | string; at: Date | string; points: number | null }>(
      `SELECT grant_key, type, tier_id, due_at, at, points FROM grants
       WHERE merchant_id = $1 AND member_id = $2 AND type IN ('upgrade_points', 'birthday_discount') ORDER BY at, grant_key COLLATE "C"`,
      [merchant, member],
    )
  ).rows;
  const latest = (await q.query<{ latest: Date | string | null }>('SELECT max(at) AS latest FROM engine_runs WHERE merchant_id = $1', [merchant])).rows[0]?.latest ?? null;

  const joinedAt = date(row.joined_at);
  // §3.5: members who joined at or after a pending version's apply are judged by it from the start.
  const byPending = pending !== null && (active === null || joinedAt >= new Date(pending.appliedAt));
  const judgeVersion = byPending ? pending! : active!;
  const otherPending = !byPending && pending !== null ? pending : null;
  const judgeRules = compile(judgeVersion);
  const pendingRules = otherPending === null ? null : compile(otherPending);
  // The ledger is read only when a version that judges the member measures by points (v1.1 §3.2).
  const byPoints = judgeRules.basis === 'points' || pendingRules?.basis === 'points';
  const pointRows = byPoints
    ? (
        await q.query<{ entry_id: string; member_id: string; points: string | number | bigint; at: Date | string; import_seq: string | number | bigint }>(
          `SELECT entry_id, member_id, points, at, import_seq FROM points_ledger
           WHERE merchant_id = $1 AND member_id = $2 ORDER BY at, entry_id COLLATE "C"`,
          [merchant, member],
        )
      ).rows
    : [];
  return {
    name: row.name,
    state: {
      memberId: row.member_id,
      joinedAt,
      birthday: row.birthday,
      tier: row.tier_id,
      tierSince: dateOrNull(row.tier_since),
      anchorAt: dateOrNull(row.anchor_at),
      expiresAt: dateOrNull(row.expires_at),
      evidenceAt: dateOrNull(row.evidence_at),
      previousAnchorAt: dateOrNull(row.previous_anchor_at),
      extendedTier: row.extended_tier,
      fellAt: dateOrNull(row.fell_at),
      fellFrom: row.fell_from,
      fellPeriodEnd: dateOrNull(row.fell_period_end),
      manualTier: row.manual_tier,
      pinnedUntil: dateOrNull(row.pinned_until),
      consumedOrders: orderRows.filter((o) => o.consumed).map((o) => o.order_id),
      triggerOrderId: row.trigger_order_id,
      lastEvaluatedImportSeq: Number(row.last_evaluated_seq),
      grants: grants.map(
        (g): Grant => ({
          type: g.type as Grant['type'],
          key: g.grant_key,
          tier: g.tier_id ?? '',
          dueAt: date(g.due_at),
          at: date(g.at),
          ...(g.points !== null ? { points: Number(g.points) } : {}),
        }),
      ),
      history: history.map((h) => ({ from: h.from_tier, to: h.to_tier, at: date(h.at), reason: h.reason as TransitionReason, version: Number(h.version) })),
    },
    orders: orderRows.map((o) => ({
      id: o.order_id,
      memberId: o.member_id,
      amountMinor: BigInt(String(o.amount_minor)),
      refundedMinor: BigInt(String(o.refunded_minor)),
      paidAt: date(o.paid_at),
      status: o.status,
      tags: o.tags ?? [],
      importSeq: Number(o.import_seq),
    })),
    points: pointRows.map((e) => ({ id: e.entry_id, memberId: e.member_id, points: Number(e.points), at: date(e.at), importSeq: Number(e.import_seq) })),
    judge: { version: judgeVersion, rules: judgeRules, why: !byPending ? 'active' : active !== null ? 'joined_after_pending' : 'pending_only' },
    pending: otherPending === null || pendingRules === null ? null : { version: otherPending, rules: pendingRules, at: new Date(otherPending.effectiveAt ?? otherPending.appliedAt) },
    latestRunAt: latest === null ? null : date(latest),
  };
}

function compile(v: LiveVersion): LevelRules {
  return compileRules(v.document as unknown as ProgramDocument);
}
