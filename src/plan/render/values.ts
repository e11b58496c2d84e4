/** Short, one-line spellings of plan values shared by the text and markdown formatters. */
import { escapeText, formatCount } from '../../model/display.js';
import type { Impact, MerchantPlan } from '../types.js';

const MAX_VALUE = 80;

export function formatValue(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  const text = typeof value === 'string' ? JSON.stringify(value) : typeof value === 'object' ? JSON.stringify(value) : String(value);
  const safe = escapeText(text);
  return safe.length > MAX_VALUE ? `${safe.slice(0, MAX_VALUE - 1)}…` : safe;
}

export function formatRecalculation(r: MerchantPlan['recalculation']): string {
  if (r.mode === 'scheduled') return `scheduled at ${r.at ?? '?'}`;
  return r.mode;
}

/** Rank of a tier id in the program's order; basic ranks lowest. Ids not in the program rank as undefined. */
export function tierRanks(document: unknown): Map<string, number> {
  const ranks = new Map<string, number>([['basic', -1]]);
  const tiers = (document as { spec?: { levels?: { tiers?: unknown } } } | undefined)?.spec?.levels?.tiers;
  if (Array.isArray(tiers)) {
    tiers.forEach((t, i) => {
      const id = (t as { id?: unknown } | null)?.id;
      if (typeof id === 'string') ranks.set(id, i);
    });
  }
  return ranks;
}

/**
 * Members moving up and down by tier rank. A member leaving a tier the new document no longer has
 * (a removed tier) cannot be ranked against it and counts as moving down: it loses its tier.
 */
export function movements(impact: Impact, document: unknown): { up: number; down: number } {
  const ranks = tierRanks(document);
  let up = 0;
  let down = 0;
  for (const t of impact.transitions) {
    if (t.from === t.to) continue;
    const from = ranks.get(t.from);
    const to = ranks.get(t.to);
    if (from !== undefined && to !== undefined && to > from) up += t.count;
    else down += t.count;
  }
  return { up, down };
}

/**
 * How an impact is labelled: the data it was computed on, and for a scheduled change that
 * members may still move before it takes effect.
 */
export function impactLabel(m: MerchantPlan): string {
  if (!m.impact) return '';
  if (m.recalculation.mode === 'scheduled') return `as of now (${m.impact.asOf}), before ${m.recalculation.at ?? 'the scheduled instant'}`;
  return `data as of ${m.impact.asOf}`;
}

/** Tier keys of an impact in its own order (basic, then ranks, then tiers the program dropped). */
export function impactTiers(impact: Impact): string[] {
  return [...new Set([...Object.keys(impact.before), ...Object.keys(impact.after)])];
}

/** `gold→silver 1,000, silver→basic 204`; `none` when nobody moves. */
export function formatTransitions(impact: Impact): string {
  const moves = impact.transitions.filter((t) => t.from !== t.to && t.count > 0);
  if (moves.length === 0) return 'none';
  return moves.map((t) => `${escapeText(t.from)}→${escapeText(t.to)} ${formatCount(t.count)}`).join(', ');
}
