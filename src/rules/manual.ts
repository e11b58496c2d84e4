/**
 * Manual adjustment of a member's tier (SPEC v1.1 §3.10), as the reference model does it. The
 * command (src/members/setTier.ts) writes the same standing through SQL.
 */
import { rankOf, type LevelRules, type TierRule } from './program.js';
import { freshExpiry, grantUpgradePoints, type MemberState } from './memberState.js';

export interface ManualMove {
  /** The tier, or null for basic. */
  tier: TierRule | null;
  /** The pin's end (localMidnight of --until), or null. */
  pinnedUntil: Date | null;
  /** One-time benefits on a move up (false: --no-grants). */
  grants: boolean;
}

/**
 * The member moves to `move.tier` at `t` on the merchant's word: tierSince = anchorAt =
 * evidenceAt = t, a fresh expiresAt (mode validity), history reason manual. A move down also
 * records t as a fall (decision 3 of docs/semantics.md): the spend the merchant judged no longer
 * moves the member up. A move up grants upgrade_points as an upgrade does.
 */
export function setTierManually(s: MemberState, move: ManualMove, t: Date, rules: LevelRules, version: number): MemberState {
  const to = move.tier?.id ?? null;
  const from = rankOf(rules, s.tier);
  const rank = move.tier?.rank ?? -1;
  const next: MemberState = {
    ...s,
    tier: to,
    tierSince: t,
    anchorAt: t,
    evidenceAt: t,
    previousAnchorAt: s.anchorAt,
    extendedTier: null,
    fellFrom: null,
    fellPeriodEnd: null,
    manualTier: to,
    fellAt: rank < from ? t : s.fellAt,
    triggerOrderId: null,
    expiresAt: move.tier === null ? null : freshExpiry(t, rules),
    pinnedUntil: move.pinnedUntil,
    history: [...s.history, { from: s.tier, to, at: t, reason: 'manual', version }],
  };
  return move.grants && move.tier !== null && rank > from ? grantUpgradePoints(next, move.tier, t) : next;
}
