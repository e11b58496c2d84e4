/**
 * Retention ("level lock-in"): `rules.retention-needs-validity`, `rules.retain-missing`,
 * `rules.retention-needs-single-order`.
 */
import type { Finding } from '../diagnostics.js';
import { catalogPolicies } from './context.js';
import { arrayProp, entryName, isSet, prop, recordAt } from './read.js';

export function checkRetention(doc: unknown, catalog: unknown): Finding[] {
  const levels = recordAt(doc, 'spec', 'levels');
  if (!levels) return [];
  const downgrade = prop(levels, 'downgrade');
  const mode = prop(downgrade, 'mode');
  const retention = isSet(downgrade, 'retention');
  const tiers = arrayProp(levels, 'tiers') ?? [];
  const findings: Finding[] = [];
  const modeText = typeof mode === 'string' ? `downgrade mode is '${mode}'` : 'no downgrade mode is set (never)';

  if (mode !== 'validity') {
    if (retention) {
      findings.push({
        code: 'rules.retention-needs-validity',
        pointer: '/spec/levels/downgrade/retention',
        at: 'key',
        message: `retention only works with downgrade mode 'validity', but ${modeText}; set mode: validity with a validity, or remove retention`,
      });
    }
    tiers.forEach((tier, i) => {
      if (!isSet(tier, 'retain')) return;
      findings.push({
        code: 'rules.retention-needs-validity',
        pointer: `/spec/levels/tiers/${i}/retain`,
        at: 'key',
        message: `tier ${entryName(tier, i, 'tier')} sets retain, which only works with downgrade mode 'validity' and a retention section, but ${modeText}; remove retain or set up retention`,
      });
    });
  }

  if (!retention) return findings;

  tiers.forEach((tier, i) => {
    if (isSet(tier, 'retain') || prop(tier, 'enabled') === false) return;
    findings.push({
      code: 'rules.retain-missing',
      pointer: `/spec/levels/tiers/${i}`,
      message: `retention is on, but tier ${entryName(tier, i, 'tier')} has no retain standard; add retain (e.g. retain: { amount: … }) to the tier`,
    });
  });

  if (catalogPolicies(catalog).lockInRequiresSingleOrder) {
    const upgrade = prop(levels, 'upgrade');
    const basis = prop(upgrade, 'basis') ?? 'accumulated';
    if (basis !== 'single_order' && typeof basis === 'string') {
      const explicit = isSet(upgrade, 'basis');
      findings.push({
        code: 'rules.retention-needs-single-order',
        pointer: explicit ? '/spec/levels/upgrade/basis' : '/spec/levels/downgrade/retention',
        at: explicit ? 'value' : 'key',
        message: `the platform allows retention only with upgrade basis 'single_order', but the basis is '${basis}'${explicit ? '' : ' (the default)'}; set upgrade.basis: single_order or remove retention`,
      });
    }
  }
  return findings;
}
