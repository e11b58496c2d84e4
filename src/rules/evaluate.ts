/**
 * The daily evaluation of one member (SPEC §3.3), steps 1–4 in order, then the birthday grant.
 * See docs/semantics.md for the decisions taken where the SPEC is silent.
 */
import { addDuration } from '../model/duration.js';
import { localDateOf, localMidnight } from '../model/localDate.js';
import { rankOf, tierById, type LevelRules, type TierRule } from './program.js';
import { carriesRefund, netAmount, type Order } from './orders.js';
import { countedOrders, meets, qualified, triggeringOrder } from './qualify.js';
import { grantBirthday, grantUpgradePoints, moveTo, type MemberState } from './memberState.js';

/**
 * Orders a member's qualification leaves out: those that already triggered an upgrade
 * (single_order). Under recompute the tier always follows the window, so nothing is left out
 * (otherwise a member would be demoted right after every upgrade: see docs/semantics.md).
 */
export function consumedFor(s: MemberState, rules: LevelRules): Set<string> {
  return rules.downgrade.mode === 'recompute' ? new Set() : new Set(s.consumedOrders);
}

export function evaluateMember(
  state: MemberState,
  orders: readonly Order[],
  t: Date,
  rules: LevelRules,
  version: number,
): MemberState {
  if (!rules.active) return state;
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

/** Steps 1 and 2: move up to q; with recompute, also down to q (reason requalify). */
function upgradeOrRequalify(s: MemberState, orders: readonly Order[], t: Date, rules: LevelRules, version: number): MemberState {
  const consumed = consumedFor(s, rules);
  const q = qualified(s, orders, t, rules, consumed);
  const current = rankOf(rules, s.tier);
  const target = q?.rank ?? -1;
  if (q !== null && target > current) {
    const trigger = triggeringOrder(s, orders, t, rules, new Set(s.consumedOrders), q);
    return grantUpgradePoints(moveTo(s, q, t, rules, 'upgrade', version, trigger), q, t);
  }
  if (rules.downgrade.mode === 'recompute' && target < current) {
    return moveTo(s, q, t, rules, 'requalify', version, null);
  }
  return s;
}

/**
 * Step 3, mode validity, expiresAt ≤ t. Retention met → extended (repeated while the extended
 * expiry is still ≤ t). Otherwise the tiers from the member's own downwards are checked with
 * their upgrade conditions at t: still meeting the own tier renews it (reason renew), a lower
 * one is fallen to, none → basic (reason expire for both).
 */
function expire(s: MemberState, orders: readonly Order[], t: Date, rules: LevelRules, version: number): MemberState {
  while (s.tier !== null && s.expiresAt !== null && s.expiresAt <= t) {
    const tier = tierById(rules, s.tier);
    if (tier !== undefined && retentionMet(s, orders, rules, tier)) {
      s = extend(s, t, rules, version);
      continue;
    }
    const consumed = consumedFor(s, rules);
    const next = qualified(s, orders, t, rules, consumed, rankOf(rules, s.tier) + 1);
    if (next !== null && next.id === s.tier) {
      return moveTo(s, next, t, rules, 'renew', version, triggeringOrder(s, orders, t, rules, consumed, next));
    }
    return moveTo(s, next, t, rules, 'expire', version, null);
  }
  return s;
}

/** The member's spend in [anchorAt, expiresAt) by the basis, eligible orders only, triggers excluded. */
export function retentionMet(s: MemberState, orders: readonly Order[], rules: LevelRules, tier: TierRule): boolean {
  if (tier.retain === null || rules.downgrade.extend === null || s.expiresAt === null) return false;
  const counted = countedOrders(s, orders, { from: s.anchorAt, to: s.expiresAt }, rules, new Set(s.consumedOrders));
  const amounts = counted.map(netAmount);
  const amount =
    rules.basis === 'accumulated' ? amounts.reduce((a, b) => a + b, 0n) : amounts.reduce((a, b) => (b > a ? b : a), 0n);
  return meets(tier.retain, amount, counted.length);
}

function extend(s: MemberState, t: Date, rules: LevelRules, version: number): MemberState {
  const old = s.expiresAt!;
  const expiresAt = localMidnight(addDuration(localDateOf(old, rules.timezone), rules.downgrade.extend!), rules.timezone);
  return {
    ...s,
    anchorAt: old,
    expiresAt,
    history: [...s.history, { from: s.tier, to: s.tier, at: t, reason: 'extend', version }],
  };
}

/**
 * The tier a member would have reached at their tierSince, with today's order data (refunded
 * amounts are out of the net amounts): the window as of tierSince (since_last_upgrade: from the
 * anchor in force before the move), the orders consumed before that move left out.
 */
export function tierAsOfTierSince(s: MemberState, orders: readonly Order[], rules: LevelRules): TierRule | null {
  if (s.tierSince === null) return null;
  const consumed = consumedFor(s, rules);
  if (s.triggerOrderId !== null) consumed.delete(s.triggerOrderId);
  return qualified({ memberId: s.memberId, anchorAt: s.previousAnchorAt }, orders, s.tierSince, rules, consumed);
}

/**
 * Step 4 (refunds: recalculate; modes never and validity). A refund or cancellation imported
 * after the last evaluation re-derives the member as of tierSince; a lower result demotes,
 * keeping tierSince and expiresAt (basic has no expiresAt); the anchor moves to t. The member
 * is never demoted below qualified(m, t).
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
  const asOf = tierAsOfTierSince(s, orders, rules);
  const now = qualified(s, orders, t, rules, consumedFor(s, rules));
  // Never below what the member qualifies for at t: step 1 of the next evaluation would undo it.
  const derived = (now?.rank ?? -1) > (asOf?.rank ?? -1) ? now : asOf;
  if ((derived?.rank ?? -1) >= rankOf(rules, s.tier)) return s;
  return {
    ...s,
    tier: derived?.id ?? null,
    anchorAt: t,
    expiresAt: derived === null ? null : s.expiresAt,
    history: [...s.history, { from: s.tier, to: derived?.id ?? null, at: t, reason: 'refund', version }],
  };
}
