/**
 * Entitlements (SPEC §3.6): the continuous benefits a member has while at a tier, read from the
 * ACTIVE version, so an edit of a benefit reaches every member as soon as the version is active.
 * Grants (points, birthday discounts) are one-time and live in the ledger instead.
 */
import type { MembershipProgram } from '../generated/types.js';
import { formatMoney, parseMoney } from '../model/money.js';

/** Benefit types that are entitlements on a tier; the others are granted once. */
export const CONTINUOUS_TIER_BENEFITS: ReadonlySet<string> = new Set([
  'discount',
  'cash_voucher',
  'free_shipping',
  'exclusive_products',
  'prepayment_ratio',
  'free_samples',
  'custom',
]);

/** Every sales channel, the default of a benefit without `channels`. */
export const ALL_CHANNELS = ['online_store', 'app', 'pos', 'kiosk'] as const;

const MONEY_FIELDS = new Set(['amountOff', 'minSpend']);

/**
 * One entitlement: the benefit's own fields (amounts as major-unit decimal strings with the
 * currency's minor digits, plus `currency`), `channels` always spelled out, and where it comes
 * from (`tier`, or `plan` for paid plans).
 */
export type Entitlement = { type: string; channels: string[] } & Record<string, unknown>;

/**
 * The entitlements of `tier` under `document`: none unless the program type is levels and the
 * program is enabled (SPEC §3.4), and none for a tier the version disables or no longer defines.
 */
export function tierEntitlements(document: MembershipProgram | null, tier: string | null): Entitlement[] {
  if (!document || tier === null) return [];
  const spec = document.spec;
  if ((spec.type ?? 'levels') !== 'levels' || spec.enabled === false) return [];
  const definition = spec.levels?.tiers.find((t) => t.id === tier);
  if (!definition || definition.enabled === false) return [];
  const currency = document.metadata.currency;
  return (definition.benefits ?? [])
    .filter((b) => CONTINUOUS_TIER_BENEFITS.has(b.type))
    .map((b) => entitlementOf(b as unknown as Record<string, unknown>, currency, { tier }));
}

/** A benefit as an entitlement; `source` is `{ tier }` or `{ plan }`. */
export function entitlementOf(benefit: Record<string, unknown>, currency: string, source: Record<string, string>): Entitlement {
  const out: Record<string, unknown> = { type: benefit.type };
  let hasMoney = false;
  for (const [key, value] of Object.entries(benefit)) {
    if (key === 'type' || key === 'channels' || key === 'grant') continue;
    if (MONEY_FIELDS.has(key)) {
      out[key] = majorUnits(value, currency);
      hasMoney = true;
    } else {
      out[key] = value;
    }
  }
  if (hasMoney) out.currency = currency;
  const channels = Array.isArray(benefit.channels) ? (benefit.channels as string[]) : [...ALL_CHANNELS];
  out.channels = ALL_CHANNELS.filter((c) => channels.includes(c));
  Object.assign(out, source);
  return out as Entitlement;
}

function majorUnits(value: unknown, currency: string): unknown {
  const money = parseMoney(value, currency);
  return money.ok ? formatMoney(money.minor, currency) : value;
}
