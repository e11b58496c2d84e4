/** `rules.window-conflict`: a since-last-upgrade window cannot be combined with recompute. */
import type { Finding } from '../diagnostics.js';
import { prop, recordAt } from './read.js';

export function checkWindowConflict(doc: unknown): Finding[] {
  const levels = recordAt(doc, 'spec', 'levels');
  if (prop(prop(levels, 'upgrade'), 'window') !== 'since_last_upgrade') return [];
  if (prop(prop(levels, 'downgrade'), 'mode') !== 'recompute') return [];
  return [
    {
      code: 'rules.window-conflict',
      pointer: '/spec/levels/upgrade/window',
      message:
        "window 'since_last_upgrade' cannot be used with downgrade mode 'recompute': the window restarts at each upgrade, " +
        'so every member would be demoted right after it; use a rolling or lifetime window, or downgrade mode validity',
    },
  ];
}
