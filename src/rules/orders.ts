/**
 * Orders, eligibility and windows (SPEC §3.1, §3.2).
 */
import { addDays, addMonths, localDateOf, localMidnight } from '../model/localDate.js';
import type { Duration } from '../model/duration.js';
import type { LevelRules, Window } from './program.js';

export type OrderStatus = 'paid' | 'cancelled' | 'refunded';

export interface Order {
  id: string;
  memberId: string;
  amountMinor: bigint;
  refundedMinor: bigint;
  paidAt: Date;
  status: OrderStatus;
  tags: string[];
  /** Processing order of the order's latest import; larger is later. */
  importSeq: number;
}

/**
 * One entry of a member's points ledger (v1.1 §3.2, §4.5): points earned (> 0) or redeemed
 * (< 0) at `at`. Points tierform grants itself (upgrade_points, join_points) are never entries:
 * they live in the grants ledger, which no measure reads.
 */
export interface PointsEntry {
  id: string;
  memberId: string;
  points: number;
  at: Date;
  /** Processing order of the import that brought the entry. */
  importSeq: number;
}

/**
 * The records a member is measured by (§3.2): their orders, or under basis points their earned
 * points entries in the shape of orders (an entry's points as its amount, `at` as its paidAt,
 * paid, no tags), so that windows, activeFrom and the sums read them alike. Redemptions
 * (negative entries) are left out: they never lower the points earned.
 */
export function evidenceFor(rules: LevelRules, memberId: string, orders: readonly Order[], points: readonly PointsEntry[]): Order[] {
  if (rules.basis !== 'points') return orders.filter((o) => o.memberId === memberId);
  return points
    .filter((e) => e.memberId === memberId && e.points > 0)
    .map((e) => ({ id: e.id, memberId, amountMinor: BigInt(e.points), refundedMinor: 0n, paidAt: e.at, status: 'paid', tags: [], importSeq: e.importSeq }));
}

/** The latest import a member's orders and points entries came from (the evaluation watermark). */
export function latestImportSeq(memberId: string, orders: readonly Order[], points: readonly PointsEntry[], seen: number): number {
  let seq = seen;
  for (const o of orders) if (o.memberId === memberId && o.importSeq > seq) seq = o.importSeq;
  for (const e of points) if (e.memberId === memberId && e.importSeq > seq) seq = e.importSeq;
  return seq;
}

/** A half-open interval of instants `[from, to)`; `from: null` has no lower bound. */
export interface Interval {
  from: Date | null;
  to: Date;
}

/** §3.1: paid, at or after localMidnight(activeFrom), no excluded tag. */
export function isEligible(order: Order, rules: LevelRules): boolean {
  if (order.status !== 'paid') return false;
  const start = activeFromInstant(rules);
  if (start !== null && order.paidAt < start) return false;
  return !order.tags.some((tag) => rules.exclude.has(tag));
}

/** §3.1: amount − refunded; a `refunded` order is fully refunded (0). Never negative. */
export function netAmount(order: Order): bigint {
  if (order.status === 'refunded') return 0n;
  const net = order.amountMinor - order.refundedMinor;
  return net > 0n ? net : 0n;
}

/** Whether this (re)import of an order carries a refund or a cancellation (§3.3 step 4). */
export function carriesRefund(order: Order): boolean {
  return order.status !== 'paid' || order.refundedMinor > 0n;
}

export function activeFromInstant(rules: LevelRules): Date | null {
  return rules.activeFrom === null ? null : localMidnight(rules.activeFrom, rules.timezone);
}

/**
 * §3.2: the window W(m, t) of `window` (default `upgrade.window`; a tier passes its own).
 * `member.anchorAt` bounds since_last_upgrade, and every window under restartOnMove (v1.1). A
 * lower bound is never before localMidnight(activeFrom) (eligibility cuts those orders anyway).
 * `member.floorAt`, when given, is a further lower bound: the last fall, for moving up
 * (upwardRef in qualify.ts).
 */
export function windowFor(
  member: { anchorAt: Date | null; floorAt?: Date | null },
  t: Date,
  rules: LevelRules,
  window: Window = rules.window,
): Interval {
  const w = baseWindow(member, t, rules, window);
  const from = later(w.from, member.floorAt ?? null);
  return { from: rules.restartOnMove ? later(from, member.anchorAt) : from, to: w.to };
}

function baseWindow(member: { anchorAt: Date | null }, t: Date, rules: LevelRules, w: Window): Interval {
  const start = activeFromInstant(rules);
  switch (w.kind) {
    case 'lifetime':
      return { from: start, to: t };
    case 'since_last_upgrade':
      return { from: later(member.anchorAt, start), to: t };
    case 'rolling': {
      const first = subtractDuration(localDateOf(t, rules.timezone), w.length);
      return { from: later(localMidnight(first, rules.timezone), start), to: t };
    }
    case 'fixed': {
      const end = localMidnight(addDays(w.to, 1), rules.timezone);
      return { from: later(localMidnight(w.from, rules.timezone), start), to: end < t ? end : t };
    }
  }
}

/** A local date N months (end-of-month clamped) or N days earlier. */
export function subtractDuration(date: string, d: Duration): string {
  return 'months' in d ? addMonths(date, -d.months) : addDays(date, -d.days);
}

export function inInterval(at: Date, { from, to }: Interval): boolean {
  return (from === null || at >= from) && at < to;
}

function later(a: Date | null, b: Date | null): Date | null {
  if (a === null) return b;
  if (b === null) return a;
  return a > b ? a : b;
}
