/**
 * `members explain --format json`: the explanation (src/rules/explain.ts) as plain JSON for
 * support tools — amounts as decimal strings in major units, instants in UTC and in the
 * merchant's zone, and a one-line `summary` wherever a person reads a conclusion. The text
 * output renders this same view, so the two never say different things.
 */
import { formatMoney } from '../model/money.js';
import { formatCount } from '../model/display.js';
import { formatDuration } from '../model/duration.js';
import { formatInZone } from '../model/zonedInstant.js';
import { localDateOf } from '../model/localDate.js';
import type { Explanation, Missing } from '../rules/explain.js';
import type { Window } from '../rules/program.js';
import type { EntryLeftOutReason, LeftOutReason, LowerBound } from '../rules/explainOrders.js';
import type { LiveVersion } from '../plan/types.js';
import type { JudgedBy } from './explainRead.js';

export interface ExplainContext {
  merchant: string;
  name: string | null;
  currency: string;
  timezone: string;
  judge: { version: LiveVersion; why: JudgedBy };
  latestRunAt: Date | null;
  /** Tier names of the judging version, by id. */
  tierNames: Record<string, string>;
}

interface Zoned {
  at: string;
  local: string;
}

/** A threshold, figures or gap: spend and orders, or under basis points (only then is the key there) points earned. */
export interface Measure {
  amount: string | null;
  orders: number | null;
  points?: number | null;
}

function measureView(minor: bigint | null, orders: number | null, currency: string, byPoints: boolean): Measure {
  if (!byPoints) return { amount: amountOrNull(minor, currency), orders };
  return { amount: null, orders: null, points: minor === null ? null : Number(minor) };
}

const amountOrNull = (minor: bigint | null, currency: string): string | null => (minor === null ? null : formatMoney(minor, currency));

/** Money for people: `2,070.50 USD`. */
export function moneyForPeople(minor: bigint, currency: string): string {
  return decimalForPeople(formatMoney(minor, currency), currency);
}

/** A decimal string in major units (`2070.50`) for people: `2,070.50 USD`. */
export function decimalForPeople(decimal: string, currency: string): string {
  const [whole, fraction] = decimal.split('.');
  const grouped = formatCount(BigInt(whole!));
  return `${fraction === undefined ? grouped : `${grouped}.${fraction}`} ${currency}`;
}

export function windowLabel(w: Window): string {
  switch (w.kind) {
    case 'lifetime':
      return 'lifetime';
    case 'since_last_upgrade':
      return 'since the last move';
    case 'rolling':
      return `rolling ${formatDuration(w.length)}`;
    case 'fixed':
      return `fixed ${w.from} to ${w.to}`;
  }
}

const BOUND: Record<LowerBound, string> = {
  none: 'no lower bound: every order ever paid',
  window: 'where the window starts',
  activeFrom: 'activeFrom: orders paid before it never count',
  last_move: "the member's last move (anchorAt)",
  restart: 'restartOnMove: spend counts from 0 after the last move (anchorAt)',
  fall: 'since the fall: orders paid before it no longer count for moving up',
};

/** The lower bound's reason for people; a fall names its local date. */
function boundWhy(bound: LowerBound, fellAt: Date | null, timezone: string): string {
  if (bound !== 'fall' || fellAt === null) return BOUND[bound];
  return `since the fall on ${localDateOf(fellAt, timezone)}: orders paid before it no longer count for moving up`;
}

export const REASON_TEXT: Record<LeftOutReason, string> = {
  cancelled: 'cancelled',
  refunded: 'refunded (net 0)',
  excluded_tag: 'excluded tag',
  before_active_from: 'paid before activeFrom',
  before_fall: 'paid before the fall: no longer counts for moving up (where a fall at expiry lands still measures it)',
  outside_window: 'outside the window',
  consumed: 'already triggered an upgrade (counts as an order, not for the amount of a move up)',
};

export const ENTRY_REASON_TEXT: Record<EntryLeftOutReason, string> = {
  redemption: 'redemption: never lowers or adds to the points earned',
  before_active_from: 'earned before activeFrom',
  before_fall: 'earned before the fall: no longer counts for moving up (where a fall at expiry lands still measures it)',
  outside_window: 'outside the window',
};

/** Points for people: `1,200 points`. */
export function pointsForPeople(n: bigint | number): string {
  return `${formatCount(BigInt(n))} point${BigInt(n) === 1n ? '' : 's'}`;
}

/** What is missing; under basis points the amount is points earned (v1.1 §3.2). */
export function missingText(m: Missing, currency: string, singleOrder: boolean, byPoints = false): string {
  const parts: string[] = [];
  if (m.amountMinor !== null && byPoints) parts.push(`earn ${pointsForPeople(m.amountMinor)} more`);
  else if (m.amountMinor !== null) {
    parts.push(singleOrder ? `an order ${moneyForPeople(m.amountMinor, currency)} larger than the largest so far` : `spend ${moneyForPeople(m.amountMinor, currency)} more`);
  }
  if (m.orders !== null) parts.push(`${formatCount(m.orders)} more order${m.orders === 1 ? '' : 's'}`);
  return parts.join(' and ');
}

export function buildExplainView(e: Explanation, c: ExplainContext) {
  const { currency, timezone } = c;
  const zoned = (d: Date): Zoned => ({ at: d.toISOString(), local: formatInZone(d, timezone) });
  const zonedOrNull = (d: Date | null): Zoned | null => (d === null ? null : zoned(d));
  const single = e.basis === 'single_order';
  // Under basis points every measure and threshold is points earned (v1.1 §3.2).
  const byPoints = e.basis === 'points';
  const measure = (minor: bigint | null, orders: number | null): Measure => measureView(minor, orders, currency, byPoints);
  const name = (id: string | null): string => (id === null ? 'basic' : id);
  const s = e.state;
  const verdictSummary = verdictText(e, name, timezone);
  const last = s.history.at(-1);
  const lastManual = last?.reason === 'manual' ? last : undefined;
  return {
    merchant: c.merchant,
    member: s.memberId,
    name: c.name,
    now: zoned(e.t),
    timezone,
    currency,
    version: { number: e.version, status: c.judge.version.status, judgedBy: c.judge.why },
    programActive: e.active,
    latestEvaluation: zonedOrNull(c.latestRunAt),
    // An evaluation at an instant before the latest one is refused (engine.clock-backwards).
    beforeLatestEvaluation: c.latestRunAt !== null && e.t < c.latestRunAt,
    standing: {
      tier: s.tier,
      tierSince: zonedOrNull(s.tierSince),
      anchorAt: zonedOrNull(s.anchorAt),
      expiresAt: zonedOrNull(s.expiresAt),
      evidenceAt: zonedOrNull(s.evidenceAt),
      // After a fall (at expiry or by hand), orders paid before it never move the member up again.
      fellAt: zonedOrNull(s.fellAt),
      // The pin in force at --now (§3.10), and the latest move when it was made by hand.
      pinnedUntil: s.pinnedUntil !== null && e.t < s.pinnedUntil ? zoned(s.pinnedUntil) : null,
      setByHand: lastManual === undefined ? null : { at: zoned(lastManual.at), tier: lastManual.to },
    },
    basis: e.basis,
    windows: e.windows.map((w) => ({
      tiers: w.tiers,
      kind: w.window.kind,
      label: windowLabel(w.window),
      from: zonedOrNull(w.interval.from),
      to: zoned(w.interval.to),
      lowerBound: w.lowerBound,
      why: boundWhy(w.lowerBound, s.fellAt, timezone),
    })),
    orders: e.orders.map((o) => ({
      order: o.order.id,
      paidAt: zoned(o.order.paidAt),
      status: o.order.status,
      amount: formatMoney(o.order.amountMinor, currency),
      refunded: formatMoney(o.order.refundedMinor, currency),
      net: formatMoney(o.net, currency),
      tags: o.order.tags,
      counts: o.reason === null,
      amountIn: o.amountIn,
      ordersIn: o.ordersIn,
      reason: o.reason,
      ...(o.tag !== undefined ? { tag: o.tag } : {}),
    })),
    // Under basis points the evidence is the ledger (orders is then empty); null otherwise.
    entries:
      e.entries === null
        ? null
        : e.entries.map((x) => ({
            entry: x.entry.id,
            at: zoned(x.entry.at),
            points: x.entry.points,
            counts: x.reason === null,
            countsIn: x.countsIn,
            reason: x.reason,
          })),
    tiers: e.tiers.map((f) => ({
      tier: f.tier.id,
      name: c.tierNames[f.tier.id] ?? null,
      rank: f.tier.rank,
      enabled: f.tier.enabled,
      window: f.window,
      threshold: measure(f.tier.threshold.amountMinor, f.tier.threshold.orders),
      figures: measure(f.amountMinor, f.orders),
      met: f.met,
      missing: measure(f.missing.amountMinor, f.missing.orders),
    })),
    verdict: {
      kind: e.verdict.kind,
      tier: e.verdict.tier,
      moves: e.verdict.steps.map((h) => ({ from: h.from, to: h.to, reason: h.reason })),
      summary: verdictSummary,
    },
    next:
      e.next === null
        ? null
        : {
            tier: e.next.tier.id,
            figures: measure(e.next.amountMinor, e.next.orders),
            missing: measure(e.next.missing.amountMinor, e.next.missing.orders),
            by: e.next.by,
            summary: nextText(e, currency, single, byPoints),
          },
    expiry: e.expiry === null ? null : expiryView(e, c, zoned),
    pending:
      e.pending === null
        ? null
        : {
            version: e.pending.version,
            at: zoned(e.pending.at),
            existingMembers: e.pending.existingMembers,
            from: e.pending.from,
            to: e.pending.to,
            summary:
              e.pending.from === e.pending.to
                ? `version ${e.pending.version}, taking effect ${formatInZone(e.pending.at, timezone)}, keeps them at ${name(e.pending.to)}`
                : `version ${e.pending.version}, taking effect ${formatInZone(e.pending.at, timezone)}, moves them from ${name(e.pending.from)} to ${name(e.pending.to)}`,
          },
    history: s.history.map((h) => ({ from: h.from, to: h.to, at: zoned(h.at), reason: h.reason, version: h.version })),
  };
}

export type ExplainView = ReturnType<typeof buildExplainView>;

function verdictText(e: Explanation, name: (id: string | null) => string, timezone: string): string {
  if (e.verdict.kind === 'inactive') return 'none: the program is not active (type paid, or disabled), so no evaluation moves anyone';
  if (e.verdict.kind === 'pinned') return `stays at ${name(e.state.tier)}, pinned by hand until ${formatInZone(e.state.pinnedUntil!, timezone)}: no evaluation moves them before then`;
  if (e.verdict.kind === 'stay') return `would stay at ${name(e.state.tier)}`;
  return e.verdict.steps
    .map((h) => {
      switch (h.reason) {
        case 'upgrade':
          return `would move up to ${name(h.to)}`;
        case 'extend':
          return `would be extended at ${name(h.to)}`;
        case 'expire':
          return `would fall at expiry to ${name(h.to)}`;
        case 'requalify':
          return `would move down to ${name(h.to)} (no longer meets ${name(h.from)})`;
        case 'refund':
          return `would be demoted to ${name(h.to)} by a refund`;
        default:
          return `would move to ${name(h.to)} (${h.reason})`;
      }
    })
    .join(', then ');
}

function nextText(e: Explanation, currency: string, single: boolean, byPoints: boolean): string {
  const n = e.next!;
  const missing = missingText(n.missing, currency, single, byPoints);
  if (missing === '') return `${n.tier.id}: already met; ${e.verdict.kind === 'pinned' ? 'the first evaluation after the pin moves them' : 'the next evaluation moves them'}`;
  return `${n.tier.id}: ${missing}${n.by !== null ? ` by ${n.by}` : ''}`;
}

function expiryView(e: Explanation, c: ExplainContext, zoned: (d: Date) => Zoned) {
  const x = e.expiry!;
  const { currency } = c;
  const byPoints = x.basis === 'points';
  const missing = missingText(x.missing, currency, x.basis === 'single_order', byPoints);
  const measure = (minor: bigint | null, orders: number | null): Measure => measureView(minor, orders, currency, byPoints);
  const fall = x.fallsTo === null ? 'basic' : x.fallsTo;
  const summary =
    x.standard === null
      ? `${x.tier} cannot be extended (disabled or removed); at expiry they fall to ${fall}`
      : x.met
        ? `extension standard met: at expiry ${x.tier} is extended to ${x.extendedTo === null ? '?' : formatInZone(x.extendedTo, c.timezone)}`
        : `to be extended: ${missing} by ${x.lastDay}; otherwise, with the ${byPoints ? 'points earned' : 'orders'} as they stand, they fall to ${fall}`;
  return {
    tier: x.tier,
    expiresAt: zoned(x.expiresAt),
    lastDay: x.lastDay,
    standard: x.standard === null ? null : measure(x.standard.amountMinor, x.standard.orders),
    source: x.source,
    basis: x.basis,
    period: { from: x.period.from === null ? null : zoned(x.period.from), to: zoned(x.period.to) },
    figures: measure(x.amountMinor, x.orders),
    met: x.met,
    missing: measure(x.missing.amountMinor, x.missing.orders),
    extendedTo: x.extendedTo === null ? null : zoned(x.extendedTo),
    fallsTo: x.fallsTo,
    summary,
  };
}
