/**
 * The movers of a plan's impact as pictures for the pull-request comment (issue #16): the tier
 * table with a Δ column, the moves as a compact table with bars, and the same moves as a Mermaid
 * `sankey-beta` diagram, which GitHub renders. Members who stay are left out of the pictures: a
 * million who stay would squeeze ten who move into a hairline.
 */
import { formatCount } from '../../model/display.js';
import type { Impact } from '../types.js';
import { impactTiers } from './values.js';

/** The widest bar, in blocks; the largest move gets it and the others scale to it. */
const BAR_WIDTH = 20;

/** `+12`, `−3` (a true minus sign), `0`. */
export function formatDelta(n: number): string {
  if (n === 0) return '0';
  return `${n > 0 ? '+' : '−'}${formatCount(Math.abs(n))}`;
}

/** Lines of the tier table with Before, After and Δ; `escape` makes a tier key safe in a cell. */
export function tierTableLines(impact: Impact, escape: (s: string) => string): string[] {
  const lines = ['| Tier | Before | After | Δ |', '| --- | ---: | ---: | ---: |'];
  for (const t of impactTiers(impact)) {
    const before = impact.before[t] ?? 0;
    const after = impact.after[t] ?? 0;
    lines.push(`| ${escape(t)} | ${formatCount(before)} | ${formatCount(after)} | ${formatDelta(after - before)} |`);
  }
  return lines;
}

function moves(impact: Impact): Impact['transitions'] {
  return impact.transitions.filter((t) => t.from !== t.to && t.count > 0);
}

/** A bar of `count` against `max`: at least one block for any move, so none disappears. */
export function bar(count: number, max: number): string {
  if (count <= 0 || max <= 0) return '';
  return '█'.repeat(Math.max(1, Math.round((count / max) * BAR_WIDTH)));
}

/** Lines of the moves table with a bar per row, or none when nobody moves. */
export function moveTableLines(impact: Impact, escape: (s: string) => string): string[] {
  const list = moves(impact);
  if (list.length === 0) return [];
  const max = Math.max(...list.map((t) => t.count));
  return ['| From | To | Members | |', '| --- | --- | ---: | --- |', ...list.map((t) => `| ${escape(t.from)} | ${escape(t.to)} | ${formatCount(t.count)} | ${bar(t.count, max)} |`)];
}

/**
 * A node name Mermaid's sankey CSV accepts as it is: tier ids are slugs, but an impact read from
 * a database is data, so anything outside letters, digits, `_`, `.` and `-` becomes `_`.
 */
function node(tier: string, side: 'before' | 'after'): string {
  return `"${tier.replace(/[^A-Za-z0-9_.-]/g, '_')} (${side})"`;
}

/**
 * The moves as a Mermaid sankey: each tier appears twice, before and after, so moves in both
 * directions between two tiers never make a cycle (which the diagram cannot draw).
 */
export function sankeyLines(impact: Impact): string[] {
  const list = moves(impact);
  if (list.length === 0) return [];
  return ['```mermaid', 'sankey-beta', ...list.map((t) => `${node(t.from, 'before')},${node(t.to, 'after')},${t.count}`), '```'];
}
