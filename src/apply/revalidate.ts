/**
 * Re-validation under the merchant's lock: the program document about to be applied — from a
 * saved plan on disk, or from files validated a moment ago against a catalog that may have
 * changed since — is checked again in full (schema, meaning rules, the live catalog) by the
 * same code that checks a program file, so a plan file cannot carry what a file could not.
 */
import type { PlanCatalog } from '../generated/types.js';
import type { MerchantPlan } from '../plan/types.js';
import { TierformError } from '../cli/errors.js';
import { checkDocument } from '../document/checkDocument.js';

/** Throws the first error a program file with this content would get, with its pointer. */
export function revalidateDocument(planned: MerchantPlan, catalog: PlanCatalog): void {
  const path = planned.path ?? planned.merchant;
  // JSON is YAML: the document goes through the reader, the schema and the rules as a file would.
  const checked = checkDocument(path, Buffer.from(JSON.stringify(planned.document), 'utf8'), catalog);
  const errors = checked.diagnostics.filter((d) => d.severity === 'error');
  const [first, ...more] = errors;
  if (first) {
    const others = more.length === 0 ? '' : ` (and ${more.length} more: ${[...new Set(more.map((d) => d.code))].join(', ')})`;
    throw new TierformError(first.code, `${path}: ${first.pointer || '/'}: ${first.message}${others}`);
  }
  if (checked.kind !== 'MembershipProgram') {
    throw new TierformError('api.kind', `${path}: the document to apply for ${planned.merchant} is a ${String(checked.kind)}, not a MembershipProgram`);
  }
  if (checked.merchant !== planned.merchant) {
    throw new TierformError(
      'plan.invalid',
      `the plan's entry for ${planned.merchant} carries the program of merchant ${String(checked.merchant)}; an entry applies only its own merchant's program`,
    );
  }
}
