/**
 * Qualification (SPEC §3.2): amount and orders in a window, and the tier they reach.
 */
import type { Basis, LevelRules, Standard, TierRule, Window } from './program.js';
import { inInterval, isEligible, netAmount, windowFor, type Interval, type Order } from './orders.js';

/** What qualification needs to know about a member. */
export interface MemberRef {
  memberId: string;
  anchorAt: Date | null;
  /** A lower bound on every window (the last fall, when moving up), if any. */
  floorAt?: Date | null;
}

/**
 * The member as qualification for moving **up** sees them (decision 3 of docs/semantics.md):
 * after a fall at expiry, orders paid before the fall never count for moving up again, so the
 * next evaluation cannot upgrade the member straight back on the spend the extension standard
 * judged. Holding a tier (mode recompute, which never falls) and the fall itself see every order.
 */
export function upwardRef(s: { memberId: string; anchorAt: Date | null; fellAt: Date | null }, rules: LevelRules): MemberRef {
  return { memberId: s.memberId, anchorAt: s.anchorAt, floorAt: rules.downgrade.mode === 'recompute' ? null : s.fellAt };
}

/** The member's eligible orders with net > 0 in `[from, to)`, leaving out `excluded` ids. */
export function countedOrders(
  member: { memberId: string },
  orders: readonly Order[],
  window: Interval,
  rules: LevelRules,
  excluded: ReadonlySet<string> = new Set(),
): Order[] {
  return orders.filter(
    (o) =>
      o.memberId === member.memberId &&
      isEligible(o, rules) &&
      netAmount(o) > 0n &&
      inInterval(o.paidAt, window) &&
      !excluded.has(o.id),
  );
}

/** The amount measure of counted orders: their sum (accumulated) or the largest (single_order). */
export function amountOf(counted: readonly Order[], basis: Basis): bigint {
  const nets = counted.map(netAmount);
  return basis === 'accumulated' ? nets.reduce((a, b) => a + b, 0n) : nets.reduce((a, b) => (b > a ? b : a), 0n);
}

/**
 * amount(m) over `[from, to)`: the sum of eligible net amounts (accumulated), or the largest
 * eligible net amount of one order not in `consumed` (single_order). `consumed` is ignored by
 * accumulated: consumption is a single_order notion.
 */
export function amountIn(
  member: { memberId: string },
  orders: readonly Order[],
  from: Date | null,
  to: Date,
  rules: LevelRules,
  consumed: ReadonlySet<string>,
): bigint {
  const window = { from, to };
  if (rules.basis === 'accumulated') return amountOf(countedOrders(member, orders, window, rules), 'accumulated');
  return amountOf(countedOrders(member, orders, window, rules, consumed), 'single_order');
}

/** orders(m) over `[from, to)`: eligible orders with net > 0, leaving out `excluded` ids. */
export function ordersIn(
  member: { memberId: string },
  orders: readonly Order[],
  from: Date | null,
  to: Date,
  rules: LevelRules,
  excluded: ReadonlySet<string> = new Set(),
): number {
  return countedOrders(member, orders, { from, to }, rules, excluded).length;
}

/** Every measure the standard sets is met; a standard that sets none is met by everyone. */
export function meets(standard: Standard, amount: bigint, orders: number): boolean {
  return (
    (standard.amountMinor === null || amount >= standard.amountMinor) && (standard.orders === null || orders >= standard.orders)
  );
}

export function qualifies(tier: TierRule, amount: bigint, orders: number): boolean {
  return meets(tier.threshold, amount, orders);
}

/** The measures of a member at `t` in `window` (default `upgrade.window`; §3.2). */
export function measureAt(
  member: MemberRef,
  orders: readonly Order[],
  t: Date,
  rules: LevelRules,
  consumed: ReadonlySet<string>,
  window: Window = rules.window,
): { window: Interval; amount: bigint; orders: number } {
  const interval = windowFor(member, t, rules, window);
  return {
    window: interval,
    amount: amountIn(member, orders, interval.from, interval.to, rules, consumed),
    orders: ordersIn(member, orders, interval.from, interval.to, rules),
  };
}

/**
 * qualified(m, t): the highest-ranked enabled tier that qualifies, each tier measured in its own
 * window (v1.1), or null (basic). `consumed` are the orders left out of single_order's amount
 * (those that already triggered an upgrade of this member). `below` limits the search to tiers
 * ranked below it (the sequential fall of §3.3 step 3; holding in mode recompute).
 */
export function qualified(
  member: MemberRef,
  orders: readonly Order[],
  t: Date,
  rules: LevelRules,
  consumed: ReadonlySet<string> = new Set(),
  below: number = Infinity,
): TierRule | null {
  const measures = new Map<Window, { amount: bigint; orders: number }>();
  for (let i = rules.tiers.length - 1; i >= 0; i--) {
    const tier = rules.tiers[i]!;
    if (tier.rank >= below || !tier.enabled) continue;
    let m = measures.get(tier.window);
    if (m === undefined) {
      m = measureAt(member, orders, t, rules, consumed, tier.window);
      measures.set(tier.window, m);
    }
    if (qualifies(tier, m.amount, m.orders)) return tier;
  }
  return null;
}

/**
 * The order that triggers a move to `tier` under single_order: the largest eligible order in
 * the window, not in `consumed`, whose net amount meets the tier's amount threshold; ties go to
 * the earliest paidAt, then the smaller id. Null under accumulated, when the threshold sets no
 * amount or an amount of 0 (no single order is what reached it), or when no order meets it.
 */
export function triggeringOrder(
  member: MemberRef,
  orders: readonly Order[],
  t: Date,
  rules: LevelRules,
  consumed: ReadonlySet<string>,
  tier: TierRule,
): Order | null {
  const threshold = tier.threshold.amountMinor;
  if (rules.basis !== 'single_order' || threshold === null || threshold === 0n) return null;
  const candidates = countedOrders(member, orders, windowFor(member, t, rules, tier.window), rules, consumed)
    .filter((o) => netAmount(o) >= threshold)
    .sort(
      (a, b) =>
        compareBigint(netAmount(b), netAmount(a)) ||
        a.paidAt.getTime() - b.paidAt.getTime() ||
        (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
    );
  return candidates[0] ?? null;
}

function compareBigint(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
