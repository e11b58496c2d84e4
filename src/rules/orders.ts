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
