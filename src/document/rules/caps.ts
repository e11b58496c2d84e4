/**
 * Caps of the merchant's subscription (catalog): `caps.subscription`, `caps.levels-unsupported`,
 * `caps.max-tiers`, `caps.max-paid-plans`, `caps.custom-rules`. Sections are judged whenever
 * they are present, whatever `spec.type` is: a section kept for later must fit the caps too.
 */
import type { Finding } from '../diagnostics.js';
import { catalogSubscriptions, subscriptionEntry } from './context.js';
import { arrayProp, isSet, prop, recordAt, stringProp } from './read.js';

const CUSTOM_RULE_KEYS = ['activeFrom', 'upgrade', 'downgrade'] as const;

export function checkCaps(doc: unknown, catalog: unknown): Finding[] {
  const subscriptions = catalogSubscriptions(catalog);
  const subscription = stringProp(recordAt(doc, 'metadata'), 'subscription');
  if (!subscriptions || subscription === undefined) return [];
  const entry = subscriptionEntry(catalog, subscription);
  if (!entry) {
    const known = Object.keys(subscriptions);
    return [
      {
        code: 'caps.subscription',
        pointer: '/metadata/subscription',
        message: `subscription '${subscription}' is not in the plan catalog; use one of: ${known.join(', ') || '(none defined)'}`,
      },
    ];
  }
  return [...levelCaps(doc, subscription, entry), ...paidCaps(doc, subscription, entry)];
}

function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function levelCaps(doc: unknown, subscription: string, entry: unknown): Finding[] {
  const spec = recordAt(doc, 'spec');
  const levels = recordAt(doc, 'spec', 'levels');
  const tiers = arrayProp(levels, 'tiers');
  const caps = prop(entry, 'levels');
  const maxTiers = count(prop(caps, 'maxTiers'));
  const findings: Finding[] = [];

  if (maxTiers === 0) {
    // No tiered program at all: one finding, at the most telling place.
    if (prop(spec, 'type') === 'levels') {
      findings.push({
        code: 'caps.levels-unsupported',
        pointer: '/spec/type',
        message: `subscription '${subscription}' has no tiered program; use type: paid or move the merchant to a subscription with tiers`,
      });
    } else if (tiers && tiers.length > 0) {
      findings.push({
        code: 'caps.levels-unsupported',
        pointer: '/spec/levels',
        at: 'key',
        message: `subscription '${subscription}' has no tiered program, so this program cannot define tiers; remove the levels section`,
      });
    }
    return findings;
  }

  if (maxTiers !== undefined && tiers && tiers.length > maxTiers) {
    findings.push({
      code: 'caps.max-tiers',
      // The first tier over the cap is the one to remove or merge.
      pointer: `/spec/levels/tiers/${maxTiers}`,
      message: `subscription '${subscription}' allows at most ${maxTiers} tier${maxTiers === 1 ? '' : 's'}, but ${tiers.length} are defined; remove ${tiers.length - maxTiers}`,
    });
  }

  if (prop(caps, 'customRules') === false && levels) {
    for (const key of CUSTOM_RULE_KEYS) {
      if (!isSet(levels, key)) continue;
      findings.push({
        code: 'caps.custom-rules',
        pointer: `/spec/levels/${key}`,
        at: 'key',
        message: `subscription '${subscription}' does not allow custom rules, so '${key}' cannot be set; remove it (the defaults apply: no activeFrom, accumulated lifetime upgrades, no downgrades)`,
      });
    }
  }
  return findings;
}

function paidCaps(doc: unknown, subscription: string, entry: unknown): Finding[] {
  const plans = arrayProp(recordAt(doc, 'spec', 'paid'), 'plans');
  const maxPlans = count(prop(prop(entry, 'paid'), 'maxPlans'));
  if (maxPlans === undefined || !plans || plans.length <= maxPlans) return [];
  return [
    {
      code: 'caps.max-paid-plans',
      pointer: `/spec/paid/plans/${maxPlans}`,
      message: `subscription '${subscription}' allows at most ${maxPlans} paid plan${maxPlans === 1 ? '' : 's'}, but ${plans.length} are defined; remove ${plans.length - maxPlans}`,
    },
  ];
}
