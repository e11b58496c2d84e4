/** `paid.duplicate-id`. */
import type { Finding } from '../diagnostics.js';
import { duplicateIds } from './ids.js';
import { arrayProp, recordAt } from './read.js';

export function checkPlanIds(doc: unknown): Finding[] {
  const plans = arrayProp(recordAt(doc, 'spec', 'paid'), 'plans');
  return duplicateIds(plans, '/spec/paid/plans', 'paid.duplicate-id', 'plan');
}
