/**
 * `notifications.maxLength` (SPEC §1.1, v1.1): each template rendered with the longest values the
 * live data and the version can produce — the longest member name and id the merchant has, each
 * tier (or plan) of the version with its name and benefits, the longest plan name, an instant of
 * the fixed `{expiresAt}` form, the version's `{program.rules}` — must fit. A join message may
 * greet a basic member or one already at any tier, so it is tried with basic and every tier.
 * Lengths count characters (Unicode code points), as PostgreSQL's char_length does.
 */
import type { PlanError } from '../plan/types.js';
import { plansOf, tiersOf, type NamedLevel } from './render.js';
import { programRulesText } from './programRules.js';

export interface LongestMember {
  name: string;
  id: string;
}

/** An instant as `{expiresAt}` renders one: always this many characters. */
const SAMPLE_INSTANT = '2026-12-31T23:59:59+08:00';
const PAID_EVENTS = new Set(['paidStart', 'renewal', 'expiry']);
/** Events whose `{tier.name}` may be basic. */
const BASIC_EVENTS = new Set(['downgrade', 'join']);
const NOT_TEMPLATES = new Set(['sendAt', 'maxLength']);

const length = (s: string): number => [...s].length;

export function renderWith(template: string, values: Record<string, string>): string {
  return template.replace(/\{([^{}]*)\}/g, (whole, name: string) => values[name] ?? whole);
}

function longest(values: readonly string[]): string {
  return values.reduce((a, b) => (length(b) > length(a) ? b : a), '');
}

/** The longest rendering of each template over `maxLength`, as plan errors (`notifications.too-long`). */
export function tooLongMessages(document: unknown, member: LongestMember): PlanError[] {
  const doc = document as { metadata?: { currency?: string }; spec?: { notifications?: Record<string, unknown>; paid?: { plans?: { id: string; name: string }[] } } };
  const notifications = doc.spec?.notifications ?? {};
  const maxLength = notifications.maxLength;
  if (typeof maxLength !== 'number') return [];
  const tiers = Object.values(tiersOf(document));
  const plans = Object.values(plansOf(doc.spec?.paid?.plans ?? [], doc.metadata?.currency ?? 'USD'));
  const planName = longest(plans.map((p) => p.name));
  const rules = programRulesText(document);
  const errors: PlanError[] = [];
  for (const [event, template] of Object.entries(notifications)) {
    if (NOT_TEMPLATES.has(event) || typeof template !== 'string') continue;
    const levels: NamedLevel[] = PAID_EVENTS.has(event) ? plans : BASIC_EVENTS.has(event) ? [...tiers, { name: 'basic', rank: -1, benefits: '' }] : tiers;
    const renderings = (levels.length > 0 ? levels : [{ name: '', rank: 0, benefits: '' }]).map((level) =>
      renderWith(template, {
        'member.name': member.name,
        'member.id': member.id,
        'tier.name': level.name,
        'tier.benefits': level.benefits,
        'plan.name': PAID_EVENTS.has(event) ? level.name : planName,
        expiresAt: SAMPLE_INSTANT,
        'program.rules': rules,
      }),
    );
    const worst = longest(renderings);
    if (length(worst) > maxLength) {
      errors.push({
        code: 'notifications.too-long',
        message: `notifications.${event} can render ${length(worst)} characters, over maxLength ${maxLength}: "${worst}"`,
      });
    }
  }
  return errors;
}
