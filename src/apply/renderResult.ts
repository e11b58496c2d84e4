/** What apply prints: one line per merchant, then a summary. Failures go to stderr by the caller. */
import { escapeText, formatCount } from '../model/display.js';
import type { ApplyResult, MerchantApplyResult } from './applyPlan.js';

export function describeApplied(r: MerchantApplyResult): string {
  const merchant = escapeText(r.merchant);
  if (r.outcome === 'noop') return `${merchant}: no changes`;
  if (r.outcome === 'failed') return `${merchant}: failed, ${r.error?.code ?? 'error'}: ${escapeText(r.error?.message ?? '')}`;
  const parts = [`${merchant}: applied version ${r.version}`];
  if (r.status === 'pending') parts.push(`pending, takes effect at ${r.effectiveAt ?? '(unscheduled)'}`);
  else parts.push('active now');
  if (r.switched) parts.push('program type set (counts toward the switch limit)');
  if (r.recalculation.changed !== null) parts.push(`${formatCount(r.recalculation.changed)} member(s) changed tier`);
  return parts.join('; ');
}

export function summarizeApply(result: ApplyResult): string {
  const count = (o: MerchantApplyResult['outcome']): number => result.merchants.filter((m) => m.outcome === o).length;
  return `Apply ${result.ok ? 'complete' : 'finished with errors'}: ${count('applied')} applied, ${count('noop')} unchanged, ${count('failed')} failed.`;
}
