/**
 * For `members explain`: which of a member's orders count, in which windows, and why the others
 * are left out (SPEC §3.1, §3.2). Pure; built on the same predicates qualification uses, so an
 * order shown as counted is one the reference model counts.
 */
import { addDays, addMonths, localDateOf, type LocalDate } from '../model/localDate.js';
import type { Duration } from '../model/duration.js';
import { activeFromInstant, evidenceFor, inInterval, netAmount, subtractDuration, windowFor, type Interval, type Order, type PointsEntry } from './orders.js';
import type { MemberRef } from './qualify.js';
import type { LevelRules, TierRule, Window } from './program.js';

/** Why an order is left out of a measure, in the order the checks are made. */
export type LeftOutReason = 'cancelled' | 'refunded' | 'excluded_tag' | 'before_active_from' | 'before_fall' | 'outside_window' | 'consumed';

/** What raised a window's lower bound to where it is. */
export type LowerBound = 'none' | 'window' | 'activeFrom' | 'last_move' | 'restart' | 'fall';

export interface ExplainedWindow {
  window: Window;
  interval: Interval;
  lowerBound: LowerBound;
  /**
   * The window without the fall bound (decision 3 of docs/semantics.md) when the fall raised it:
   * its orders before the fall no longer move the member up, but a fall at expiry still sees them.
   */
  withoutFall: Interval | null;
  /** Ids of the tiers whose threshold is measured in this window. */
  tiers: string[];
}

export interface ExplainedOrder {
  order: Order;
  net: bigint;
  /** Indexes (into the explanation's windows) of the windows whose amount counts the order. */
  amountIn: number[];
  /** Indexes of the windows whose order count counts it (a consumed order still counts here). */
  ordersIn: number[];
  /** Null when the order counts in at least one window's amount. */
  reason: LeftOutReason | null;
  /** The excluded tag that left it out (reason excluded_tag). */
  tag?: string;
}

/**
 * The distinct windows of the enabled tiers (a tier without its own window shares
 * `upgrade.window`), the lowest tier's first, each with the reason its lower bound is where it is.
 * `member` is the member as moving up sees them (upwardRef: bounded by the last fall).
 */
export function explainWindows(member: Omit<MemberRef, 'memberId'>, t: Date, rules: LevelRules): ExplainedWindow[] {
  const out: ExplainedWindow[] = [];
  const tiers: readonly TierRule[] = rules.tiers.some((x) => x.enabled) ? rules.tiers.filter((x) => x.enabled) : rules.tiers;
  for (const tier of tiers) {
    const found = out.find((w) => w.window === tier.window);
    if (found) {
      found.tiers.push(tier.id);
      continue;
    }
    out.push(explainWindow(member, t, rules, tier.window, [tier.id]));
  }
  if (out.length === 0) out.push(explainWindow(member, t, rules, rules.window, []));
  return out;
}

function explainWindow(member: Omit<MemberRef, 'memberId'>, t: Date, rules: LevelRules, window: Window, tiers: string[]): ExplainedWindow {
  const bound = lowerBound(member, t, rules, window);
  const withoutFall = bound === 'fall' ? windowFor({ anchorAt: member.anchorAt }, t, rules, window) : null;
  return { window, interval: windowFor(member, t, rules, window), lowerBound: bound, withoutFall, tiers };
}

function lowerBound(ref: Omit<MemberRef, 'memberId'>, t: Date, rules: LevelRules, window: Window): LowerBound {
  const final = windowFor(ref, t, rules, window).from;
  if (final === null) return 'none';
  // The fall is named whenever the window starts at it, even when the anchor (moved by the fall) agrees.
  if (ref.floorAt != null && final.getTime() === ref.floorAt.getTime()) return 'fall';
  const member = { anchorAt: ref.anchorAt };
  const raised = (from: Date | null): boolean => from === null || from < final;
  if (raised(windowFor(member, t, { ...rules, restartOnMove: false }, window).from)) return 'restart';
  if (raised(windowFor(member, t, { ...rules, restartOnMove: false, activeFrom: null }, window).from)) return 'activeFrom';
  return window.kind === 'since_last_upgrade' ? 'last_move' : 'window';
}

/**
 * Every order of the member, oldest first, with the windows that count it or the first reason
 * it is left out: status, refund (net 0), excluded tag, activeFrom, the windows (before_fall: in
 * a window but paid before the fall that bounds moving up), and — for the
 * amount under single_order — an order that already triggered an upgrade.
 */
export function explainOrders(
  memberId: string,
  orders: readonly Order[],
  windows: readonly ExplainedWindow[],
  rules: LevelRules,
  consumed: ReadonlySet<string>,
): ExplainedOrder[] {
  const start = activeFromInstant(rules);
  const mine = orders.filter((o) => o.memberId === memberId).sort((a, b) => a.paidAt.getTime() - b.paidAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return mine.map((order) => {
    const net = netAmount(order);
    const base = { order, net, amountIn: [] as number[], ordersIn: [] as number[] };
    if (order.status === 'cancelled') return { ...base, reason: 'cancelled' };
    if (net === 0n) return { ...base, reason: 'refunded' };
    const tag = order.tags.find((x) => rules.exclude.has(x));
    if (tag !== undefined) return { ...base, reason: 'excluded_tag', tag };
    if (start !== null && order.paidAt < start) return { ...base, reason: 'before_active_from' };
    const inside = windows.flatMap((w, i) => (inInterval(order.paidAt, w.interval) ? [i] : []));
    if (inside.length === 0) {
      const beforeFall = windows.some((w) => w.withoutFall !== null && inInterval(order.paidAt, w.withoutFall));
      return { ...base, reason: beforeFall ? 'before_fall' : 'outside_window' };
    }
    const isConsumed = rules.basis === 'single_order' && consumed.has(order.id);
    return { ...base, ordersIn: inside, amountIn: isConsumed ? [] : inside, reason: isConsumed ? 'consumed' : null };
  });
}

/** Why a points entry is left out: a redemption (never counts, v1.1 §3.2) or an order's reason. */
export type EntryLeftOutReason = 'redemption' | 'before_active_from' | 'before_fall' | 'outside_window';

export interface ExplainedEntry {
  entry: PointsEntry;
  /** Indexes (into the explanation's windows) of the windows whose points earned count the entry. */
  countsIn: number[];
  /** Null when the entry counts in at least one window. */
  reason: EntryLeftOutReason | null;
}

/**
 * Under basis points: every ledger entry of the member, oldest first, with the windows that count
 * it or why not. Earned entries are judged in the order shape evidenceFor gives them — the shape
 * the measures read — so an entry shown as counted is one the reference model counts.
 */
export function explainEntries(points: readonly PointsEntry[], windows: readonly ExplainedWindow[], rules: LevelRules): ExplainedEntry[] {
  const mine = [...points].sort((a, b) => a.at.getTime() - b.at.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const memberId = mine[0]?.memberId ?? '';
  const judged = new Map(explainOrders(memberId, evidenceFor(rules, memberId, [], mine), windows, rules, new Set()).map((o) => [o.order.id, o]));
  return mine.map((entry): ExplainedEntry => {
    const o = judged.get(entry.id);
    if (o === undefined) return { entry, countsIn: [], reason: 'redemption' };
    // Earned entries are paid, untagged and never consumed, so only these reasons remain.
    return { entry, countsIn: o.amountIn, reason: o.reason as EntryLeftOutReason | null };
  });
}

/**
 * The last local date on which an order paid at `paidAt` is still inside a rolling window of
 * `length` (an evaluation that day still counts it). Months are end-of-month clamped (Mar 31 −
 * 1 month = Feb 28, so an order of Feb 28 still counts on Mar 31): step on from the plain sum;
 * the days that still count it are a prefix, as subtracting months never goes backwards.
 */
export function lastDayInRolling(paidAt: Date, length: Duration, timezone: string): LocalDate {
  const paid = localDateOf(paidAt, timezone);
  const inside = (d: LocalDate): boolean => subtractDuration(d, length) <= paid;
  let day = 'months' in length ? addMonths(paid, length.months) : addDays(paid, length.days);
  while (inside(addDays(day, 1))) day = addDays(day, 1);
  return day;
}
