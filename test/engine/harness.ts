/**
 * Puts a reference-model scenario into the database (merchant, versions, members, orders) and
 * reads the engine's result back in the reference model's terms, so the two can be compared.
 */
import type { Queryable } from '../../src/store/db.js';
import { setTierManually, tierById, type Grant, type LevelRules, type MemberState, type Order, type ProgramDocument, type Transition } from '../../src/rules/index.js';
import { setMemberTiers } from '../../src/members/setTier.js';
import { localMidnight } from '../../src/model/localDate.js';

export interface Standing {
  tier: string | null;
  tierSince: string | null;
  anchorAt: string | null;
  expiresAt: string | null;
  evidenceAt: string | null;
  fellAt: string | null;
  pinnedUntil: string | null;
  grants: { type: string; key: string; tier: string; dueAt: string; at: string; points: number | null }[];
  history: { from: string | null; to: string | null; at: string; reason: string }[];
}

const iso = (d: Date | null | undefined): string | null => (d ? new Date(d).toISOString() : null);

export function standingOf(s: MemberState): Standing {
  return {
    tier: s.tier,
    tierSince: iso(s.tierSince),
    anchorAt: iso(s.anchorAt),
    expiresAt: iso(s.expiresAt),
    evidenceAt: iso(s.evidenceAt),
    fellAt: iso(s.fellAt),
    pinnedUntil: iso(s.pinnedUntil),
    grants: sortGrants(s.grants.map(grantOf)),
    history: s.history.map(historyOf),
  };
}

function grantOf(g: Grant): Standing['grants'][number] {
  return { type: g.type, key: g.key, tier: g.tier, dueAt: iso(g.dueAt)!, at: iso(g.at)!, points: g.points ?? null };
}

function historyOf(h: Transition): Standing['history'][number] {
  return { from: h.from, to: h.to, at: iso(h.at)!, reason: h.reason };
}

function sortGrants(grants: Standing['grants']): Standing['grants'] {
  return [...grants].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

export async function addMerchant(q: Queryable, merchant: string, at: Date): Promise<void> {
  await q.query(`INSERT INTO merchants (merchant_id, subscription, created_at, updated_at) VALUES ($1, 'pro', $2, $2)`, [merchant, at]);
}

export async function addVersion(
  q: Queryable,
  merchant: string,
  version: number,
  document: ProgramDocument,
  status: 'active' | 'pending' | 'retired',
  appliedAt: Date,
): Promise<void> {
  if (status === 'active') await q.query(`UPDATE program_versions SET status = 'retired' WHERE merchant_id = $1 AND status = 'active'`, [merchant]);
  const full = { apiVersion: 'tierform.dev/v1', kind: 'MembershipProgram', metadata: { merchant, subscription: 'pro', ...document.metadata }, spec: document.spec };
  await q.query(
    `INSERT INTO program_versions (merchant_id, version, status, document, hash, program_type, actor, applied_at, effective_at)
     VALUES ($1, $2, $3, $4, 'h', $5, 'test', $6, $6)`,
    [merchant, version, status, JSON.stringify(full), document.spec.type ?? 'levels', appliedAt],
  );
}

export async function addMembers(q: Queryable, merchant: string, members: MemberState[]): Promise<void> {
  for (const m of members) {
    await q.query('INSERT INTO members (merchant_id, member_id, joined_at, birthday) VALUES ($1, $2, $3, $4)', [
      merchant,
      m.memberId,
      m.joinedAt,
      m.birthday,
    ]);
  }
}

/** Inserts or re-imports orders (a re-import keeps `consumed`, as import does). */
export async function upsertOrders(q: Queryable, merchant: string, orders: Order[]): Promise<void> {
  for (const o of orders) {
    await q.query(
      `INSERT INTO orders (merchant_id, order_id, member_id, amount_minor, refunded_minor, paid_at, status, tags, import_seq)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (merchant_id, order_id) DO UPDATE SET amount_minor = EXCLUDED.amount_minor,
         refunded_minor = EXCLUDED.refunded_minor, status = EXCLUDED.status, tags = EXCLUDED.tags, import_seq = EXCLUDED.import_seq
       WHERE orders.import_seq <> EXCLUDED.import_seq`,
      [merchant, o.id, o.memberId, o.amountMinor.toString(), o.refundedMinor.toString(), o.paidAt, o.status, o.tags, o.importSeq],
    );
  }
}

export async function readStanding(q: Queryable, merchant: string, memberId: string): Promise<Standing> {
  return (await readStandings(q, merchant, [memberId]))[0]!;
}

/** Ids of the member's orders marked consumed (they triggered an upgrade, single_order), sorted. */
export async function readConsumed(q: Queryable, merchant: string, memberId: string): Promise<string[]> {
  const { rows } = await q.query<{ order_id: string }>(
    'SELECT order_id FROM orders WHERE merchant_id = $1 AND member_id = $2 AND consumed ORDER BY order_id',
    [merchant, memberId],
  );
  return rows.map((r) => r.order_id);
}

/** Every listed member's standing, in three queries (the property comparisons read many). */
export async function readStandings(q: Queryable, merchant: string, memberIds: string[]): Promise<Standing[]> {
  const m = await q.query<{ member_id: string; tier_id: string | null; tier_since: Date | null; anchor_at: Date | null; expires_at: Date | null; evidence_at: Date | null; fell_at: Date | null; pinned_until: Date | null }>(
    'SELECT member_id, tier_id, tier_since, anchor_at, expires_at, evidence_at, fell_at, pinned_until FROM members WHERE merchant_id = $1',
    [merchant],
  );
  const g = await q.query<{ member_id: string; type: string; grant_key: string; tier_id: string; due_at: Date; at: Date; points: number | null }>(
    'SELECT member_id, type, grant_key, tier_id, due_at, at, points FROM grants WHERE merchant_id = $1',
    [merchant],
  );
  const h = await q.query<{ member_id: string; from_tier: string | null; to_tier: string | null; at: Date; reason: string }>(
    'SELECT member_id, from_tier, to_tier, at, reason FROM member_history WHERE merchant_id = $1 ORDER BY history_id',
    [merchant],
  );
  return memberIds.map((id) => {
    const row = m.rows.find((r) => r.member_id === id)!;
    return {
      tier: row.tier_id,
      tierSince: iso(row.tier_since),
      anchorAt: iso(row.anchor_at),
      expiresAt: iso(row.expires_at),
      evidenceAt: iso(row.evidence_at),
      fellAt: iso(row.fell_at),
      pinnedUntil: iso(row.pinned_until),
      grants: sortGrants(
        g.rows.filter((r) => r.member_id === id).map((r) => ({ type: r.type, key: r.grant_key, tier: r.tier_id, dueAt: iso(r.due_at)!, at: iso(r.at)!, points: r.points })),
      ),
      history: h.rows.filter((r) => r.member_id === id).map((r) => ({ from: r.from_tier, to: r.to_tier, at: iso(r.at)!, reason: r.reason })),
    };
  });
}

/** A manual adjustment (§3.10) through the command's write path, and the model's state after it. */
export async function setTierBoth(
  q: Queryable,
  merchant: string,
  state: MemberState,
  tier: string | null,
  t: Date,
  rules: LevelRules,
  version: number,
  options: { until?: string; grants?: boolean } = {},
): Promise<MemberState> {
  const grants = options.grants ?? true;
  await setMemberTiers(q, merchant, [{ member: state.memberId, tier: tier ?? 'basic', reason: 'by hand', until: options.until ?? null }], t, 'tester', grants);
  const pinnedUntil = options.until === undefined ? null : localMidnight(options.until, rules.timezone);
  return setTierManually(state, { tier: tier === null ? null : tierById(rules, tier)!, pinnedUntil, grants }, t, rules, version);
}
