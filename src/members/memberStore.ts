/** Statements over a merchant's members, their history and their grants (read side, SPEC §5.1). */
import type { Statement } from '../store/statement.js';

export interface MemberRow {
  member_id: string;
  name: string | null;
  joined_at: Date | string;
  tier_id: string | null;
  tier_since: Date | string | null;
  anchor_at: Date | string | null;
  expires_at: Date | string | null;
  pinned_until: Date | string | null;
  /** When an evaluation welcomed the member (§3.9); null: not welcomed. */
  welcomed_at: Date | string | null;
}

export interface HistoryRow {
  from_tier: string | null;
  to_tier: string | null;
  at: Date | string;
  reason: string;
  version: number;
  actor: string | null;
  note: string | null;
}

export interface GrantRow {
  grant_key: string;
  type: string;
  tier_id: string | null;
  plan_id: string | null;
  due_at: Date | string;
  at: Date | string;
  points: number | null;
}

const MEMBER_COLUMNS = 'member_id, name, joined_at, tier_id, tier_since, anchor_at, expires_at, pinned_until, welcomed_at';

export function selectMember(merchant: string, member: string): Statement {
  return { text: `SELECT ${MEMBER_COLUMNS} FROM members WHERE merchant_id = $1 AND member_id = $2`, values: [merchant, member] };
}

/**
 * One page of members in member id order (byte order, so both engines agree whatever the
 * database collation), with the count of all members that match. `tier` null means basic;
 * undefined means every member.
 */
export function selectMembersPage(merchant: string, tier: string | null | undefined, limit: number): Statement {
  const filter = tier === undefined ? '' : tier === null ? ' AND tier_id IS NULL' : ' AND tier_id = $3';
  return {
    text: `SELECT ${MEMBER_COLUMNS}, count(*) OVER ()::int AS total FROM members
           WHERE merchant_id = $1${filter} ORDER BY member_id COLLATE "C" LIMIT $2`,
    values: tier === undefined || tier === null ? [merchant, limit] : [merchant, limit, tier],
  };
}

/** Tier changes, oldest first (history ids grow with time within a member). */
export function selectMemberHistory(merchant: string, member: string): Statement {
  return {
    text: `SELECT from_tier, to_tier, at, reason, version, actor, note FROM member_history
           WHERE merchant_id = $1 AND member_id = $2 ORDER BY at, history_id`,
    values: [merchant, member],
  };
}

/** The member's grants ledger, oldest first. */
export function selectMemberGrants(merchant: string, member: string): Statement {
  return {
    text: `SELECT grant_key, type, tier_id, plan_id, due_at, at, points FROM grants
           WHERE merchant_id = $1 AND member_id = $2 ORDER BY at, due_at, grant_key COLLATE "C"`,
    values: [merchant, member],
  };
}

export function selectMerchantExists(merchant: string): Statement {
  return { text: 'SELECT 1 AS one FROM merchants WHERE merchant_id = $1', values: [merchant] };
}
