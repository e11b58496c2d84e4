/**
 * The daily evaluation of one member (SPEC v1.1 §3.3), steps 1–4 in order, then the birthday
 * grant. See docs/semantics.md for the decisions taken where the SPEC is silent.
 */
import { addDuration } from '../model/duration.js';
import { localDateOf, localMidnight } from '../model/localDate.js';
import { extensionLength, extensionStandard, rankOf, tierById, type LevelRules, type TierRule } from './program.js';
import { carriesRefund, type Order } from './orders.js';
import { amountOf, countedOrders, meets, qualified, triggeringOrder, upwardRef } from './qualify.js';
import { grantBirthday, grantUpgradePoints, moveTo, pinnedAt, type MemberState } from './memberState.js';

export function evaluateMember(
  state: MemberState,
  orders: readonly Order[],
  t: Date,
  rules: LevelRules,
  version: number,
): MemberState {
  if (!rules.active) return state;
  // A pinned member (§3.10) is not moved, and their imports wait for the pin's end.
  if (pinnedAt(state, t)) return grantBirthday(state, t, rules);
  const mine = orders.filter((o) => o.memberId === state.memberId);
  let s = upgradeOrRequalify(state, mine, t, rules, version);
  if (rules.downgrade.mode === 'validity') s = expire(s, mine, t, rules, version);
  if (rules.refunds === 'recalculate' && rules.downgrade.mode !== 'recompute') {
    s = demoteOnRefund(s, mine, t, rules, version, state.lastEvaluatedImportSeq);
  }
  s = grantBirthday(s, t, rules);
  const lastSeq = mine.reduce((max, o) => Math.max(max, o.importSeq), s.lastEvaluatedImportSeq);
  return { ...s, lastEvaluatedImportSeq: lastSeq };
}

/**
 * The tier a member moves to at `t` under steps 1 and 2 (and under a recalculation in mode
 * recompute): up to qualified(m, t) counting no order that already triggered an upgrade; with
 * recompute, otherwise down to the highest tier at or below the current one that every order,
 * consumed ones included, holds (v1.1 §3.2). `currentRank` is Infinity for a tier the rules no
 * longer define.
 */
export function requalifiedTier(s: MemberState, orders: readonly Order[], t: Date, rules: LevelRules, currentRank: number): TierRule | null {
  const up = qualified(upwardRef(s, rules), orders, t, rules, new Set(s.consumedOrders));
  if ((up?.rank ?? -1) > currentRank) return up;
  return qualified(s, orders, t, rules, new Set(), currentRank + 1);
}

/** Steps 1 and 2: move up to q; with recompute, also down (reason requalify). */
function upgradeOrRequalify(s: MemberState, orders: readonly Order[], t: Date, rules: LevelRules, version: number): MemberState {
  const current = rankOf(rules, s.tier);
  const consumed = new Set(s.consumedOrders);
  const up = upwardRef(s, rules);
  const q = qualified(up, orders, t, rules, consumed);
  if (q !== null && q.rank > current) {
    const trigger = triggeringOrder(up, orders, t, rules, consumed, q);
    return grantUpgradePoints(moveTo(s, q, t, rules, 'upgrade', version, trigger), q, t);
  }
  if (rules.downgrade.mode !== 'recompute') return s;
  const held = qualified(s, orders, t, rules, new Set(), current + 1);
  return (held?.rank ?? -1) < current ? moveTo(s, held, t, rules, 'requalify', version, null) : s;
}

/**
 * Step 3, mode validity, expiresAt ≤ t. The extension standard met in the validity period →
 * extended (repeated while the extended expiry is still ≤ t). Otherwise the member falls: the
 * tiers below their own are checked with their upgrade conditions at t, the first that
 * qualifies is the new tier, none → basic (reason expire). The expired tier is not re-checked.
 */
function expire(s: MemberState, orders: readonly Order[], t: Date, rules: LevelRules, version: number): MemberState {
  while (s.tier !== null && s.expiresAt !== null && s.expiresAt <= t) {
    const tier = tierById(rules, s.tier);
    if (tier !== undefined && tier.enabled && extensionMet(s, orders, rules, tier, s.anchorAt, s.expiresAt)) {
      s = extend(s, t, rules, version);
      continue;
    }
    const next = qualified(s, orders, t, rules, new Set(s.consumedOrders), rankOf(rules, s.tier));
    return moveTo(s, next, t, rules, 'expire', version, null);
  }
  return s;
}

/**
 * Whether `tier`'s extension standard is met by the member's eligible orders paid in the
 * validity period `[from, to)`, by the retention basis, leaving out every order that triggered
 * an upgrade (those are all paid before the period starts: a move's anchor is its instant).
 */
export function extensionMet(
  s: MemberState,
  orders: readonly Order[],
  rules: LevelRules,
  tier: TierRule,
  from: Date | null,
  to: Date,
): boolean {
  const counted = countedOrders(s, orders, { from, to }, rules, new Set(s.consumedOrders));
  return meets(extensionStandard(rules, tier), amountOf(counted, rules.downgrade.retentionBasis), counted.length);
}

function extend(s: MemberState, t: Date, rules: LevelRules, version: number): MemberState {
  const old = s.expiresAt!;
  const expiresAt = localMidnight(addDuration(localDateOf(old, rules.timezone), extensionLength(rules)!), rules.timezone);
  return {
    ...s,
    anchorAt: old,
    evidenceAt: old,
    previousAnchorAt: s.anchorAt,
    extendedTier: s.tier,
    fellFrom: null,
    fellPeriodEnd: null,
    manualTier: null,
    triggerOrderId: null,
    expiresAt,
    history: [...s.history, { from: s.tier, to: s.tier, at: t, reason: 'extend', version }],
  };
}

/**
 * The tier a member would have reached as of their evidenceAt under `rules`, with today's order
 * data (refunded amounts are out of the net amounts). When evidenceAt was set by an extension of
 * tier X, that is X if X's extension standard is met in the period that earned it
 * `[previousAnchorAt, evidenceAt)`, else the fall below X at evidenceAt; otherwise it is
 * qualified(m, evidenceAt) with the windows' anchor then and the orders consumed before that
 * move left out. Null for a member without evidence (never moved).
 */
export function tierAsOfEvidence(s: MemberState, orders: readonly Order[], rules: LevelRules): TierRule | null {
  if (s.evidenceAt === null) return null;
  // Evidence set by a manual adjustment to Y: Y, or the highest enabled tier below it (§3.10).
  if (s.manualTier !== null) {
    const y = tierById(rules, s.manualTier)?.rank ?? -1;
    return [...rules.tiers].reverse().find((x) => x.enabled && x.rank <= y) ?? null;
  }
  const past = { memberId: s.memberId, anchorAt: s.previousAnchorAt };
  if (s.extendedTier !== null && rules.downgrade.mode === 'validity') {
    const x = tierById(rules, s.extendedTier);
    if (x !== undefined && x.enabled && extensionMet(s, orders, rules, x, s.previousAnchorAt, s.evidenceAt)) return x;
    return qualified(past, orders, s.evidenceAt, rules, new Set(s.consumedOrders), x?.rank ?? Infinity);
  }
  // Evidence set by a fall from X: X if its extension standard is now met in the period the fall
  // judged, else the fall below X at evidenceAt, measured as the fall measured it.
  if (s.fellFrom !== null) {
    const x = tierById(rules, s.fellFrom);
    const end = s.fellPeriodEnd;
    if (rules.downgrade.mode === 'validity' && x !== undefined && x.enabled && end !== null && extensionMet(s, orders, rules, x, s.previousAnchorAt, end)) return x;
    return qualified(past, orders, s.evidenceAt, rules, new Set(s.consumedOrders), x?.rank ?? Infinity);
  }
  const consumed = new Set(s.consumedOrders);
  if (s.triggerOrderId !== null) consumed.delete(s.triggerOrderId);
  // Any other evidence was a move up (or a refund held by qualified(m, t)), measured above the last fall.
  return qualified({ ...past, floorAt: upwardRef(s, rules).floorAt }, orders, s.evidenceAt, rules, consumed);
}

/**
 * Step 4 (refunds: recalculate; modes never and validity). A refund or cancellation imported
 * after the last evaluation re-derives the member as of evidenceAt; a lower result demotes,
 * keeping tierSince, evidenceAt and expiresAt (basic has no expiresAt); the anchor moves to t.
 * The member is never demoted below qualified(m, t): when that is what holds them, the evidence
 * is the one at t (decision: the next evaluation would otherwise move them straight back up).
 */
function demoteOnRefund(
  s: MemberState,
  orders: readonly Order[],
  t: Date,
  rules: LevelRules,
  version: number,
  lastEvaluatedImportSeq: number,
): MemberState {
  if (s.tier === null) return s;
  if (!orders.some((o) => o.importSeq > lastEvaluatedImportSeq && carriesRefund(o))) return s;
  const asOf = tierAsOfEvidence(s, orders, rules);
  const now = qualified(upwardRef(s, rules), orders, t, rules, new Set(s.consumedOrders));
  const byNow = (now?.rank ?? -1) > (asOf?.rank ?? -1);
  const derived = byNow ? now : asOf;
  if ((derived?.rank ?? -1) >= rankOf(rules, s.tier)) return s;
  const evidence = byNow ? { evidenceAt: t, previousAnchorAt: s.anchorAt, extendedTier: null, fellFrom: null, fellPeriodEnd: null, manualTier: null, triggerOrderId: null } : {};
  return {
    ...s,
    ...evidence,
    tier: derived?.id ?? null,
    anchorAt: t,
    expiresAt: derived === null ? null : s.expiresAt,
    history: [...s.history, { from: s.tier, to: derived?.id ?? null, at: t, reason: 'refund', version }],
  };
}
