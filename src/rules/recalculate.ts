/**
 * Recalculation of one member when a rule change takes effect at T (SPEC §3.5).
 */
import { rankOf, tierById, type ExistingMembers, type LevelRules, type TierRule } from './program.js';
import type { Order } from './orders.js';
import { qualified, triggeringOrder } from './qualify.js';
import { consumedFor, tierAsOfTierSince } from './evaluate.js';
import { freshExpiry, grantBirthday, grantUpgradePoints, moveTo, type MemberState } from './memberState.js';

/**
 * The tier the new rules give a member at T, and the order that triggers it if it is reached
 * by a single order. Mode recompute: qualified(m, T). Modes never and validity: the higher of
 * qualified(m, T) and, for a member who holds a tier, the tier reached as of their tierSince.
 */
export function derivedTier(
  s: MemberState,
  orders: readonly Order[],
  T: Date,
  rules: LevelRules,
): { tier: TierRule | null; trigger: Order | null } {
  const consumed = consumedFor(s, rules);
  const now = qualified(s, orders, T, rules, consumed);
  const nowResult = { tier: now, trigger: now && triggeringOrder(s, orders, T, rules, new Set(s.consumedOrders), now) };
  if (rules.downgrade.mode === 'recompute' || s.tier === null || s.tierSince === null) return nowResult;
  const asOf = tierAsOfTierSince(s, orders, rules);
  if (asOf === null || (now !== null && now.rank >= asOf.rank)) return nowResult;
  const before = new Set(s.consumedOrders);
  if (s.triggerOrderId !== null) before.delete(s.triggerOrderId);
  const past = { memberId: s.memberId, anchorAt: s.previousAnchorAt };
  return { tier: asOf, trigger: triggeringOrder(past, orders, s.tierSince, rules, before, asOf) };
}

/**
 * Recalculate a member under the new version's rules at T. `mode` is the version's
 * effective.existingMembers: recalculate moves up or down to the derived tier; upgrade_only
 * only up; keep changes nothing now. Members of a disabled or removed tier move in every mode.
 * A member who moves gets tierSince = anchorAt = T, a fresh expiresAt, a history entry (reason
 * rule_change) and, on a move up, the new tier's one-time benefits. A member who stays keeps
 * tierSince, anchorAt and expiresAt, except that an expiresAt is started at T when the new rules
 * use validity and the member had none, and dropped when they no longer use validity.
 */
export function recalculateMember(
  state: MemberState,
  orders: readonly Order[],
  T: Date,
  rules: LevelRules,
  version: number,
  mode: ExistingMembers = rules.existingMembers,
): MemberState {
  if (!rules.active) return state;
  const mine = orders.filter((o) => o.memberId === state.memberId);
  const held = tierById(rules, state.tier);
  const mustMove = state.tier !== null && (held === undefined || !held.enabled);
  const { tier, trigger } = derivedTier(state, mine, T, rules);
  const from = rankOf(rules, state.tier);
  const to = tier?.rank ?? -1;
  const changes = (tier?.id ?? null) !== state.tier;
  const moves = changes && (mustMove || mode === 'recalculate' || (mode === 'upgrade_only' && to > from));
  let s: MemberState;
  if (moves) {
    const up = to > from && tier !== null;
    s = moveTo(state, tier, T, rules, 'rule_change', version, up ? trigger : null);
    if (up) s = grantUpgradePoints(s, tier, T);
  } else {
    s = fitExpiry(state, T, rules);
  }
  return grantBirthday(s, T, rules);
}

function fitExpiry(s: MemberState, T: Date, rules: LevelRules): MemberState {
  if (s.tier === null) return s;
  if (rules.downgrade.mode !== 'validity') return s.expiresAt === null ? s : { ...s, expiresAt: null };
  return s.expiresAt === null ? { ...s, expiresAt: freshExpiry(T, rules) } : s;
}
