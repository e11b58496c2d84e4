/** One plan, one of its three forms: what plan, show and rollback print. */
import type { Plan } from '../types.js';
import { renderPlanJson } from './json.js';
import { renderPlanMarkdown } from './markdown.js';
import { renderPlanText } from './text.js';

export const PLAN_FORMATS = ['text', 'markdown', 'json'] as const;
export type PlanFormat = (typeof PLAN_FORMATS)[number];

export function isPlanFormat(value: string): value is PlanFormat {
  return (PLAN_FORMATS as readonly string[]).includes(value);
}

/** The rendered plan, ending with a newline. */
export function renderPlanAs(plan: Plan, format: PlanFormat, options: { color: boolean }): string {
  const rendered = format === 'json' ? renderPlanJson(plan) : format === 'markdown' ? renderPlanMarkdown(plan) : renderPlanText(plan, options);
  return rendered.endsWith('\n') ? rendered : `${rendered}\n`;
}
