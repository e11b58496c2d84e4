/** Programs, purchases and database seeding for the paid-membership tests. */
import type { Queryable } from '../../src/store/db.js';
import type { Purchase } from '../../src/rules/index.js';
import { recomputePaidPeriods } from '../../src/engine/paid/index.js';
import { enqueuePurchaseNotifications } from '../../src/outbox/index.js';

export interface PlanSpec {
  id: string;
  name?: string;
  validity?: { months: number } | { days: number };
  benefits?: Record<string, unknown>[];
}

export interface ProgramSpec {
  merchant?: string;
  timezone?: string;
  type?: 'levels' | 'paid';
  plans?: PlanSpec[];
  notifications?: Record<string, string>;
}

export const PLUS: PlanSpec = {
  id: 'plus',
  name: 'Plus',
  validity: { months: 12 },
  benefits: [
    { type: 'join_points', points: 500 },
    { type: 'free_shipping', grant: { every: { months: 1 } } },
    { type: 'discount', percentOff: 10 },
  ],
};

/** A program document with both sections, so the type can switch without other edits. */
export function paidProgram(o: ProgramSpec = {}): Record<string, unknown> {
  return {
    apiVersion: 'tierform.dev/v1',
    kind: 'MembershipProgram',
    metadata: { merchant: o.merchant ?? 'acme', subscription: 'growth', timezone: o.timezone ?? 'UTC', currency: 'USD' },
    spec: {
      type: o.type ?? 'paid',
      enabled: true,
      effective: { mode: 'immediate', existingMembers: 'recalculate' },
      levels: {
        tiers: [
          { id: 'bronze', name: 'Bronze', threshold: { amount: 100 }, benefits: [{ type: 'discount', percentOff: 5 }] },
          { id: 'silver', name: 'Silver', threshold: { amount: 500 }, benefits: [{ type: 'free_shipping' }] },
        ],
      },
      paid: {
        plans: (o.plans ?? [PLUS]).map((p) => ({ name: p.id, price: 99, validity: { months: 12 }, benefits: [], ...p })),
      },
      ...(o.notifications ? { notifications: o.notifications } : {}),
    },
  };
}

/** Stores a merchant and its program as the active version `version` (retiring the previous one). */
export async function activateVersion(q: Queryable, doc: Record<string, unknown>, version: number, at = new Date('2020-01-01T00:00:00Z')): Promise<void> {
  const merchant = (doc.metadata as { merchant: string }).merchant;
  await q.query(
    `INSERT INTO merchants (merchant_id, subscription, created_at, updated_at) VALUES ($1, 'growth', $2, $2) ON CONFLICT DO NOTHING`,
    [merchant, at],
  );
  await q.query(`UPDATE program_versions SET status = 'retired' WHERE merchant_id = $1 AND status = 'active'`, [merchant]);
  const type = (doc.spec as { type: string }).type;
  await q.query(
    `INSERT INTO program_versions (merchant_id, version, status, document, hash, program_type, actor, applied_at, effective_at)
     VALUES ($1, $2, 'active', $3::jsonb, $6, $4, 'test', $5, $5)`,
    [merchant, version, JSON.stringify(doc), type, at, `hash${version}`],
  );
}

export async function addMember(q: Queryable, merchant: string, member: string, extra: { name?: string; birthday?: string } = {}): Promise<void> {
  await q.query(
    `INSERT INTO members (merchant_id, member_id, joined_at, name, birthday) VALUES ($1, $2, '2000-01-01T00:00:00Z', $3, $4)
     ON CONFLICT (merchant_id, member_id) DO UPDATE SET name = EXCLUDED.name, birthday = EXCLUDED.birthday`,
    [merchant, member, extra.name ?? null, extra.birthday ?? null],
  );
}

/**
 * Writes purchases as one import would (insert or update, one import_seq), recomputes the
 * periods of their members and writes their notifications under `version`.
 */
export async function storePurchases(q: Queryable, merchant: string, purchases: readonly Purchase[], now: Date, version = 1): Promise<void> {
  if (purchases.length === 0) return;
  const seq = (await q.query<{ seq: string }>(`SELECT nextval('import_seq')::text AS seq`)).rows[0]!.seq;
  for (const p of purchases) {
    await q.query(
      `INSERT INTO members (merchant_id, member_id, joined_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
      [merchant, p.memberId, p.paidAt],
    );
    await q.query(
      `INSERT INTO purchases (merchant_id, purchase_id, member_id, plan_id, paid_at, status, validity_months, validity_days, timezone, import_seq, imported_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::bigint, $11)
       ON CONFLICT (merchant_id, purchase_id) DO UPDATE SET status = EXCLUDED.status, paid_at = EXCLUDED.paid_at,
         import_seq = EXCLUDED.import_seq, imported_at = EXCLUDED.imported_at`,
      [
        merchant,
        p.id,
        p.memberId,
        p.planId,
        p.paidAt,
        p.status,
        'months' in p.validity ? p.validity.months : 0,
        'days' in p.validity ? p.validity.days : 0,
        p.timezone,
        seq,
        now,
      ],
    );
  }
  await recomputePaidPeriods(q, merchant, { importSeq: seq });
  await enqueuePurchaseNotifications(q, merchant, seq, now, version);
}

export function purchase(
  id: string,
  memberId: string,
  planId: string,
  paidAt: string,
  extra: Partial<Pick<Purchase, 'status' | 'validity' | 'timezone'>> = {},
): Purchase {
  return {
    id,
    memberId,
    planId,
    paidAt: new Date(paidAt),
    status: extra.status ?? 'paid',
    validity: extra.validity ?? { months: 12 },
    timezone: extra.timezone ?? 'UTC',
  };
}

export interface PeriodRow {
  purchase: string;
  plan: string;
  kind: string;
  membership: string;
  startsAt: string;
  endsAt: string;
}

export async function readPeriods(q: Queryable, merchant: string, member?: string): Promise<PeriodRow[]> {
  const res = await q.query<{ purchase_id: string; plan_id: string; kind: string; membership_id: string; starts_at: Date; ends_at: Date; member_id: string }>(
    `SELECT member_id, purchase_id, plan_id, kind, membership_id, starts_at, ends_at FROM paid_periods
      WHERE merchant_id = $1 AND ($2::text IS NULL OR member_id = $2) ORDER BY member_id, starts_at, purchase_id COLLATE "C"`,
    [merchant, member ?? null],
  );
  return res.rows.map((r) => ({
    purchase: r.purchase_id,
    plan: r.plan_id,
    kind: r.kind,
    membership: r.membership_id,
    startsAt: r.starts_at.toISOString(),
    endsAt: r.ends_at.toISOString(),
  }));
}

export interface GrantRowOut {
  member: string;
  key: string;
  type: string;
  plan: string | null;
  dueAt: string;
  at: string;
  points: number | null;
}

export async function readGrants(q: Queryable, merchant: string): Promise<GrantRowOut[]> {
  const res = await q.query<{ member_id: string; grant_key: string; type: string; plan_id: string | null; due_at: Date; at: Date; points: number | null }>(
    `SELECT member_id, grant_key, type, plan_id, due_at, at, points FROM grants WHERE merchant_id = $1 ORDER BY member_id, grant_key COLLATE "C"`,
    [merchant],
  );
  return res.rows.map((r) => ({
    member: r.member_id,
    key: r.grant_key,
    type: r.type,
    plan: r.plan_id,
    dueAt: r.due_at.toISOString(),
    at: r.at.toISOString(),
    points: r.points === null ? null : Number(r.points),
  }));
}
