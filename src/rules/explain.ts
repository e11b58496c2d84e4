/**
 * `members explain` (SPEC v1.1 §5): why a member holds their tier at `t`, as a value. Pure and
 * built on the reference model: the verdict is what evaluateMember does at `t`, the figures are
 * the measures qualification reads, the expiry is step 3's extension standard, the pending
 * version's effect is recalculateMember. So the explanation cannot tell a story the rules do not.
 *
 * The figures and orders explain the evaluation at `t` (the member as stored); what is missing
 * for the next tier, the expiry and the pending version look ahead from the member as that
 * evaluation would leave them, with the orders as they stand (nobody knows tomorrow's orders).
 * Figures for moving up start at the last fall (upwardRef); the fall at expiry sees every order.
 */
import { addDuration } from '../model/duration.js';
import { localDateOf, localMidnight, addDays, type LocalDate } from '../model/localDate.js';
import { extensionLength, extensionStandard, rankOf, tierById, type Basis, type ExistingMembers, type LevelRules, type Standard, type TierRule } from './program.js';
import { evidenceFor, windowFor, type Interval, type Order, type PointsEntry } from './orders.js';
import { amountOf, countedOrders, measureAt, qualified, upwardRef, type MemberRef } from './qualify.js';
import { evaluateMember } from './evaluate.js';
import { recalculateMember } from './recalculate.js';
import { pinnedAt, type MemberState, type Transition } from './memberState.js';
import { explainEntries, explainOrders, explainWindows, lastDayInRolling, type ExplainedEntry, type ExplainedOrder, type ExplainedWindow } from './explainOrders.js';

/** What is still missing of a standard; null for a measure that is met or not set. */
export interface Missing {
  amountMinor: bigint | null;
  orders: number | null;
}

export interface TierFigures {
  tier: TierRule;
  /** Index into Explanation.windows; null for a disabled tier whose window no enabled tier shares. */
  window: number | null;
  amountMinor: bigint;
  orders: number;
  /** The threshold is met by the figures that may move a member up (v1.1 §3.2). */
  met: boolean;
  missing: Missing;
}

/** pinned: set by hand with --until (§3.10); no evaluation moves the member before the pin ends. */
export type VerdictKind = 'inactive' | 'stay' | 'pinned' | 'move';

export interface Verdict {
  kind: VerdictKind;
  /** The moves the evaluation at t makes, in order (an extension has from === to). */
  steps: Transition[];
  /** The tier after the evaluation at t (null: basic). */
  tier: string | null;
}

export interface NextTier {
  tier: TierRule;
  interval: Interval;
  amountMinor: bigint;
  orders: number;
  missing: Missing;
  /**
   * The last local date on which every order counted now is still in the window (rolling), or
   * the fixed window's last date; null when nothing leaves the window with time.
   */
  by: LocalDate | null;
}

export interface ExpiryOutlook {
  tier: string;
  expiresAt: Date;
  /** The last local date of the validity period. */
  lastDay: LocalDate;
  /** Null when the tier is disabled or gone: it cannot be extended. */
  standard: Standard | null;
  source: 'retain' | 'threshold';
  basis: Basis;
  /** The validity period whose orders the extension standard measures: [anchorAt, expiresAt). */
  period: Interval;
  amountMinor: bigint;
  orders: number;
  met: boolean;
  missing: Missing;
  /** The expiry after an extension. */
  extendedTo: Date | null;
  /** Where the member falls if not extended, with the orders as they stand (null: basic). */
  fallsTo: string | null;
}

export interface PendingEffect {
  version: number;
  at: Date;
  existingMembers: ExistingMembers;
  from: string | null;
  to: string | null;
}

export interface Explanation {
  t: Date;
  version: number;
  active: boolean;
  basis: Basis;
  state: MemberState;
  windows: ExplainedWindow[];
  /** The member's orders and why each counts or not; empty under basis points (orders are not measured). */
  orders: ExplainedOrder[];
  /** Under basis points, the member's ledger entries and why each counts or not; null otherwise. */
  entries: ExplainedEntry[] | null;
  tiers: TierFigures[];
  verdict: Verdict;
  next: NextTier | null;
  expiry: ExpiryOutlook | null;
  pending: PendingEffect | null;
}

export interface ExplainInput {
  state: MemberState;
  orders: readonly Order[];
  rules: LevelRules;
  version: number;
  t: Date;
  /** A pending version that will recalculate this member at `at` (not one that already judges them). */
  pending: { rules: LevelRules; version: number; at: Date } | null;
  /** The member's points ledger entries, read when the judging or pending version measures by points. */
  points?: readonly PointsEntry[];
}

export function explainMember(input: ExplainInput): Explanation {
  const { state, rules, t, version } = input;
  const all = input.orders.filter((o) => o.memberId === state.memberId);
  const points = (input.points ?? []).filter((e) => e.memberId === state.memberId);
  // The records the measures read (v1.1 §3.2): orders, or under basis points the earned entries
  // in order shape — the same evidenceFor the evaluation reads, so the figures are its figures.
  const orders = evidenceFor(rules, state.memberId, all, points);
  const consumed = new Set(state.consumedOrders);
  // Every figure for moving up starts at the last fall (upwardRef), as qualification's does.
  const up = upwardRef(state, rules);
  const windows = explainWindows(up, t, rules);
  const after = evaluateMember(state, all, t, rules, version, points);
  const steps = after.history.slice(state.history.length);
  const kind: VerdictKind = !rules.active ? 'inactive' : pinnedAt(state, t) ? 'pinned' : steps.length === 0 ? 'stay' : 'move';
  const byPoints = rules.basis === 'points';
  return {
    t,
    version,
    active: rules.active,
    basis: rules.basis,
    state,
    windows,
    orders: byPoints ? [] : explainOrders(state.memberId, orders, windows, rules, consumed),
    entries: byPoints ? explainEntries(points, windows, rules) : null,
    tiers: rules.tiers.map((tier) => tierFigures(up, orders, t, rules, consumed, tier, windows)),
    verdict: { kind, steps, tier: after.tier },
    next: rules.active ? nextTier(after, orders, t, rules) : null,
    expiry: rules.active ? expiryOutlook(after, orders, t, rules) : null,
    pending: input.pending === null ? null : pendingEffect(after, all, points, t, input.pending),
  };
}

function tierFigures(
  s: MemberRef,
  orders: readonly Order[],
  t: Date,
  rules: LevelRules,
  consumed: ReadonlySet<string>,
  tier: TierRule,
  windows: readonly ExplainedWindow[],
): TierFigures {
  const m = measureAt(s, orders, t, rules, consumed, tier.window);
  const index = windows.findIndex((w) => w.window === tier.window);
  const missing = missingOf(tier.threshold, m.amount, m.orders);
  return { tier, window: index < 0 ? null : index, amountMinor: m.amount, orders: m.orders, met: missing === null, missing: missing ?? NONE };
}

const NONE: Missing = { amountMinor: null, orders: null };

/** What a standard still lacks, or null when it is met. */
export function missingOf(standard: Standard, amount: bigint, orders: number): Missing | null {
  const amountMinor = standard.amountMinor !== null && amount < standard.amountMinor ? standard.amountMinor - amount : null;
  const count = standard.orders !== null && orders < standard.orders ? standard.orders - orders : null;
  return amountMinor === null && count === null ? null : { amountMinor, orders: count };
}

/**
 * The lowest enabled tier above the one the member holds after the evaluation at t, and what it
 * lacks. Under single_order the missing amount is that of one order (the threshold itself less
 * nothing: a smaller order adds nothing), so it is the gap between the largest order and it.
 */
function nextTier(s: MemberState, orders: readonly Order[], t: Date, rules: LevelRules): NextTier | null {
  const rank = rankOf(rules, s.tier);
  const tier = rules.tiers.find((x) => x.enabled && x.rank > rank);
  if (tier === undefined) return null;
  const consumed = new Set(s.consumedOrders);
  const m = measureAt(upwardRef(s, rules), orders, t, rules, consumed, tier.window);
  const missing = missingOf(tier.threshold, m.amount, m.orders) ?? NONE;
  return { tier, interval: m.window, amountMinor: m.amount, orders: m.orders, missing, by: deadline(s, orders, t, rules, tier, missing) };
}

/**
 * Until when the figures counted now stay counted. Only measures that add up lose by time: the
 * accumulated amount (or points earned) and the order count; a single_order amount needs one
 * new order anyway.
 */
function deadline(s: MemberState, orders: readonly Order[], t: Date, rules: LevelRules, tier: TierRule, missing: Missing): LocalDate | null {
  const w = tier.window;
  const fixedEnd = w.kind === 'fixed' ? w.to : null;
  const adds = missing.orders !== null || (missing.amountMinor !== null && rules.basis !== 'single_order');
  if (w.kind !== 'rolling' || !adds) return fixedEnd;
  const counted = countedOrders(s, orders, windowFor(upwardRef(s, rules), t, rules, w), rules);
  const days = counted.map((o) => lastDayInRolling(o.paidAt, w.length, rules.timezone)).sort();
  return days[0] ?? null;
}

/**
 * Step 3 ahead: the extension standard on the validity period [anchorAt, expiresAt) with the
 * orders as they stand (consumed ones left out, by the retention basis), the expiry after an
 * extension, and the fall — the tiers below checked with their upgrade conditions at expiry.
 */
function expiryOutlook(s: MemberState, orders: readonly Order[], t: Date, rules: LevelRules): ExpiryOutlook | null {
  if (rules.downgrade.mode !== 'validity' || s.tier === null || s.expiresAt === null) return null;
  const tier = tierById(rules, s.tier);
  const usable = tier !== undefined && tier.enabled;
  const consumed = new Set(s.consumedOrders);
  const period = { from: s.anchorAt, to: s.expiresAt };
  const counted = countedOrders(s, orders, period, rules, consumed);
  const amount = amountOf(counted, rules.downgrade.retentionBasis);
  const standard = usable ? extensionStandard(rules, tier) : null;
  const missing = standard === null ? null : missingOf(standard, amount, counted.length);
  const length = extensionLength(rules);
  const at = s.expiresAt > t ? s.expiresAt : t;
  const fall = qualified(s, orders, at, rules, consumed, rankOf(rules, s.tier));
  return {
    tier: s.tier,
    expiresAt: s.expiresAt,
    lastDay: addDays(localDateOf(s.expiresAt, rules.timezone), -1),
    standard,
    source: rules.downgrade.extend !== null && tier?.retain ? 'retain' : 'threshold',
    basis: rules.downgrade.retentionBasis,
    period,
    amountMinor: amount,
    orders: counted.length,
    met: standard !== null && missing === null,
    missing: missing ?? NONE,
    extendedTo: length === null ? null : localMidnight(addDuration(localDateOf(s.expiresAt, rules.timezone), length), rules.timezone),
    fallsTo: fall?.id ?? null,
  };
}

/** The pending version's recalculation at its instant, from the member as the evaluation at t leaves them. */
function pendingEffect(s: MemberState, orders: readonly Order[], points: readonly PointsEntry[], t: Date, p: NonNullable<ExplainInput['pending']>): PendingEffect {
  const at = p.at > t ? p.at : t;
  // The pending version reads its own basis's evidence: orders, or the points ledger.
  const next = recalculateMember(s, orders, at, p.rules, p.version, p.rules.existingMembers, points);
  return { version: p.version, at: p.at, existingMembers: p.rules.existingMembers, from: s.tier, to: next.tier };
}
