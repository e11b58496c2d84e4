/**
 * A member's standing for `members show` (SPEC §5.1): the stored state left by the last
 * evaluation, the entitlements of the active version, the grants ledger and the tier history.
 */
import type { Queryable } from '../store/db.js';
import { run, toIso, toIsoOrNull } from '../store/statement.js';
import { selectLiveVersions, toLiveVersion, type VersionRow } from '../store/versionStore.js';
import type { LiveVersion } from '../plan/types.js';
import { TierformError } from '../cli/errors.js';
import { tierEntitlements, type Entitlement } from './entitlements.js';
import { paidEntitlements, readPaidPeriod, type PaidPeriod } from './paid.js';
import {
  selectMember,
  selectMemberGrants,
  selectMemberHistory,
  selectMerchantExists,
  type GrantRow,
  type HistoryRow,
  type MemberRow,
} from './memberStore.js';

export interface GrantEntry {
  type: string;
  key: string;
  tier?: string;
  plan?: string;
  dueAt: string;
  at: string;
  points?: number;
}

export interface HistoryEntry {
  from: string | null;
  to: string | null;
  at: string;
  reason: string;
  version: number;
  /** Manual moves (§3.10): who and why. */
  actor?: string;
  note?: string;
}

export interface MemberStanding {
  merchant: string;
  member: string;
  tier: string | null;
  tierSince: string | null;
  expiresAt: string | null;
  anchorAt: string | null;
  /** §3.10: the instant a manual pin ends, while it holds at --now; else null. */
  pinnedUntil: string | null;
  paid: PaidPeriod | null;
  entitlements: Entitlement[];
  grants: GrantEntry[];
  history: HistoryEntry[];
  /** v1.1 (§3.9), after the keys §5.1 lists: when the member was welcomed (welcome grants, join message); null: not welcomed. */
  welcomedAt: string | null;
}

/** Context for people (the text card); not part of the JSON. */
export interface StandingContext {
  name: string | null;
  joinedAt: string;
  activeVersion: LiveVersion | null;
}

export async function readMemberStanding(
  q: Queryable,
  merchant: string,
  member: string,
  now: Date,
): Promise<{ standing: MemberStanding; context: StandingContext }> {
  await assertMerchantExists(q, merchant);
  const row = (await run<MemberRow>(q, selectMember(merchant, member))).rows[0];
  if (!row) throw new TierformError('state.unknown-member', `member ${member} of ${merchant} is not in the live state`);
  const active = await readActiveVersion(q, merchant);
  const history = (await run<HistoryRow>(q, selectMemberHistory(merchant, member))).rows;
  const grants = (await run<GrantRow>(q, selectMemberGrants(merchant, member))).rows;
  const paid = await readPaidPeriod(q, merchant, member, now);
  const document = active?.document ?? null;
  return {
    standing: {
      merchant,
      member,
      tier: row.tier_id,
      tierSince: toIsoOrNull(row.tier_since),
      expiresAt: toIsoOrNull(row.expires_at),
      anchorAt: toIsoOrNull(row.anchor_at),
      pinnedUntil: row.pinned_until !== null && new Date(row.pinned_until) > now ? toIso(row.pinned_until) : null,
      paid,
      entitlements: [...tierEntitlements(document, row.tier_id), ...paidEntitlements(document, paid)],
      grants: grants.map(grantEntry),
      history: history.map((h) => ({
        from: h.from_tier,
        to: h.to_tier,
        at: toIso(h.at),
        reason: h.reason,
        version: Number(h.version),
        ...(h.actor !== null ? { actor: h.actor } : {}),
        ...(h.note !== null ? { note: h.note } : {}),
      })),
      welcomedAt: toIsoOrNull(row.welcomed_at),
    },
    context: { name: row.name, joinedAt: toIso(row.joined_at), activeVersion: active },
  };
}

export async function assertMerchantExists(q: Queryable, merchant: string): Promise<void> {
  if ((await run(q, selectMerchantExists(merchant))).rows.length === 0) {
    throw new TierformError('state.unknown-merchant', `merchant ${merchant} is not in the live state`);
  }
}

export async function readLiveVersions(q: Queryable, merchant: string): Promise<{ active: LiveVersion | null; pending: LiveVersion | null }> {
  const rows = (await run<VersionRow>(q, selectLiveVersions([merchant]))).rows;
  const find = (status: string): LiveVersion | null => {
    const r = rows.find((v) => v.status === status);
    return r ? toLiveVersion(r) : null;
  };
  return { active: find('active'), pending: find('pending') };
}

async function readActiveVersion(q: Queryable, merchant: string): Promise<LiveVersion | null> {
  return (await readLiveVersions(q, merchant)).active;
}

function grantEntry(g: GrantRow): GrantEntry {
  // Key order as SPEC §5.1 writes it: type, key, tier | plan, dueAt, at, points.
  return {
    type: g.type,
    key: g.grant_key,
    ...(g.tier_id !== null ? { tier: g.tier_id } : {}),
    ...(g.plan_id !== null ? { plan: g.plan_id } : {}),
    dueAt: toIso(g.due_at),
    at: toIso(g.at),
    ...(g.points !== null ? { points: Number(g.points) } : {}),
  };
}
