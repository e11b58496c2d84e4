/**
 * A version's level rules as SQL fragments: the pieces every engine statement is built from.
 * Structure (which window, which basis) is chosen here from the compiled rules; every value
 * (time zone, thresholds, durations, tier ids) is a bound parameter.
 */
import type { Duration } from '../model/duration.js';
import { extensionLength, extensionStandard, type Basis, type LevelRules, type TierRule, type Window as RuleWindow } from '../rules/index.js';

/** A rank above every tier's: a tier the version no longer defines, for deciding up or down. */
const HIGHEST = 1_000_000;

/** Collects bound values and hands out their placeholders. */
export class Params {
  readonly values: unknown[] = [];
  add(value: unknown, cast = ''): string {
    this.values.push(value);
    return `$${this.values.length}${cast}`;
  }
}

export interface Window {
  /** SQL for the lower bound (an instant), or null when unbounded. */
  from: string | null;
  /** SQL for the upper bound (exclusive). */
  to: string;
}

/** The SQL vocabulary of one version's rules; `p` receives every value. */
export class RulesSql {
  // Bound on first use: PostgreSQL refuses a statement with a parameter it never reads.
  private tzParam: string | null = null;
  private idsParam: string | null = null;

  constructor(
    readonly rules: LevelRules,
    readonly p: Params,
  ) {}

  get tz(): string {
    return (this.tzParam ??= this.p.add(this.rules.timezone, '::text'));
  }

  private get ids(): string {
    return (this.idsParam ??= this.p.add(this.rules.tiers.map((t) => t.id), '::text[]'));
  }

  /** localDate(instant) in the merchant's zone. */
  localDate(instant: string): string {
    return `((${instant}) AT TIME ZONE ${this.tz})::date`;
  }

  /** localMidnight(date): the instant local date `date` starts. */
  localMidnight(date: string): string {
    return `((${date})::timestamp AT TIME ZONE ${this.tz})`;
  }

  /** date ± duration, end-of-month clamped (PostgreSQL's month arithmetic clamps like ours). */
  shiftDate(date: string, d: Duration, sign: 1 | -1): string {
    const op = sign === 1 ? '+' : '-';
    if ('months' in d) return `((${date}) ${op} make_interval(months => ${this.p.add(d.months, '::int')}))::date`;
    return `((${date}) ${op} ${this.p.add(d.days, '::int')})`;
  }

  /** A fresh expiresAt for a tier reached at `instant` (mode validity), else NULL. */
  freshExpiry(instant: string): string {
    const validity = this.rules.downgrade.validity;
    if (validity === null) return 'NULL::timestamptz';
    return this.localMidnight(this.shiftDate(this.localDate(instant), validity, 1));
  }

  /** The expiry after an extension from `expiry`: by retention.extend, or the validity without retention. */
  extendedExpiry(expiry: string): string {
    const extend = extensionLength(this.rules);
    if (extend === null) throw new Error('extendedExpiry without validity');
    return this.localMidnight(this.shiftDate(this.localDate(expiry), extend, 1));
  }

  /**
   * W(m, t) of §3.2 for a member whose anchor is `anchor` (since_last_upgrade; every window under
   * restartOnMove), for `w` (default upgrade.window). `floor`, when given, is a further lower
   * bound (the last fall, for moving up: the model's upwardRef).
   */
  window(t: string, anchor: string, w: RuleWindow = this.rules.window, floor?: string): Window {
    const base = this.baseWindow(t, anchor, w);
    // GREATEST ignores NULLs: no anchor (or floor) leaves the window's own bound.
    const raise = (from: string | null, by: string): string => (from === null ? by : `GREATEST(${from}, ${by})`);
    const from = floor === undefined ? base.from : raise(base.from, floor);
    return { from: this.rules.restartOnMove ? raise(from, anchor) : from, to: base.to };
  }

  /**
   * The lower bound moving up adds to every window (decision 3 of docs/semantics.md): the last
   * fall (`fellCol`), except in mode recompute, which never falls and holds on every order.
   */
  upwardFloor(fellCol: string): string | undefined {
    return this.rules.downgrade.mode === 'recompute' ? undefined : fellCol;
  }

  private baseWindow(t: string, anchor: string, w: RuleWindow): Window {
    switch (w.kind) {
      case 'lifetime':
        return { from: null, to: t };
      case 'since_last_upgrade':
        return { from: anchor, to: t };
      case 'rolling':
        return { from: this.localMidnight(this.shiftDate(this.localDate(t), w.length, -1)), to: t };
      case 'fixed': {
        const end = this.localMidnight(`${this.p.add(w.to, '::date')} + 1`);
        return { from: this.localMidnight(this.p.add(w.from, '::date')), to: `LEAST(${end}, ${t})` };
      }
    }
  }

  /** The distinct windows of the tiers' thresholds (v1.1 tier windows), lowest tier's first. */
  get windows(): RuleWindow[] {
    return [...new Set(this.rules.tiers.map((tier) => tier.window))];
  }

  private windowIndex(tier: TierRule): number {
    return this.windows.indexOf(tier.window);
  }

  /**
   * The part of every W(m, t) all members share: orders outside it never count at t. A window
   * bounded by the member's anchor has no shared lower bound.
   */
  sharedWindow(t: string): Window {
    // Decided on the kinds first: a bound built and left unused would be an untyped parameter.
    if (this.windows.some((w) => w.kind === 'lifetime' || w.kind === 'since_last_upgrade')) return { from: null, to: t };
    const bounds = this.windows.map((w) => this.baseWindow(t, 'NULL', w));
    if (bounds.length === 1) return bounds[0]!;
    return { from: `LEAST(${bounds.map((w) => w.from).join(', ')})`, to: `GREATEST(${bounds.map((w) => w.to).join(', ')})` };
  }

  /** Columns `<p><i>_from`, `<p><i>_to`: each tier window's bounds at `t` for anchor `anchor` (and `floor`). */
  windowColumns(p: string, t: string, anchor: string, floor?: string): string {
    return this.windows
      .map((w, i) => {
        const b = this.window(t, anchor, w, floor);
        return `${b.from ?? 'NULL::timestamptz'} AS ${p}${i}_from, ${b.to} AS ${p}${i}_to`;
      })
      .join(', ');
  }

  /**
   * Aggregates `<p><i>_amt`, `<p><i>_cnt` over orders `o` inside `m.<windowPrefix><i>_from/_to`:
   * the amount by `basis` over the orders that also pass `amountFilter`, the count over all of
   * them. `joinedWithin`: the orders were joined with withinWindows(windowPrefix).
   */
  measureColumns(p: string, amountFilter: string, basis: Basis = this.rules.basis, windowPrefix = p, joinedWithin = false): string {
    return this.windows
      .map((_, i) => {
        // A join on withinWindows(windowPrefix) with one window keeps only its orders already.
        const inside = joinedWithin && this.windows.length === 1 ? 'TRUE' : this.inWindow(`m.${windowPrefix}${i}_from`, `m.${windowPrefix}${i}_to`);
        const filter = [inside, amountFilter].filter((f) => f !== 'TRUE').join(' AND ') || 'TRUE';
        const count = inside === 'TRUE' ? 'count(o.member_id)' : `count(o.member_id) FILTER (WHERE ${inside})`;
        return `${this.amountAggregateBy(basis, filter)} AS ${p}${i}_amt, ${count} AS ${p}${i}_cnt`;
      })
      .join(', ');
  }

  /**
   * Every W(m, t) is the same for all members (no window bounded by the member's anchor): the
   * orders can then be grouped per member before they meet the members, which reads each order
   * once, in index order, instead of joining members to all their window's orders first.
   */
  get sharedWindows(): boolean {
    return !this.rules.restartOnMove && this.windows.every((w) => w.kind !== 'since_last_upgrade');
  }

  /**
   * As measureColumns, for sharedWindows rules: aggregates `<p><i>_amt`, `<p><i>_cnt` over orders
   * `o` read through eligibleOrders(…, sharedWindow(t)), the window bounds written as expressions
   * of `t` rather than member columns.
   */
  sharedMeasureColumns(p: string, t: string, amountFilter: string, basis: Basis = this.rules.basis): string {
    const single = this.windows.length === 1;
    return this.windows
      .map((w, i) => {
        // One window is the shared window itself: eligibleOrders already kept only its orders.
        const b = single ? null : this.baseWindow(t, 'NULL', w);
        const inside = b === null ? 'TRUE' : b.from === null ? `o.paid_at < ${b.to}` : `(o.paid_at < ${b.to} AND o.paid_at >= ${b.from})`;
        const filter = [inside, amountFilter].filter((f) => f !== 'TRUE').join(' AND ') || 'TRUE';
        const count = inside === 'TRUE' ? 'count(*)' : `count(*) FILTER (WHERE ${inside})`;
        return `${this.amountAggregateBy(basis, filter)} AS ${p}${i}_amt, ${count} AS ${p}${i}_cnt`;
      })
      .join(', ');
  }

  /** The columns `<p><i>_amt/_cnt` of a left-joined pre-aggregate `src`, 0 for a member without orders. */
  sharedMeasureValues(p: string, src: string): string {
    return this.windows.map((_, i) => `COALESCE(${src}.${p}${i}_amt, 0) AS ${p}${i}_amt, COALESCE(${src}.${p}${i}_cnt, 0) AS ${p}${i}_cnt`).join(', ');
  }

  /** A join condition on orders `o`: inside the member's window when every tier shares one (`m.<p>0_…`). */
  withinWindows(p: string): string {
    return this.windows.length === 1 ? this.inWindow(`m.${p}0_from`, `m.${p}0_to`) : 'TRUE';
  }

  /** qualified(m) over the measures `<src>.<p><i>_amt/_cnt`; `atMost` as for qualifiedRank. */
  qualifiedRankOf(src: string, p: string, atMost?: string): string {
    return this.qualifiedRank(
      (tier) => `${src}.${p}${this.windowIndex(tier)}_amt`,
      (tier) => `${src}.${p}${this.windowIndex(tier)}_cnt`,
      atMost,
    );
  }

  /** The bound (`from` or `to`) of the window of the tier of rank `rankExpr`, from columns `<src>.<p><i>_…`. */
  windowBoundOfRank(rankExpr: string, src: string, p: string, bound: 'from' | 'to'): string {
    if (this.windows.length === 1) return `${src}.${p}0_${bound}`;
    const branches = this.rules.tiers.map((tier) => `WHEN ${tier.rank} THEN ${src}.${p}${this.windowIndex(tier)}_${bound}`);
    return `(CASE ${rankExpr} ${branches.join(' ')} END)`;
  }

  /**
   * The eligible orders of §3.1 with net > 0, as a subquery of (merchant_id, member_id, order_id,
   * paid_at, consumed, net). Join it on merchant_id and member_id (see src/engine/moves.ts). `memberFilter` restricts it to the members of a batch.
   */
  eligibleOrders(merchant: string, memberFilter: string, bounds?: Window): string {
    const parts = [`o.merchant_id = ${merchant}`, `o.status = 'paid'`, `o.amount_minor > o.refunded_minor`];
    // Bounds every member shares, so the scan reads only the window's orders.
    if (bounds?.from) parts.push(`o.paid_at >= ${bounds.from}`);
    if (bounds) parts.push(`o.paid_at < ${bounds.to}`);
    if (this.rules.activeFrom !== null) {
      parts.push(`o.paid_at >= ${this.localMidnight(this.p.add(this.rules.activeFrom, '::date'))}`);
    }
    if (this.rules.exclude.size > 0) parts.push(`NOT (o.tags && ${this.p.add([...this.rules.exclude], '::text[]')})`);
    if (memberFilter) parts.push(memberFilter.replaceAll('{m}', 'o.member_id'));
    return `(SELECT o.merchant_id, o.member_id, o.order_id, o.paid_at, o.consumed, o.amount_minor - o.refunded_minor AS net
      FROM orders o WHERE ${parts.join(' AND ')})`;
  }

  /** `o.paid_at` inside the window whose bounds are the columns `fromCol`/`toCol`. */
  inWindow(fromCol: string, toCol: string, o = 'o'): string {
    return `(${o}.paid_at < ${toCol} AND (${fromCol} IS NULL OR ${o}.paid_at >= ${fromCol}))`;
  }

  /** The rank of a stored tier id under these rules: −1 for basic and for ids the version lacks. */
  rankOf(tierCol: string): string {
    return `COALESCE(array_position(${this.ids}, ${tierCol}) - 1, -1)`;
  }

  /** The tier id of a rank (NULL for −1). */
  idOf(rankExpr: string): string {
    return `(${this.ids})[(${rankExpr}) + 1]`;
  }

  /** Whether a stored tier id names a tier of this version that is enabled. */
  heldTierEnabled(tierCol: string): string {
    const enabled = this.rules.tiers.filter((t) => t.enabled).map((t) => t.id);
    return `(${tierCol} = ANY(${this.p.add(enabled, '::text[]')}))`;
  }

  /**
   * qualified(m): the rank of the highest enabled tier whose threshold its measures meet, else
   * −1. `atMost` (SQL) restricts it to ranks ≤ atMost (the sequential fall; holding).
   */
  qualifiedRank(amount: (tier: TierRule) => string, count: (tier: TierRule) => string, atMost?: string): string {
    const branches: string[] = [];
    for (const tier of [...this.rules.tiers].reverse()) {
      if (!tier.enabled) continue;
      const conds = this.meets(tier.threshold, amount(tier), count(tier));
      if (atMost !== undefined) conds.unshift(`${tier.rank} <= ${atMost}`);
      branches.push(`WHEN ${conds.length ? conds.join(' AND ') : 'TRUE'} THEN ${tier.rank}`);
    }
    return branches.length ? `(CASE ${branches.join(' ')} ELSE -1 END)` : '-1';
  }

  /** The rank of the highest enabled tier ranked at most `rankExpr`, else −1. */
  enabledRankAtMost(rankExpr: string): string {
    const branches = [...this.rules.tiers].reverse().filter((t) => t.enabled).map((t) => `WHEN ${t.rank} <= ${rankExpr} THEN ${t.rank}`);
    return branches.length ? `(CASE ${branches.join(' ')} ELSE -1 END)` : '-1';
  }

  /** Whether the extension standard (§3.3 step 3) of the enabled tier of rank `rankExpr` is met. */
  extensionMet(rankExpr: string, amount: string, count: string): string {
    const branches: string[] = [];
    for (const tier of this.rules.tiers) {
      if (!tier.enabled) continue;
      const conds = this.meets(extensionStandard(this.rules, tier), amount, count);
      branches.push(`WHEN ${tier.rank} THEN ${conds.length ? conds.join(' AND ') : 'TRUE'}`);
    }
    return branches.length ? `(CASE ${rankExpr} ${branches.join(' ')} ELSE FALSE END)` : 'FALSE';
  }

  /**
   * The rank of a stored tier id for deciding up or down (rules' heldRank): −1 for basic, the
   * tier's rank, and a rank above every tier for an id the version no longer defines.
   */
  heldRank(tierCol: string): string {
    return `(CASE WHEN ${tierCol} IS NULL THEN -1 ELSE COALESCE(array_position(${this.ids}, ${tierCol}) - 1, ${HIGHEST}) END)`;
  }

  /** The amount threshold of the tier of rank `rankExpr` (NULL when unset). */
  thresholdAmount(rankExpr: string): string {
    return `(${this.p.add(this.rules.tiers.map((t) => t.threshold.amountMinor?.toString() ?? null), '::bigint[]')})[(${rankExpr}) + 1]`;
  }

  /** Points of the upgrade_points benefit of the tier of rank `rankExpr` (NULL when none). */
  upgradePoints(rankExpr: string): string {
    return `(${this.p.add(this.rules.tiers.map((t) => t.upgradePoints), '::int[]')})[(${rankExpr}) + 1]`;
  }

  /** Ids of tiers that carry a birthday_discount benefit and are enabled. */
  birthdayTiers(): string {
    const ids = this.rules.tiers.filter((t) => t.enabled && t.birthdayDiscount).map((t) => t.id);
    return this.p.add(ids, '::text[]');
  }

  /** The amount measure of a set of orders by `basis`: sum (accumulated) or max (single_order). */
  amountAggregateBy(basis: Basis, filter: string): string {
    return `COALESCE(${basis === 'accumulated' ? 'sum' : 'max'}(o.net) FILTER (WHERE ${filter}), 0)`;
  }

  private meets(standard: { amountMinor: bigint | null; orders: number | null }, amount: string, count: string): string[] {
    const conds: string[] = [];
    if (standard.amountMinor !== null) conds.push(`${amount} >= ${this.p.add(standard.amountMinor.toString(), '::bigint')}`);
    if (standard.orders !== null) conds.push(`${count} >= ${this.p.add(standard.orders, '::int')}`);
    return conds;
  }
}
