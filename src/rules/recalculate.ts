/**
 * Recalculation of one member when a rule change takes effect at T (SPEC v1.1 §3.5).
 */
import { tierById, type ExistingMembers, type LevelRules, type TierRule } from './program.js';
import type { Order } from './orders.js';
import { qualified, triggeringOrder, upwardRef } from './qualify.js';
import { requalifiedTier, tierAsOfEvidence } from './evaluate.js';
import { freshExpiry, grantBirthday, grantUpgradePoints, moveTo, pinnedAt, type MemberState } from './memberState.js';

export interface Derived {
  tier: TierRule | null;
  /** The order that triggers a move up to `tier` at T (single_order), if one does. */
  trigger: Order | null;
  /** The tier comes from the evidence as of evidenceAt, not from qualified(m, T). */
  viaEvidence: boolean;
}

/**
 * The rank a member's stored tier has under `rules` for deciding up or down: −1 for basic, the
 * tier's rank, and Infinity for a tier the rules no longer define (leaving it is a relegation).
 */
export function heldRank(rules: LevelRules, tier: string | null): number {
  if (tier === null) return -1;
  return tierById(rules, tier)?.rank ?? Infinity;
}

/**
 * The tier the new rules give a member at T. Mode recompute: what the daily evaluation's steps 1
 * and 2 give (requalifiedTier). Modes never and validity: the higher of qualified(m, T) and, for
 * a member who holds a tier, the tier reached as of their evidenceAt.
 */
export function derivedTier(s: MemberState, orders: readonly Order[], T: Date, rules: LevelRules): Derived {
  const consumed = new Set(s.consumedOrders);
  const current = heldRank(rules, s.tier);
  const up = upwardRef(s, rules);
  const now = rules.downgrade.mode === 'recompute' ? requalifiedTier(s, orders, T, rules, current) : qualified(up, orders, T, rules, consumed);
  const trigger = now !== null && now.rank > current ? triggeringOrder(up, orders, T, rules, consumed, now) : null;
  const nowResult = { tier: now, trigger, viaEvidence: false };
  if (rules.downgrade.mode === 'recompute' || s.tier === null) return nowResult;
  const asOf = tierAsOfEvidence(s, orders, rules);
  if (asOf === null || (now !== null && now.rank >= asOf.rank)) return nowResult;
  return { tier: asOf, trigger: null, viaEvidence: true };
}

/**
 * Recalculate a member under the new version's rules at T. `mode` is the version's
 * effective.existingMembers: recalculate moves up or down to the derived tier; upgrade_only
 * only up; keep changes nothing now. Members of a disabled or removed tier move in every mode.
 * Every move: tierSince = T and a history entry (reason rule_change). A move up: anchorAt = T, a
 * fresh expiresAt, one-time benefits, and evidenceAt = T when qualified(m, T) justifies it (its
 * trigger consumed). A move down (relegations included) keeps anchorAt, evidenceAt and
 * expiresAt. A member who stays keeps everything, except that an expiresAt is started at T when
 * the new rules use validity and the member had none, and dropped when they no longer do.
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
  const { tier, trigger, viaEvidence } = derivedTier(state, mine, T, rules);
  const up = tier !== null && tier.rank > heldRank(rules, state.tier);
  const changes = (tier?.id ?? null) !== state.tier;
  // A pin (§3.10) holds against rule changes too, except out of a tier that can hold nobody.
  const moves = changes && (mustMove || (!pinnedAt(state, T) && (mode === 'recalculate' || (mode === 'upgrade_only' && up))));
  let s: MemberState;
  if (!moves) s = fitExpiry(state, T, rules);
  else if (up && !viaEvidence) s = grantUpgradePoints(moveTo(state, tier, T, rules, 'rule_change', version, trigger), tier, T);
  else if (up) s = grantUpgradePoints(moveUpOnEvidence(state, tier, T, rules, version), tier, T);
  else s = fitExpiry(moveDown(state, tier, T, version), T, rules);
  return grantBirthday(s, T, rules);
}

/** A move up justified by the evidence as of evidenceAt: a fresh period, the evidence kept. */
function moveUpOnEvidence(s: MemberState, tier: TierRule, T: Date, rules: LevelRules, version: number): MemberState {
  return {
    ...s,
    tier: tier.id,
    tierSince: T,
    anchorAt: T,
    expiresAt: freshExpiry(T, rules),
    history: [...s.history, { from: s.tier, to: tier.id, at: T, reason: 'rule_change', version }],
  };
}

/** A move down: the validity period that was earned runs on (anchorAt, evidenceAt, expiresAt kept). */
function moveDown(s: MemberState, tier: TierRule | null, T: Date, version: number): MemberState {
  return {
    ...s,
    tier: tier?.id ?? null,
    tierSince: T,
    expiresAt: tier === null ? null : s.expiresAt,
    history: [...s.history, { from: s.tier, to: tier?.id ?? null, at: T, reason: 'rule_change', version }],
  };
}

function fitExpiry(s: MemberState, T: Date, rules: LevelRules): MemberState {
  if (s.tier === null) return s;
  if (rules.downgrade.mode !== 'validity') return s.expiresAt === null ? s : { ...s, expiresAt: null };
  return s.expiresAt === null ? { ...s, expiresAt: freshExpiry(T, rules) } : s;
}
