/**
 * `rules.points-basis` (v1.1 §3.2): with `upgrade.basis: points` a member is measured by the
 * points earned in the window, so thresholds and retain standards set `points` and nothing else,
 * and the retention basis (which would measure spend) stays unset; with any other basis `points`
 * has nothing to measure. Mixing the two would silently compare points with money.
 */
import type { Finding } from '../diagnostics.js';
import { arrayProp, entryName, isSet, prop, recordAt } from './read.js';

export function checkPointsBasis(doc: unknown): Finding[] {
  const levels = recordAt(doc, 'spec', 'levels');
  if (!levels) return [];
  const basis = prop(prop(levels, 'upgrade'), 'basis') ?? 'accumulated';
  if (typeof basis !== 'string') return [];
  const byPoints = basis === 'points';
  const findings: Finding[] = [];
  (arrayProp(levels, 'tiers') ?? []).forEach((tier, i) => {
    for (const key of ['threshold', 'retain'] as const) {
      const standard = prop(tier, key);
      const wrong = byPoints ? ['amount', 'orders'].filter((m) => isSet(standard, m)) : isSet(standard, 'points') ? ['points'] : [];
      for (const measure of wrong) {
        findings.push({
          code: 'rules.points-basis',
          pointer: `/spec/levels/tiers/${i}/${key}/${measure}`,
          at: 'key',
          message: byPoints
            ? `tier ${entryName(tier, i, 'tier')} sets ${key}.${measure}, but the upgrade basis is 'points': members are measured by the points they earn, so set ${key}: { points: … } alone`
            : `tier ${entryName(tier, i, 'tier')} sets ${key}.points, but the upgrade basis is '${basis}'${isSet(prop(levels, 'upgrade'), 'basis') ? '' : ' (the default)'}; set upgrade.basis: points, or use amount and orders`,
        });
      }
    }
  });
  const retention = prop(prop(levels, 'downgrade'), 'retention');
  if (byPoints && isSet(retention, 'basis')) {
    findings.push({
      code: 'rules.points-basis',
      pointer: '/spec/levels/downgrade/retention/basis',
      at: 'key',
      message: `retention.basis measures spend, but the upgrade basis is 'points': the retain standards are measured by the points earned in the validity period; remove retention.basis`,
    });
  }
  return findings;
}
