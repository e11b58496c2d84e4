/**
 * What a program exceeds under a subscription's caps (SPEC §4.6, a downgrade): the same judgement
 * `validate` makes (`caps.*`), applied to a stored program as if it declared that subscription.
 */
import { checkCaps } from '../document/rules/caps.js';

export interface OverCap {
  /** The cap exceeded: `caps.max-tiers`, `caps.max-paid-plans`, `caps.custom-rules` or `caps.levels-unsupported`. */
  code: string;
  message: string;
}

export function overCap(document: unknown, catalog: unknown, subscription: string): OverCap[] {
  if (typeof document !== 'object' || document === null) return [];
  const metadata = (document as { metadata?: unknown }).metadata;
  const judged = { ...document, metadata: { ...(typeof metadata === 'object' && metadata !== null ? metadata : {}), subscription } };
  // An unknown subscription is refused before this is asked; only the caps themselves count here.
  return checkCaps(judged, catalog)
    .filter((f) => f.code !== 'caps.subscription')
    .map((f) => ({ code: f.code, message: f.code === 'caps.max-tiers' ? `${f.message} (over the cap: ${tierIdsFrom(document, f.pointer).join(', ')})` : f.message }));
}

/** The ids of the tiers from the pointer's index on (`/spec/levels/tiers/<n>`): those a downgrade leaves over the cap. */
function tierIdsFrom(document: object, pointer: string): string[] {
  const from = Number(pointer.split('/').pop());
  const tiers = (document as { spec?: { levels?: { tiers?: unknown } } }).spec?.levels?.tiers;
  if (!Array.isArray(tiers) || !Number.isInteger(from)) return [];
  return tiers.slice(from).map((t: unknown) => String((t as { id?: unknown }).id));
}

/** Caps that only removing tiers can meet: the plan that meets them may empty tiers (docs/decisions.md). */
export function tiersOverCap(found: readonly OverCap[]): boolean {
  return found.some((c) => c.code === 'caps.max-tiers' || c.code === 'caps.levels-unsupported');
}

export function describeOverCap(found: readonly OverCap[]): string {
  return found.map((c) => `${c.code}: ${c.message}`).join('; ');
}
