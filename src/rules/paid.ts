/**
 * The reference model of paid membership (SPEC §1.1 paid plans, §3.6 grants, §3.8 periods):
 * pure, per member, time as a parameter. The SQL in src/engine/paid must agree with it
 * (test/paid). See docs/paid.md for the decisions taken where the SPEC is silent.
 */
import { parseDuration, type Duration } from '../model/duration.js';
import { localDateOf, localMidnight } from '../model/localDate.js';
import { addMonthsToInstant, addToInstant } from './paidTime.js';
import { birthMonth } from './memberState.js';
import { RulesError } from './program.js';

export const CHANNELS = ['online_store', 'app', 'pos', 'kiosk'] as const;
export type Channel = (typeof CHANNELS)[number];

export type PaidGrantMode = { kind: 'continuous' } | { kind: 'on_start' } | { kind: 'every'; months: number };

export interface PaidBenefitRule {
  type: string;
  /** The benefit's name in grant keys: its type, `<type>.<n>` for the n-th benefit of one type. */
  tag: string;
  grant: PaidGrantMode;
  channels: Channel[];
  /** The benefit's own fields as written (percentOff, amountOff, minSpend, collections, …). */
  fields: Record<string, unknown>;
}

export interface PaidPlanRule {
  id: string;
  name: string;
  validity: Duration;
  /** join_points, or null. */
  joinPoints: number | null;
  birthdayDiscount: boolean;
  /** Every benefit except join_points and birthday_discount, in document order. */
  benefits: PaidBenefitRule[];
  /** The plan as written (names and descriptions for messages). */
  definition: PaidPlanSection;
}

export interface PaidRules {
  timezone: string;
  type: 'levels' | 'paid';
  plans: ReadonlyMap<string, PaidPlanRule>;
}

/** The parts of a MembershipProgram the paid rules read (the generated type is assignable). */
export interface PaidProgramDocument {
  metadata: { timezone: string };
  spec: { type?: string; paid?: { plans: PaidPlanSection[] } };
}

export interface PaidPlanSection {
  id: string;
  name: string;
  validity: unknown;
  benefits?: ({ type: string; grant?: unknown; channels?: string[]; points?: unknown } & Record<string, unknown>)[];
}

export function compilePaidRules(doc: PaidProgramDocument): PaidRules {
  const plans = new Map<string, PaidPlanRule>();
  for (const plan of doc.spec.paid?.plans ?? []) plans.set(plan.id, compilePlan(plan));
  return { timezone: doc.metadata.timezone, type: doc.spec.type === 'paid' ? 'paid' : 'levels', plans };
}

export function compilePlan(plan: PaidPlanSection): PaidPlanRule {
  const validity = parseDuration(plan.validity);
  if (!validity) throw new RulesError(`plan ${plan.id}: validity is not a duration`);
  const seen = new Map<string, number>();
  let joinPoints: number | null = null;
  let birthdayDiscount = false;
  const benefits: PaidBenefitRule[] = [];
  for (const b of plan.benefits ?? []) {
    if (b.type === 'join_points') {
      if (typeof b.points === 'number' && joinPoints === null) joinPoints = b.points;
      continue;
    }
    if (b.type === 'birthday_discount') {
      birthdayDiscount = true;
      continue;
    }
    const n = (seen.get(b.type) ?? 0) + 1;
    seen.set(b.type, n);
    const { type, grant, channels, ...fields } = b;
    benefits.push({
      type,
      tag: n === 1 ? type : `${type}.${n}`,
      grant: grantMode(grant, plan.id),
      channels: CHANNELS.filter((c) => channels === undefined || channels.includes(c)),
      fields,
    });
  }
  return { id: plan.id, name: plan.name, validity, joinPoints, birthdayDiscount, benefits, definition: plan };
}

function grantMode(grant: unknown, planId: string): PaidGrantMode {
  if (grant === undefined || grant === 'continuous') return { kind: 'continuous' };
  if (grant === 'on_start') return { kind: 'on_start' };
  const months = (grant as { every?: { months?: unknown } } | null)?.every?.months;
  if (typeof months === 'number' && Number.isSafeInteger(months) && months > 0) return { kind: 'every', months };
  throw new RulesError(`plan ${planId}: grant ${JSON.stringify(grant)} is not continuous, on_start or {every: {months: N}}`);
}

/**
 * The plan definitions that judge paid members under `version`: the version's own plans, and for
 * a plan it no longer defines (a paid section dropped or a plan removed while memberships of it
 * still run) the newest earlier live version's definition, so running memberships keep their
 * benefits until they expire (SPEC §3.4).
 */
export function resolvePlans(
  versions: readonly { version: number; live: boolean; document: PaidProgramDocument }[],
  version: number,
): Map<string, PaidPlanRule> {
  const plans = new Map<string, PaidPlanRule>();
  const ordered = [...versions].filter((v) => v.version <= version).sort((a, b) => b.version - a.version);
  for (const v of ordered) {
    if (v.version !== version && !v.live) continue;
    for (const plan of compilePaidRules(v.document).plans.values()) if (!plans.has(plan.id)) plans.set(plan.id, plan);
  }
  return plans;
}

// ---------------------------------------------------------------------------------------------
// Periods (§3.8)

export type PurchaseStatus = 'paid' | 'refunded';

export interface Purchase {
  id: string;
  memberId: string;
  planId: string;
  paidAt: Date;
  status: PurchaseStatus;
  /** The plan's validity when the purchase was first imported: later edits never move a paid period. */
  validity: Duration;
  /** The merchant's zone when the purchase was first imported: its months are counted there. */
  timezone: string;
}

export interface PaidPeriod {
  purchaseId: string;
  memberId: string;
  planId: string;
  /** start: the purchase began a membership; renewal: it extended a running one. */
  kind: 'start' | 'renewal';
  /** The purchase that started the membership this period belongs to. */
  membershipId: string;
  /** [startsAt, endsAt), after a replacement cut it short; empty (startsAt = endsAt) when cut before it began. */
  startsAt: Date;
  endsAt: Date;
  timezone: string;
}

export interface Membership {
  id: string;
  memberId: string;
  planId: string;
  since: Date;
  expiresAt: Date;
  /** Another membership starts at its very end (a replacement, or a purchase at that instant): no lapse. */
  continued: boolean;
}

/** Purchases in processing order: by paidAt, then by id. */
export function comparePurchases(a: Purchase, b: Purchase): number {
  const d = a.paidAt.getTime() - b.paidAt.getTime();
  return d !== 0 ? d : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * The periods of one member's purchases. Only paid purchases count: a refunded purchase is
 * revoked by recomputing the member's history without it (a refunded renewal shortens the
 * membership by its period; a refunded first purchase lets a later renewal start on its own
 * paidAt; a refunded replacement gives the replaced membership back its end).
 */
export function paidPeriods(purchases: readonly Purchase[]): { periods: PaidPeriod[]; memberships: Membership[] } {
  const periods: PaidPeriod[] = [];
  const memberships: Membership[] = [];
  let current: Membership | null = null;
  for (const p of purchases.filter((x) => x.status === 'paid').sort(comparePurchases)) {
    const active = current !== null && p.paidAt < current.expiresAt;
    if (current !== null && active && current.planId === p.planId) {
      const startsAt = current.expiresAt;
      const endsAt = addToInstant(startsAt, p.validity, p.timezone);
      periods.push({ purchaseId: p.id, memberId: p.memberId, planId: p.planId, kind: 'renewal', membershipId: current.id, startsAt, endsAt, timezone: p.timezone });
      current.expiresAt = endsAt;
      continue;
    }
    if (current !== null && active) {
      const cut = p.paidAt;
      current.expiresAt = cut;
      for (const period of periods) {
        if (period.membershipId !== current.id) continue;
        if (period.endsAt > cut) period.endsAt = cut;
        if (period.startsAt > cut) period.startsAt = cut;
      }
    }
    const endsAt = addToInstant(p.paidAt, p.validity, p.timezone);
    current = { id: p.id, memberId: p.memberId, planId: p.planId, since: p.paidAt, expiresAt: endsAt, continued: false };
    memberships.push(current);
    periods.push({ purchaseId: p.id, memberId: p.memberId, planId: p.planId, kind: 'start', membershipId: p.id, startsAt: p.paidAt, endsAt, timezone: p.timezone });
  }
  const continued = (m: Membership): boolean => memberships.some((o) => o.id !== m.id && o.since.getTime() === m.expiresAt.getTime());
  return { periods, memberships: memberships.map((m) => ({ ...m, continued: continued(m) })) };
}

/** The membership running at `t` (since ≤ t < expiresAt), or null. */
export function activeMembership(memberships: readonly Membership[], t: Date): Membership | null {
  return memberships.find((m) => m.since <= t && t < m.expiresAt) ?? null;
}

// ---------------------------------------------------------------------------------------------
// Grants (§3.6) and entitlements

export interface PaidGrant {
  /** join_points, birthday_discount, or the type of an on_start / every benefit. */
  type: string;
  /** join_points:<purchase>, <tag>:<purchase> (on_start), <tag>@m<k>:<purchase> (every), birthday_discount:<year>. */
  key: string;
  plan: string;
  dueAt: Date;
  at: Date;
  points?: number;
}

export interface PaidMember {
  memberId: string;
  /** 'MM-DD' or 'YYYY-MM-DD', or null. */
  birthday: string | null;
}

/**
 * The grants one evaluation at `t` performs for a member: every grant that has fallen due
 * (dueAt ≤ t) and whose key the ledger does not hold yet. `ledgerKeys` are the member's keys
 * already granted (level grants included: the birthday key is shared). `timezone` is the
 * merchant's zone now (for the birth month).
 */
export function paidGrantsDue(
  member: PaidMember,
  purchases: readonly Purchase[],
  plans: ReadonlyMap<string, PaidPlanRule>,
  t: Date,
  timezone: string,
  ledgerKeys: ReadonlySet<string>,
): PaidGrant[] {
  const mine = purchases.filter((p) => p.memberId === member.memberId);
  const { periods, memberships } = paidPeriods(mine);
  const out: PaidGrant[] = [];
  const add = (g: PaidGrant): void => {
    if (!ledgerKeys.has(g.key) && !out.some((x) => x.key === g.key)) out.push(g);
  };
  for (const p of mine) {
    const points = plans.get(p.planId)?.joinPoints ?? null;
    if (p.status === 'paid' && points !== null && p.paidAt <= t) {
      add({ type: 'join_points', key: `join_points:${p.id}`, plan: p.planId, dueAt: p.paidAt, at: t, points });
    }
  }
  for (const period of periods) {
    const plan = plans.get(period.planId);
    if (plan === undefined || period.startsAt >= period.endsAt) continue;
    for (const b of plan.benefits) {
      if (b.grant.kind === 'on_start' && period.startsAt <= t) {
        add({ type: b.type, key: `${b.tag}:${period.purchaseId}`, plan: plan.id, dueAt: period.startsAt, at: t });
      }
      if (b.grant.kind === 'every') {
        for (let m = 0; ; m += b.grant.months) {
          const due = addMonthsToInstant(period.startsAt, m, period.timezone);
          if (due >= period.endsAt || due > t) break;
          add({ type: b.type, key: `${b.tag}@m${m}:${period.purchaseId}`, plan: plan.id, dueAt: due, at: t });
        }
      }
    }
  }
  const running = activeMembership(memberships, t);
  if (member.birthday !== null && running !== null && plans.get(running.planId)?.birthdayDiscount) {
    const today = localDateOf(t, timezone);
    const month = birthMonth(member.birthday);
    if (Number(today.slice(5, 7)) === month) {
      const year = today.slice(0, 4);
      const dueAt = localMidnight(`${year}-${String(month).padStart(2, '0')}-01`, timezone);
      add({ type: 'birthday_discount', key: `birthday_discount:${year}`, plan: running.planId, dueAt, at: t });
    }
  }
  return out;
}

export interface PaidEntitlement {
  type: string;
  plan: string;
  channels: Channel[];
  [field: string]: unknown;
}

/**
 * The continuous benefits of the membership running at `t`, under the resolved plans. Judged by
 * the membership's period only, not by the program type: a membership running when the type
 * became levels keeps its benefits until it expires.
 */
export function paidEntitlements(memberships: readonly Membership[], plans: ReadonlyMap<string, PaidPlanRule>, t: Date): PaidEntitlement[] {
  const running = activeMembership(memberships, t);
  const plan = running === null ? undefined : plans.get(running.planId);
  if (plan === undefined) return [];
  return plan.benefits
    .filter((b) => b.grant.kind === 'continuous')
    .map((b) => ({ ...b.fields, type: b.type, plan: plan.id, channels: [...b.channels] }));
}

/** The entitlements that apply on one sales channel. */
export function entitlementsOn(entitlements: readonly PaidEntitlement[], channel: Channel): PaidEntitlement[] {
  return entitlements.filter((e) => e.channels.includes(channel));
}
