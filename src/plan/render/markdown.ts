/**
 * The plan as a pull-request comment: a summary table first, then one folded block per merchant.
 * GitHub refuses comments over 65,536 characters, so the comment stays within MAX_COMMENT: when
 * the details do not all fit, whole blocks are left out (blocks of merchants with errors are kept
 * first, then in merchant order) and a note says how many and where to see everything.
 */
import { planCounts } from '../outcome.js';
import { escapeText, formatCount } from '../../model/display.js';
import type { Change, MerchantPlan, Plan } from '../types.js';
import { formatRecalculation, formatTransitions, formatValue, impactLabel, movements } from './values.js';
import { moveTableLines, sankeyLines, tierTableLines } from './movers.js';

export const MAX_COMMENT = 65_000;
/** Rows of changes shown in one merchant's block; the rest is counted. */
const MAX_CHANGE_ROWS = 200;
/** Room kept for the notes that say what was left out. */
const NOTE_RESERVE = 600;

const ACTION_LABEL: Record<MerchantPlan['action'], string> = {
  create: '➕ create',
  update: '🔄 update',
  noop: 'no changes',
  unmanaged: 'unmanaged',
};

/** Plain text safe in a table cell or an HTML block: no markup, no pipes, one line. */
export function escapeMarkdown(text: string): string {
  return escapeText(text.replace(/\r?\n|\r/g, ' '))
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_[\]|~])/g, '\\$1');
}

function moves(m: MerchantPlan): { up: string; down: string } {
  if (!m.impact) return { up: '—', down: '—' };
  const { up, down } = movements(m.impact, m.document);
  return { up: formatCount(up), down: formatCount(down) };
}

function tableRow(m: MerchantPlan): string {
  const { up, down } = moves(m);
  const errors = m.errors.length === 0 ? '' : `❌ ${m.errors.map((e) => escapeMarkdown(e.code)).join(', ')}`;
  const recalculation = m.action === 'create' || m.action === 'update' ? escapeMarkdown(formatRecalculation(m.recalculation)) : '';
  return `| ${escapeMarkdown(m.merchant)} | ${ACTION_LABEL[m.action]} | ${m.changes.length} | ${recalculation} | ${up} | ${down} | ${errors} |`;
}

function changeRow(c: Change): string {
  const symbol = c.op === 'add' ? '+' : c.op === 'remove' ? '−' : '~';
  const before = c.op === 'add' ? '' : escapeMarkdown(formatValue(c.before));
  const after = c.op === 'remove' ? '' : escapeMarkdown(formatValue(c.after));
  return `| ${symbol} | ${escapeMarkdown(c.pointer || '/')} | ${before} | ${after} | ${c.class} |`;
}

function detailsBlock(m: MerchantPlan): string {
  const lines: string[] = [];
  const summary = `${escapeMarkdown(m.merchant)}: ${m.action}, ${m.changes.length} change${m.changes.length === 1 ? '' : 's'}${m.errors.length > 0 ? `, ${m.errors.length} error${m.errors.length === 1 ? '' : 's'}` : ''}`;
  lines.push('<details>', `<summary>${summary}</summary>`, '');
  if (m.path) lines.push(`File: ${escapeMarkdown(m.path)}`, '');
  for (const e of m.errors) lines.push(`- ❌ **${escapeMarkdown(e.code)}**: ${escapeMarkdown(e.message)}`);
  if (m.errors.length > 0) lines.push('');
  if (m.changes.length > 0) {
    lines.push('| | Pointer | Before | After | Class |', '| --- | --- | --- | --- | --- |');
    for (const c of m.changes.slice(0, MAX_CHANGE_ROWS)) lines.push(changeRow(c));
    if (m.changes.length > MAX_CHANGE_ROWS) lines.push('', `… and ${m.changes.length - MAX_CHANGE_ROWS} more changes (see the JSON plan).`);
    lines.push('');
  }
  lines.push(`Recalculation: ${escapeMarkdown(formatRecalculation(m.recalculation))}`);
  if (m.switch) {
    const s = m.switch;
    lines.push('', `Type switch ${escapeMarkdown(s.from ?? '(new)')} → ${escapeMarkdown(s.to)}: ${s.used} of ${s.limit} used, ${s.allowed ? 'allowed' : `refused until ${escapeMarkdown(s.nextAllowedAt ?? 'never')}`}`);
  }
  if (m.impact) {
    const impact = m.impact;
    lines.push('', `Impact (${escapeMarkdown(impactLabel(m))}):`, '', ...tierTableLines(impact, escapeMarkdown));
    const moveLines = moveTableLines(impact, escapeMarkdown);
    if (moveLines.length > 0) lines.push('', ...moveLines, '', ...sankeyLines(impact));
    else lines.push('', 'No member changes tier.');
    if (impact.drift && impact.drift.length > 0) {
      lines.push('', `Drift, not part of this change (the current rules would make these moves anyway): ${escapeMarkdown(formatTransitions({ ...impact, transitions: impact.drift }))}`);
    }
  }
  lines.push('', '</details>');
  return lines.join('\n');
}

export function renderPlanMarkdown(plan: Plan): string {
  const c = planCounts(plan);
  const head = [
    '## tierform plan',
    '',
    `**${c.create}** to create, **${c.update}** to update, **${c.noop}** unchanged, **${c.unmanaged}** unmanaged; ` +
      `${c.errors === 0 ? '✅ no errors' : `❌ **${c.errors}** error${c.errors === 1 ? '' : 's'}`}.`,
    '',
  ].join('\n');

  // Unchanged merchants without errors are only counted; listing hundreds of them helps no reviewer.
  const listed = plan.merchants.filter((m) => m.action === 'create' || m.action === 'update' || m.errors.length > 0 || m.action === 'unmanaged');
  const tableHead = '| Merchant | Action | Changes | Recalculation | Members up | Members down | Errors |\n| --- | --- | --- | --- | --- | --- | --- |';
  let budget = MAX_COMMENT - head.length - tableHead.length - 2 * NOTE_RESERVE;
  // The table may take three quarters of the room, so the details of failing merchants still fit.
  let tableBudget = Math.floor(budget * 0.75);
  const rows: string[] = [];
  for (const m of listed) {
    const row = tableRow(m);
    if (row.length + 1 > tableBudget) break;
    rows.push(row);
    tableBudget -= row.length + 1;
    budget -= row.length + 1;
  }
  const parts = [head];
  if (listed.length > 0) parts.push(`${tableHead}\n${rows.join('\n')}`);
  if (rows.length < listed.length) {
    parts.push(`> ⚠️ ${listed.length - rows.length} more merchants are not in the table: the comment is too long. Run \`tierform plan\` locally or see the JSON plan artifact.`);
  }

  const withDetails = plan.merchants.filter((m) => m.changes.length > 0 || m.errors.length > 0);
  const priority = [...withDetails.filter((m) => m.errors.length > 0), ...withDetails.filter((m) => m.errors.length === 0)];
  const kept = new Set<MerchantPlan>();
  for (const m of priority) {
    const block = detailsBlock(m);
    if (block.length + 2 > budget) continue;
    kept.add(m);
    budget -= block.length + 2;
  }
  const blocks = withDetails.filter((m) => kept.has(m)).map(detailsBlock);
  if (blocks.length > 0) parts.push(blocks.join('\n\n'));
  const omitted = withDetails.length - blocks.length;
  if (omitted > 0) {
    parts.push(
      `> ⚠️ Details of ${omitted} merchant${omitted === 1 ? '' : 's'} omitted to keep this comment under ${formatCount(MAX_COMMENT)} characters. ` +
        'Run `tierform plan` locally, or see the JSON plan artifact (`tierform plan --format json --out plan.json`) for everything.',
    );
  }
  return `${parts.join('\n\n')}\n`;
}
