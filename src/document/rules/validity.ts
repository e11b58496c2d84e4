/**
 * `rules.min-validity`: validity periods may not be shorter than the catalog's minValidity.
 * Judged: levels.downgrade.validity, levels.downgrade.retention.extend (an extension is a new
 * validity period) and every paid plan's validity.
 */
import type { Finding } from '../diagnostics.js';
import { compareDurationMinimum, formatDuration, parseDuration, type Duration } from '../../model/duration.js';
import { catalogPolicies } from './context.js';
import { arrayProp, entryName, prop, recordAt } from './read.js';

export function checkMinValidity(doc: unknown, catalog: unknown): Finding[] {
  const min = catalogPolicies(catalog).minValidity;
  if (!min) return [];
  const findings: Finding[] = [];
  const check = (value: unknown, pointer: string, what: string): void => {
    const d = parseDuration(value);
    if (!d || compareDurationMinimum(d, min) >= 0) return;
    findings.push({ code: 'rules.min-validity', pointer, message: tooShort(what, d, min) });
  };
  const downgrade = prop(recordAt(doc, 'spec', 'levels'), 'downgrade');
  check(prop(downgrade, 'validity'), '/spec/levels/downgrade/validity', 'the tier validity');
  check(prop(prop(downgrade, 'retention'), 'extend'), '/spec/levels/downgrade/retention/extend', 'the retention extension');
  const plans = arrayProp(recordAt(doc, 'spec', 'paid'), 'plans') ?? [];
  plans.forEach((plan, i) => check(prop(plan, 'validity'), `/spec/paid/plans/${i}/validity`, `the validity of plan ${entryName(plan, i, 'plan')}`));
  return findings;
}

function tooShort(what: string, d: Duration, min: Duration): string {
  const mixed = 'months' in d !== 'months' in min;
  return (
    `${what} (${formatDuration(d)}) is shorter than the platform minimum of ${formatDuration(min)}` +
    (mixed ? ' for some start dates' : '') +
    `; use at least ${formatDuration(min)}`
  );
}
