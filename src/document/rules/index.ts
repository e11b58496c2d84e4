/**
 * The meaning layer of validation (SPEC §2): rules over a MembershipProgram read as `unknown`.
 * They run even when the schema found errors, so each is total and skips what it cannot judge.
 */
import type { Finding } from '../diagnostics.js';
import { checkCaps } from './caps.js';
import { programCurrency, type RuleContext } from './context.js';
import { checkEffective } from './effective.js';
import { checkLocale } from './locale.js';
import { checkMerchantPath } from './merchantPath.js';
import { checkMoney } from './money.js';
import { checkNotifications } from './notifications.js';
import { checkPlanIds } from './paid.js';
import { checkPointsBasis } from './points.js';
import { checkTypeSection } from './programType.js';
import { checkRetention } from './retention.js';
import { checkTierIds, checkTierOrder } from './tiers.js';
import { checkMinValidity } from './validity.js';
import { checkWindowConflict } from './window.js';

export type { RuleContext } from './context.js';
export { bindBelowRoot, bindPath, checkMerchantDuplicates, merchantFromPath, type PathBinding } from './merchantPath.js';
export { PLACEHOLDERS } from './notifications.js';

export function checkProgram(doc: unknown, ctx: RuleContext): Finding[] {
  const currency = programCurrency(doc);
  return [
    ...checkMerchantPath(doc, ctx),
    ...checkLocale(doc),
    ...checkCaps(doc, ctx.catalog),
    ...checkTypeSection(doc),
    ...checkEffective(doc),
    ...checkMoney(doc, currency),
    ...checkTierIds(doc),
    ...checkTierOrder(doc, currency),
    ...checkPlanIds(doc),
    ...checkRetention(doc, ctx.catalog),
    ...checkPointsBasis(doc),
    ...checkWindowConflict(doc),
    ...checkMinValidity(doc, ctx.catalog),
    ...checkNotifications(doc),
  ];
}
