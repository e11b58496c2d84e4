/**
 * The level rules of one program version, normalized for the reference model (SPEC §1.1, §3):
 * every default filled in, amounts in minor units, tiers in rank order.
 */
import { parseMoney } from '../model/money.js';
import { parseDuration, type Duration } from '../model/duration.js';
import { isLocalDate, parseLocalDate, type LocalDate } from '../model/localDate.js';

/**
 * How a member is measured (§3.2): the sum or the largest of their eligible orders, or (v1.1)
 * the points they earned. Under `points` the measure's evidence is the points ledger, not orders
 * (see evidenceFor in orders.ts), and every "amount" below is a number of points.
 */
export type Basis = 'accumulated' | 'single_order' | 'points';

export type Window =
  | { kind: 'lifetime' }
  | { kind: 'since_last_upgrade' }
  | { kind: 'rolling'; length: Duration }
  | { kind: 'fixed'; from: LocalDate; to: LocalDate };

export type DowngradeMode = 'never' | 'validity' | 'recompute';
export type RefundsMode = 'recalculate' | 'ignore';
export type ExistingMembers = 'recalculate' | 'upgrade_only' | 'keep';

/** A threshold or a retention standard: a measure left unset is not required. */
export interface Standard {
  /** The basis measure's target: spend in minor units, or points under basis points. */
  amountMinor: bigint | null;
  orders: number | null;
}

export interface TierRule {
  id: string;
  /** 0 for the lowest tier; the position in `levels.tiers`. */
  rank: number;
  enabled: boolean;
  threshold: Standard;
  retain: Standard | null;
  /** The window of this tier's threshold: its own `window` (v1.1), else `upgrade.window`. */
  window: Window;
  /** Points of the tier's `upgrade_points` benefit, null without one. */
  upgradePoints: number | null;
  /** Whether the tier carries a `birthday_discount` benefit. */
  birthdayDiscount: boolean;
}

export interface LevelRules {
  timezone: string;
  /** `spec.type` is levels and `spec.enabled` is true: evaluation runs only then (§3.4). */
  active: boolean;
  activeFrom: LocalDate | null;
  basis: Basis;
  /** v1.1: every window's lower bound is at least the member's anchorAt (spend counts from 0 after a move). */
  restartOnMove: boolean;
  window: Window;
  exclude: ReadonlySet<string>;
  downgrade: {
    mode: DowngradeMode;
    /** Set iff mode is validity. */
    validity: Duration | null;
    /** Retention extension; only with mode validity. */
    extend: Duration | null;
    /** v1.1: how the extension standard measures the validity period (default: the upgrade basis). */
    retentionBasis: Basis;
  };
  refunds: RefundsMode;
  existingMembers: ExistingMembers;
  /** Lowest first; `tiers[i].rank === i`. */
  tiers: readonly TierRule[];
}

/**
 * The parts of a MembershipProgram document the level rules read. Written loosely so that the
 * generated `MembershipProgram` type is assignable to it; compileRules checks what it reads.
 */
export interface ProgramDocument {
  metadata: { timezone: string; currency: string };
  spec: {
    type?: string;
    enabled?: boolean;
    effective?: { existingMembers?: string };
    levels?: LevelsSection;
  };
}

export interface LevelsSection {
  activeFrom?: string;
  upgrade?: { basis?: string; restartOnMove?: boolean; window?: unknown; exclude?: string[] };
  downgrade?: { mode?: string; validity?: unknown; retention?: { extend?: unknown; basis?: string } };
  refunds?: string;
  tiers: TierSection[];
}

export interface TierSection {
  id: string;
  enabled?: boolean;
  threshold?: StandardSection;
  window?: unknown;
  retain?: StandardSection;
  benefits?: { type: string; points?: unknown }[];
}

export interface StandardSection {
  amount?: unknown;
  orders?: unknown;
  points?: unknown;
}

/** compileRules was given a document that validation would refuse. */
export class RulesError extends Error {
  override name = 'RulesError';
}

export function compileRules(doc: ProgramDocument): LevelRules {
  const { timezone, currency } = doc.metadata;
  const spec = doc.spec;
  const levels = spec.levels;
  const type = spec.type ?? 'levels';
  if (type === 'levels' && levels === undefined) throw new RulesError('type levels without a levels section');
  const activeFrom = levels?.activeFrom ?? null;
  if (activeFrom !== null && !isLocalDate(activeFrom)) throw new RulesError(`activeFrom ${activeFrom} is not a date`);
  const mode = oneOf(levels?.downgrade?.mode ?? 'never', ['never', 'validity', 'recompute'] as const, 'downgrade.mode');
  const validity = levels?.downgrade?.validity === undefined ? null : duration(levels.downgrade.validity, 'validity');
  if (mode === 'validity' && validity === null) throw new RulesError('downgrade mode validity without validity');
  const extendValue = levels?.downgrade?.retention?.extend;
  const basis = oneOf(levels?.upgrade?.basis ?? 'accumulated', ['accumulated', 'single_order', 'points'] as const, 'basis');
  const window = compileWindow(levels?.upgrade?.window ?? 'lifetime');
  return {
    timezone,
    active: type === 'levels' && spec.enabled !== false,
    activeFrom,
    basis,
    restartOnMove: levels?.upgrade?.restartOnMove === true,
    window,
    exclude: new Set(levels?.upgrade?.exclude ?? []),
    downgrade: {
      mode,
      validity: mode === 'validity' ? validity : null,
      extend: mode === 'validity' && extendValue !== undefined ? duration(extendValue, 'retention.extend') : null,
      retentionBasis: retentionBasis(levels?.downgrade?.retention?.basis, basis),
    },
    refunds: oneOf(levels?.refunds ?? 'recalculate', ['recalculate', 'ignore'] as const, 'refunds'),
    existingMembers: oneOf(
      spec.effective?.existingMembers ?? 'recalculate',
      ['recalculate', 'upgrade_only', 'keep'] as const,
      'existingMembers',
    ),
    tiers: (levels?.tiers ?? []).map((tier, rank) => compileTier(tier, rank, currency, window, basis)),
  };
}

/** The retention basis: as set, else the upgrade basis; under points only points (rules.points-basis). */
function retentionBasis(value: string | undefined, basis: Basis): Basis {
  if (basis === 'points') {
    if (value !== undefined) throw new RulesError('retention.basis with upgrade basis points');
    return 'points';
  }
  return oneOf(value ?? basis, ['accumulated', 'single_order'] as const, 'retention.basis');
}

function compileTier(tier: TierSection, rank: number, currency: string, window: Window, basis: Basis): TierRule {
  const benefits = tier.benefits ?? [];
  const points = benefits.find((b) => b.type === 'upgrade_points')?.points;
  return {
    id: tier.id,
    rank,
    enabled: tier.enabled !== false,
    threshold: standard(tier.threshold ?? {}, currency, `${tier.id}.threshold`, basis),
    retain: tier.retain === undefined ? null : standard(tier.retain, currency, `${tier.id}.retain`, basis),
    window: tier.window === undefined ? window : compileWindow(tier.window),
    upgradePoints: typeof points === 'number' ? points : null,
    birthdayDiscount: benefits.some((b) => b.type === 'birthday_discount'),
  };
}

function standard(value: StandardSection, currency: string, where: string, basis: Basis): Standard {
  if (basis === 'points') return pointsStandard(value, where);
  if (value.points !== undefined) throw new RulesError(`${where}.points without upgrade basis points`);
  let amountMinor: bigint | null = null;
  if (value.amount !== undefined) {
    const money = parseMoney(value.amount, currency);
    if (!money.ok) throw new RulesError(`${where}.amount: ${money.message}`);
    amountMinor = money.minor;
  }
  const orders = value.orders;
  if (orders !== undefined && (typeof orders !== 'number' || !Number.isSafeInteger(orders) || orders < 0)) {
    throw new RulesError(`${where}.orders must be a non-negative integer`);
  }
  return { amountMinor, orders: orders ?? null };
}

/** Under basis points a standard sets points alone (rules.points-basis); they are its measure's target. */
function pointsStandard(value: StandardSection, where: string): Standard {
  if (value.amount !== undefined || value.orders !== undefined) throw new RulesError(`${where} sets amount or orders with upgrade basis points`);
  const points = value.points;
  if (points === undefined) return { amountMinor: null, orders: null };
  if (typeof points !== 'number' || !Number.isSafeInteger(points) || points < 0) throw new RulesError(`${where}.points must be a non-negative integer`);
  return { amountMinor: BigInt(points), orders: null };
}

function compileWindow(value: unknown): Window {
  if (value === 'lifetime' || value === 'since_last_upgrade') return { kind: value };
  if (typeof value === 'object' && value !== null) {
    const w = value as { rolling?: unknown; fixed?: { from?: unknown; to?: unknown } };
    if (w.rolling !== undefined) return { kind: 'rolling', length: duration(w.rolling, 'window.rolling') };
    if (w.fixed !== undefined) {
      const from = parseLocalDate(w.fixed.from);
      const to = parseLocalDate(w.fixed.to);
      if (from !== undefined && to !== undefined) return { kind: 'fixed', from, to };
    }
  }
  throw new RulesError(`window ${JSON.stringify(value)} is not lifetime, since_last_upgrade, rolling or fixed`);
}

function duration(value: unknown, where: string): Duration {
  const d = parseDuration(value);
  if (!d) throw new RulesError(`${where} is not a duration ({months: N} or {days: N})`);
  return d;
}

function oneOf<const T extends string>(value: string, allowed: readonly T[], where: string): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new RulesError(`${where}: ${value} is not one of ${allowed.join(', ')}`);
}

/** The tier with this id, or undefined when the version does not define it (removed). */
export function tierById(rules: LevelRules, id: string | null): TierRule | undefined {
  return id === null ? undefined : rules.tiers.find((t) => t.id === id);
}

/** Rank of a tier id under `rules`: −1 for basic and for an id the version no longer defines. */
export function rankOf(rules: LevelRules, id: string | null): number {
  return tierById(rules, id)?.rank ?? -1;
}

/**
 * §3.3 step 3: the standard a tier must meet in its validity period to be extended: its `retain`
 * when retention is configured, otherwise its own threshold.
 */
export function extensionStandard(rules: LevelRules, tier: TierRule): Standard {
  return rules.downgrade.extend !== null && tier.retain !== null ? tier.retain : tier.threshold;
}

/** How long an extension lasts: `retention.extend`, or the validity without retention. */
export function extensionLength(rules: LevelRules): Duration | null {
  return rules.downgrade.extend ?? rules.downgrade.validity;
}
