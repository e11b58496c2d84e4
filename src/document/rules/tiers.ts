/** `tiers.order` and `tiers.duplicate-id`: tiers are ranked by position and must climb. */
import type { Finding } from '../diagnostics.js';
import { parseMoney } from '../../model/money.js';
import { showAmount } from './format.js';
import { arrayProp, entryName, isSet, prop, recordAt } from './read.js';
import { duplicateIds } from './ids.js';

interface Threshold {
  amount: bigint;
  orders: number;
  /** v1.1 basis points; rules.points-basis keeps it apart from amount and orders. */
  points: number;
}

/**
 * A tier's threshold with unset measures as 0, or undefined when a measure cannot be judged. Only
 * the measures of the upgrade basis are read (points under basis points, else amount and orders):
 * a measure of the other kind is rules.points-basis's to report, not an order to judge.
 */
function thresholdOf(tier: unknown, currency: string, byPoints: boolean): Threshold | undefined {
  const threshold = prop(tier, 'threshold');
  // A tier without a threshold is reported by the schema; ordering it would only add noise.
  if (threshold === null || typeof threshold !== 'object' || Array.isArray(threshold)) return undefined;
  let amount = 0n;
  let orders = 0;
  let points = 0;
  if (!byPoints && isSet(threshold, 'amount')) {
    const parsed = parseMoney(prop(threshold, 'amount'), currency);
    if (!parsed.ok) return undefined;
    amount = parsed.minor;
  }
  if (!byPoints && isSet(threshold, 'orders')) {
    const n = prop(threshold, 'orders');
    if (typeof n !== 'number' || !Number.isFinite(n)) return undefined;
    orders = n;
  }
  if (byPoints && isSet(threshold, 'points')) {
    const n = prop(threshold, 'points');
    if (typeof n !== 'number' || !Number.isFinite(n)) return undefined;
    points = n;
  }
  return { amount, orders, points };
}

export function checkTierOrder(doc: unknown, currency: string): Finding[] {
  const levels = recordAt(doc, 'spec', 'levels');
  const tiers = arrayProp(levels, 'tiers');
  if (!tiers) return [];
  const byPoints = prop(prop(levels, 'upgrade'), 'basis') === 'points';
  const findings: Finding[] = [];
  for (let i = 1; i < tiers.length; i++) {
    const lower = thresholdOf(tiers[i - 1], currency, byPoints);
    const higher = thresholdOf(tiers[i], currency, byPoints);
    if (!lower || !higher) continue;
    const amountOk = higher.amount >= lower.amount;
    const ordersOk = higher.orders >= lower.orders;
    const pointsOk = higher.points >= lower.points;
    const strictly = higher.amount > lower.amount || higher.orders > lower.orders || higher.points > lower.points;
    if (amountOk && ordersOk && pointsOk && strictly) continue;
    const hi = entryName(tiers[i], i, 'tier');
    const lo = entryName(tiers[i - 1], i - 1, 'tier');
    const a = `amount ${showAmount(higher.amount, currency)}`;
    const b = showAmount(lower.amount, currency);
    const reasons: string[] = [];
    if (!amountOk) reasons.push(`${a} < ${b}`);
    if (!ordersOk) reasons.push(`orders ${higher.orders} < ${lower.orders}`);
    if (!pointsOk) reasons.push(`points ${higher.points} < ${lower.points}`);
    if (reasons.length === 0) reasons.push(byPoints ? `points ${higher.points} = ${lower.points}` : `${a} = ${b}, orders ${higher.orders} = ${lower.orders}`);
    findings.push({
      code: 'tiers.order',
      pointer: `/spec/levels/tiers/${i}/threshold`,
      message:
        `tier ${hi} must have a higher threshold than ${lo}, the tier below it (${reasons.join('; ')}); ` +
        `tiers are listed lowest to highest: raise ${hi}'s threshold or reorder the tiers`,
    });
  }
  return findings;
}

export function checkTierIds(doc: unknown): Finding[] {
  const tiers = arrayProp(recordAt(doc, 'spec', 'levels'), 'tiers');
  return duplicateIds(tiers, '/spec/levels/tiers', 'tiers.duplicate-id', 'tier');
}
