import { escapeText } from '../model/display.js';

/**
 * A plain text table for people: a header, a rule, left-aligned columns. Every cell is escaped
 * (cells hold ids, names and messages from files and data).
 */
export function renderTable(header: string[], rows: string[][]): string {
  const safe = rows.map((r) => r.map((c) => escapeText(c)));
  const widths = header.map((h, i) => Math.max(h.length, ...safe.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...safe.map(line)].join('\n') + '\n';
}
