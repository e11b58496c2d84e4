/**
 * A simulation for people (text), for a pull request (markdown with a Mermaid chart GitHub
 * renders) and for tools (json). Ids come from validated files (merchant and tier ids have a
 * closed alphabet); they are escaped anyway.
 */
import { escapeText, formatCount } from '../model/display.js';
import type { MerchantSimulation, Simulation } from './simulate.js';
import type { BenefitTotal, Moves, TierCounts } from './figures.js';
import type { SideResult } from './replay.js';

export const SIMULATE_FORMATS = ['text', 'json', 'markdown'] as const;
export type SimulateFormat = (typeof SIMULATE_FORMATS)[number];

export function isSimulateFormat(value: string): value is SimulateFormat {
  return (SIMULATE_FORMATS as readonly string[]).includes(value);
}

export function renderSimulation(s: Simulation, format: SimulateFormat): string {
  if (format === 'json') return `${JSON.stringify(s, null, 2)}\n`;
  return format === 'markdown' ? renderMarkdown(s) : renderText(s);
}

/** Tier keys of both sides: the current ones in rank order, then tiers only the proposal has, then basic. */
function tierKeys(m: MerchantSimulation): string[] {
  const keys = Object.keys(m.current.start).filter((k) => k !== 'basic');
  for (const k of Object.keys(m.proposed.start)) if (k !== 'basic' && !keys.includes(k)) keys.push(k);
  return [...keys, 'basic'];
}

const count = (tiers: TierCounts, key: string): string => (key in tiers ? formatCount(tiers[key]!) : '–');

function movesLine(moves: Moves): string {
  const reasons = Object.entries(moves.byReason)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([r, n]) => `${escapeText(r)} ${formatCount(n)}`);
  return `${formatCount(moves.up)} up, ${formatCount(moves.down)} down${moves.same > 0 ? `, ${formatCount(moves.same)} kept (extended)` : ''}${reasons.length > 0 ? ` (${reasons.join(', ')})` : ''}`;
}

function benefitsLine(benefits: BenefitTotal[], currency: string): string {
  if (benefits.length === 0) return 'none';
  return benefits
    .map((b) => {
      const parts = [`${formatCount(b.count)}×`];
      if (b.points !== null) parts.push(`${formatCount(b.points)} points`);
      if (b.amountOff !== null) parts.push(`${b.amountOff.toFixed(2)} ${currency}`);
      return `${escapeText(b.type)} ${parts.join(' ')}`;
    })
    .join('; ');
}

function renderText(s: Simulation): string {
  const lines: string[] = [];
  for (const m of s.merchants) {
    const keys = tierKeys(m);
    lines.push(
      `Simulation of ${escapeText(m.merchant)} from ${s.from} to ${s.to}: v${m.current.version} (current) against the proposed program, ` +
        `${formatCount(m.proposed.evaluations)} daily evaluations replayed`,
    );
    const header = ['date', ...keys.map((k) => escapeText(k))];
    const rows = [['start', ...keys.map((k) => `${count(m.current.start, k)} → ${count(m.proposed.start, k)}`)]];
    m.proposed.monthEnds.forEach((end, i) => {
      const cur = m.current.monthEnds[i]?.tiers ?? {};
      rows.push([end.date, ...keys.map((k) => `${count(cur, k)} → ${count(end.tiers, k)}`)]);
    });
    lines.push('  members per tier (current → proposed):');
    const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
    for (const row of [header, ...rows]) lines.push(`    ${row.map((cell, c) => cell.padEnd(widths[c]!)).join('  ').trimEnd()}`);
    lines.push(`  moves, current:      ${movesLine(m.current.moves)}`);
    lines.push(`  moves, proposed:     ${movesLine(m.proposed.moves)}`);
    lines.push(`  benefits, current:   ${benefitsLine(m.current.benefits, m.currency)}`);
    lines.push(`  benefits, proposed:  ${benefitsLine(m.proposed.benefits, m.currency)}`);
    lines.push('');
  }
  lines.push('Nothing was changed: both programs ran on a scratch copy that was thrown away.');
  return `${lines.join('\n')}\n`;
}

function renderMarkdown(s: Simulation): string {
  const out: string[] = ['### Simulation over the stored history', ''];
  out.push(`Replayed day by day from ${s.from} to ${s.to} under the proposed program and the current one, on a copy that was thrown away.`, '');
  for (const m of s.merchants) {
    const keys = tierKeys(m);
    out.push(`#### \`${escapeText(m.merchant)}\``, '');
    out.push(`| date | ${keys.map((k) => `${escapeText(k)} (current → proposed)`).join(' | ')} |`);
    out.push(`| --- | ${keys.map(() => '---:').join(' | ')} |`);
    out.push(`| start | ${keys.map((k) => `${count(m.current.start, k)} → ${count(m.proposed.start, k)}`).join(' | ')} |`);
    m.proposed.monthEnds.forEach((end, i) => {
      const cur = m.current.monthEnds[i]?.tiers ?? {};
      out.push(`| ${end.date} | ${keys.map((k) => `${count(cur, k)} → ${count(end.tiers, k)}`).join(' | ')} |`);
    });
    out.push('');
    out.push(`- Moves, current: ${movesLine(m.current.moves)}`);
    out.push(`- Moves, proposed: ${movesLine(m.proposed.moves)}`);
    out.push(`- Benefits, current: ${benefitsLine(m.current.benefits, m.currency)}`);
    out.push(`- Benefits, proposed: ${benefitsLine(m.proposed.benefits, m.currency)}`);
    out.push('');
    out.push(...chart('Current', m.current, keys), ...chart('Proposed', m.proposed, keys));
  }
  return `${out.join('\n')}\n`;
}

/** A Mermaid xychart: one line per tier (in the title's order), members at each month end. */
function chart(title: string, side: SideResult, keys: string[]): string[] {
  const tiers = keys.filter((k) => k !== 'basic' && k in side.start);
  if (tiers.length === 0 || side.monthEnds.length === 0) return [];
  const max = Math.max(1, ...side.monthEnds.flatMap((e) => tiers.map((t) => e.tiers[t] ?? 0)));
  return [
    '```mermaid',
    'xychart-beta',
    `  title "${title}: members per tier (lines: ${tiers.join(', ')})"`,
    `  x-axis [${side.monthEnds.map((e) => `"${e.date}"`).join(', ')}]`,
    `  y-axis "members" 0 --> ${max}`,
    ...tiers.map((t) => `  line [${side.monthEnds.map((e) => String(e.tiers[t] ?? 0)).join(', ')}]`),
    '```',
    '',
  ];
}
