/** The plan for people at a terminal, in the spirit of `terraform plan`. */
import { escapeText, formatCount } from '../../model/display.js';
import { planSummaryLine } from '../outcome.js';
import type { Change, MerchantPlan, Plan } from '../types.js';
import { formatRecalculation, formatTransitions, formatValue, impactLabel, impactTiers, movements } from './values.js';

type Paint = (code: string, text: string) => string;

const HEADERS: Record<MerchantPlan['action'], { symbol: string; color: string; label: string }> = {
  create: { symbol: '+', color: '32', label: 'create' },
  update: { symbol: '~', color: '33', label: 'update' },
  noop: { symbol: ' ', color: '2', label: 'no changes' },
  unmanaged: { symbol: '?', color: '36', label: 'unmanaged: in the live state, not in the files; left untouched' },
};

const OPS: Record<Change['op'], { symbol: string; color: string }> = {
  add: { symbol: '+', color: '32' },
  remove: { symbol: '-', color: '31' },
  replace: { symbol: '~', color: '33' },
};

function changeLine(c: Change, paint: Paint): string {
  const op = OPS[c.op];
  const value =
    c.op === 'add' ? formatValue(c.after) : c.op === 'remove' ? formatValue(c.before) : `${formatValue(c.before)} → ${formatValue(c.after)}`;
  return `    ${paint(op.color, op.symbol)} ${escapeText(c.pointer || '/')}: ${value}  ${paint('2', `(${c.class})`)}`;
}

function merchantLines(m: MerchantPlan, paint: Paint): string[] {
  const h = HEADERS[m.action];
  const base = m.baseVersion === null ? '' : ` from version ${m.baseVersion}`;
  const lines = [`${paint(h.color, h.symbol)} ${paint('1', escapeText(m.merchant))} (${h.label}${m.action === 'update' ? base : ''})${m.path ? `  ${paint('2', escapeText(m.path))}` : ''}`];
  for (const c of m.changes) lines.push(changeLine(c, paint));
  if (m.action === 'create' || m.action === 'update') lines.push(`    recalculation: ${formatRecalculation(m.recalculation)}`);
  if (m.switch) {
    const s = m.switch;
    const verdict = s.allowed ? paint('32', 'allowed') : `${paint('31', 'refused')}; next allowed at ${s.nextAllowedAt ?? 'never'}`;
    lines.push(`    type switch ${s.from ?? '(new)'} → ${s.to}: ${s.used} of ${s.limit} used in the window, ${verdict}`);
  }
  if (m.impact) {
    const impact = m.impact;
    const moves = movements(impact, m.document);
    lines.push(`    impact (${impactLabel(m)}): ${formatCount(moves.up)} up, ${formatCount(moves.down)} down`);
    const rows = impactTiers(impact).map((t) => [escapeText(t), formatCount(impact.before[t] ?? 0), formatCount(impact.after[t] ?? 0)]);
    const width = Math.max(4, ...rows.map((r) => r[0]!.length));
    const numWidth = Math.max(6, ...rows.flatMap((r) => [r[1]!.length, r[2]!.length]));
    lines.push(`      ${'tier'.padEnd(width)}  ${'before'.padStart(numWidth)}  ${'after'.padStart(numWidth)}`);
    for (const [t, b, a] of rows) lines.push(`      ${t!.padEnd(width)}  ${b!.padStart(numWidth)}  ${a!.padStart(numWidth)}`);
    lines.push(`      moves: ${formatTransitions(impact)}`);
    if (impact.drift && impact.drift.length > 0) lines.push(`      drift (the current rules would make these moves anyway; not part of this change): ${formatTransitions({ ...impact, transitions: impact.drift })}`);
  }
  for (const e of m.errors) lines.push(`    ${paint('31', `error ${e.code}`)}: ${escapeText(e.message)}`);
  return lines;
}

export function renderPlanText(plan: Plan, options: { color: boolean }): string {
  const paint: Paint = options.color ? (code, text) => `\u001b[${code}m${text}\u001b[0m` : (_code, text) => text;
  const blocks = plan.merchants.map((m) => merchantLines(m, paint).join('\n'));
  const summary = planSummaryLine(plan);
  return `${[...blocks, ...(blocks.length > 0 ? [''] : []), plan.merchants.some((m) => m.errors.length > 0) ? paint('31', summary) : paint('1', summary)].join('\n')}\n`;
}
