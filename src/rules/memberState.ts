/**
 * A member's level standing and the moves every step of §3.3/§3.5 makes to it. States are
 * values: every function returns a new state and leaves its argument alone.
 */
import { addDuration } from '../model/duration.js';
import { localDateOf, localMidnight } from '../model/localDate.js';
import type { LevelRules, TierRule } from './program.js';
import type { Order } from './orders.js';

export type TransitionReason = 'upgrade' | 'requalify' | 'extend' | 'expire' | 'refund' | 'rule_change' | 'manual';

export interface Transition {
  /** null is basic. An extension has from === to. */
  from: string | null;
  to: string | null;
  at: Date;
  reason: TransitionReason;
  version: number;
}

export interface Grant {
  type: 'upgrade_points' | 'birthday_discount';
  /** Idempotency key: `upgrade_points:<tier>` or `birthday_discount:<year>`. */
  key: string;
  tier: string;
  /** When the grant fell due. */
  dueAt: Date;
  /** The evaluation that performed it. */
  at: Date;
  points?: number;
}

export interface MemberState {
  memberId: string;
  joinedAt: Date;
  /** 'MM-DD' or 'YYYY-MM-DD', or null. */
  birthday: string | null;
  tier: string | null;
  tierSince: Date | null;
  anchorAt: Date | null;
  expiresAt: Date | null;
  /**
   * v1.1 §3.3: the instant of the evaluation whose evidence earned the current level. Set by an
   * upgrade, a requalification, an extension and a fall; kept by relegations, rule-change moves
   * down and refund demotions. Refunds and recalculations re-derive the member as of it.
   */
  evidenceAt: Date | null;
  /** anchorAt as it was when evidenceAt was set: the anchor of the windows as of evidenceAt. */
  previousAnchorAt: Date | null;
  /** The tier whose extension set evidenceAt (its evidence is the validity period), else null. */
  extendedTier: string | null;
  /**
   * The instant of the member's last fall at expiry (§3.3 step 3), else null. Orders paid before
   * it never count for moving up again (docs/semantics.md, decision 3); they still count for
   * holding a tier and for the extension standard.
   */
  fellAt: Date | null;
  /** The tier whose expiry without extension set evidenceAt (the fall from it), else null. */
  fellFrom: string | null;
  /** The end of the validity period that fall judged (the expiresAt it passed), else null. */
  fellPeriodEnd: Date | null;
  /** The tier a manual adjustment (§3.10) set evidenceAt with: the merchant's decision is the evidence. */
  manualTier: string | null;
  /** §3.10 --until: no evaluation or recalculation moves the member before this instant. */
  pinnedUntil: Date | null;
  /** Orders that triggered an upgrade (single_order), in the order they did. */
  consumedOrders: string[];
  /** The consumed order that triggered the move that set evidenceAt, if one did. */
  triggerOrderId: string | null;
  /** The largest importSeq among the member's orders at the last evaluation. */
  lastEvaluatedImportSeq: number;
  grants: Grant[];
  history: Transition[];
}

/** A member who has never been evaluated: basic, no bounds. */
export function newMember(memberId: string, joinedAt: Date, birthday: string | null = null): MemberState {
  return {
    memberId,
    joinedAt,
    birthday,
    tier: null,
    tierSince: null,
    anchorAt: null,
    expiresAt: null,
    evidenceAt: null,
    previousAnchorAt: null,
    extendedTier: null,
    fellAt: null,
    fellFrom: null,
    fellPeriodEnd: null,
    manualTier: null,
    pinnedUntil: null,
    consumedOrders: [],
    triggerOrderId: null,
    lastEvaluatedImportSeq: 0,
    grants: [],
    history: [],
  };
}

/** The end of a validity period started at `t`: localMidnight(localDate(t) + validity), or null. */
export function freshExpiry(t: Date, rules: LevelRules): Date | null {
  const validity = rules.downgrade.validity;
  if (validity === null) return null;
  return localMidnight(addDuration(localDateOf(t, rules.timezone), validity), rules.timezone);
}

/**
 * The member changes tier at `t` on the evidence at `t`: tierSince = anchorAt = evidenceAt = t,
 * a fresh expiresAt (none for basic), a history entry. `trigger`, when given, is marked consumed.
 * A fall at expiry (reason expire) also records the fall: fellAt = t, fellFrom = the old tier.
 */
export function moveTo(
  s: MemberState,
  tier: TierRule | null,
  t: Date,
  rules: LevelRules,
  reason: TransitionReason,
  version: number,
  trigger: Order | null,
): MemberState {
  const consumed = trigger === null || s.consumedOrders.includes(trigger.id) ? s.consumedOrders : [...s.consumedOrders, trigger.id];
  return {
    ...s,
    tier: tier?.id ?? null,
    tierSince: t,
    anchorAt: t,
    evidenceAt: t,
    previousAnchorAt: s.anchorAt,
    extendedTier: null,
    ...(reason === 'expire' ? { fellAt: t, fellFrom: s.tier, fellPeriodEnd: s.expiresAt } : { fellFrom: null, fellPeriodEnd: null }),
    manualTier: null,
    expiresAt: tier === null ? null : freshExpiry(t, rules),
    consumedOrders: consumed,
    triggerOrderId: trigger?.id ?? null,
    history: [...s.history, { from: s.tier, to: tier?.id ?? null, at: t, reason, version }],
  };
}

/**
 * §3.6 upgrade_points: once per member per tier, ever. A member who has held the tier before
 * (any earlier history entry into it) or was already granted for it gets nothing, so points
 * added to a tier later are never granted retroactively to members who re-reach it.
 * Called right after moveTo, whose history entry (the last one) is the move being rewarded.
 */
export function grantUpgradePoints(s: MemberState, tier: TierRule, t: Date): MemberState {
  if (tier.upgradePoints === null) return s;
  const key = `upgrade_points:${tier.id}`;
  if (s.grants.some((g) => g.key === key)) return s;
  const heldBefore = s.history.some((h, i) => h.to === tier.id && i < s.history.length - 1);
  if (heldBefore) return s;
  return { ...s, grants: [...s.grants, { type: 'upgrade_points', key, tier: tier.id, dueAt: t, at: t, points: tier.upgradePoints }] };
}

/** The month (1–12) of a birthday written 'MM-DD' or 'YYYY-MM-DD'. */
export function birthMonth(birthday: string): number {
  return Number(birthday.length === 5 ? birthday.slice(0, 2) : birthday.slice(5, 7));
}

/**
 * §3.6 birthday_discount: once per member per year, performed by the first evaluation whose
 * local date is in the birth month while the member's tier carries the benefit. It falls due at
 * the start of the birth month (local midnight of its 1st), which is recorded as dueAt.
 */
export function grantBirthday(s: MemberState, t: Date, rules: LevelRules): MemberState {
  if (s.birthday === null) return s;
  const tier = rules.tiers.find((x) => x.id === s.tier);
  if (tier === undefined || !tier.enabled || !tier.birthdayDiscount) return s;
  const today = localDateOf(t, rules.timezone);
  const month = birthMonth(s.birthday);
  if (Number(today.slice(5, 7)) !== month) return s;
  const year = today.slice(0, 4);
  const key = `birthday_discount:${year}`;
  if (s.grants.some((g) => g.key === key)) return s;
  const dueAt = localMidnight(`${year}-${String(month).padStart(2, '0')}-01`, rules.timezone);
  return { ...s, grants: [...s.grants, { type: 'birthday_discount', key, tier: tier.id, dueAt, at: t }] };
}

/** Whether a pin (§3.10) keeps the member where they are at `t`. */
export function pinnedAt(s: MemberState, t: Date): boolean {
  return s.pinnedUntil !== null && t < s.pinnedUntil;
}
