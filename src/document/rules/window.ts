/**
 * `rules.window-conflict`: a window that restarts at every move cannot be combined with recompute
 * (every member would be demoted right after each upgrade): `since_last_upgrade`, as the upgrade
 * window or a tier's own, and `upgrade.restartOnMove: true`.
 */
import type { Finding } from '../diagnostics.js';
import { arrayProp, entryName, prop, recordAt } from './read.js';

const WHY = 'the window restarts at each upgrade, so every member would be demoted right after it';

export function checkWindowConflict(doc: unknown): Finding[] {
  const levels = recordAt(doc, 'spec', 'levels');
  if (prop(prop(levels, 'downgrade'), 'mode') !== 'recompute') return [];
  const findings: Finding[] = [];
  const upgrade = prop(levels, 'upgrade');
  if (prop(upgrade, 'window') === 'since_last_upgrade') {
    findings.push({
      code: 'rules.window-conflict',
      pointer: '/spec/levels/upgrade/window',
      message: `window 'since_last_upgrade' cannot be used with downgrade mode 'recompute': ${WHY}; use a rolling or lifetime window, or downgrade mode validity`,
    });
  }
  if (prop(upgrade, 'restartOnMove') === true) {
    findings.push({
      code: 'rules.window-conflict',
      pointer: '/spec/levels/upgrade/restartOnMove',
      message: `restartOnMove cannot be used with downgrade mode 'recompute': ${WHY}; remove restartOnMove, or use downgrade mode validity`,
    });
  }
  (arrayProp(levels, 'tiers') ?? []).forEach((tier, i) => {
    if (prop(tier, 'window') !== 'since_last_upgrade') return;
    findings.push({
      code: 'rules.window-conflict',
      pointer: `/spec/levels/tiers/${i}/window`,
      message: `tier ${entryName(tier, i, 'tier')} uses window 'since_last_upgrade', which cannot be used with downgrade mode 'recompute': ${WHY}; use a rolling or lifetime window, or downgrade mode validity`,
    });
  });
  return findings;
}
