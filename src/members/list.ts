/** `members list`: a merchant's members in member id order, optionally of one tier (SPEC §5). */
import type { Queryable } from '../store/db.js';
import { run, toIso, toIsoOrNull } from '../store/statement.js';
import { TierformError } from '../cli/errors.js';
import { selectMembersPage, type MemberRow } from './memberStore.js';
import { assertMerchantExists, readLiveVersions } from './standing.js';

export interface MemberListEntry {
  member: string;
  name: string | null;
  joinedAt: string;
  tier: string | null;
  tierSince: string | null;
  expiresAt: string | null;
  anchorAt: string | null;
}

export interface MemberList {
  members: MemberListEntry[];
  /** Members matching the filter, of which `members` is the first page. */
  total: number;
}

/**
 * `tier`: a tier id, `basic` for members without a tier, or undefined for everyone. A tier id
 * that neither the active nor the pending version defines is refused (a typo would otherwise
 * list nobody, which reads as an answer).
 */
export async function listMembers(q: Queryable, merchant: string, tier: string | undefined, limit: number): Promise<MemberList> {
  await assertMerchantExists(q, merchant);
  if (tier !== undefined && tier !== 'basic') {
    const { active, pending } = await readLiveVersions(q, merchant);
    const known = new Set([active, pending].flatMap((v) => v?.document.spec.levels?.tiers.map((t) => t.id) ?? []));
    if (!known.has(tier)) {
      const list = [...known, 'basic'].join(', ');
      throw new TierformError('state.unknown-tier', `${merchant} has no tier ${tier}; its tiers: ${list}`);
    }
  }
  const rows = (await run<MemberRow & { total: number }>(q, selectMembersPage(merchant, tier === 'basic' ? null : tier, limit))).rows;
  return {
    total: rows[0] ? Number(rows[0].total) : 0,
    members: rows.map((r) => ({
      member: r.member_id,
      name: r.name,
      joinedAt: toIso(r.joined_at),
      tier: r.tier_id,
      tierSince: toIsoOrNull(r.tier_since),
      expiresAt: toIsoOrNull(r.expires_at),
      anchorAt: toIsoOrNull(r.anchor_at),
    })),
  };
}
