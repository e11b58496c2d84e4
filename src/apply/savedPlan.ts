/** The saved plan file (`plan --out`): the plan's JSON form, SPEC §5.1, formatVersion 1. */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Plan } from '../plan/types.js';
import { TierformError } from '../cli/errors.js';

/** A `.json` argument holding `formatVersion: 1` is a saved plan; anything else is a program path. */
export async function readSavedPlanIfAny(path: string, cwd: string): Promise<Plan | null> {
  if (!path.endsWith('.json')) return null;
  const text = await readFile(resolve(cwd, path), 'utf8').catch(() => undefined);
  if (text === undefined) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new TierformError('plan.invalid', `${path} is not valid JSON; expected a plan saved by tierform plan --out`);
  }
  if (typeof parsed !== 'object' || parsed === null || (parsed as { formatVersion?: unknown }).formatVersion === undefined) return null;
  const plan = parsed as Partial<Plan>;
  if (plan.formatVersion !== 1) {
    throw new TierformError('plan.invalid', `${path} has plan formatVersion ${String(plan.formatVersion)}; this tierform reads formatVersion 1`);
  }
  if (!Array.isArray(plan.merchants)) throw new TierformError('plan.invalid', `${path} has no merchants list`);
  for (const m of plan.merchants) {
    if ((m.action === 'create' || m.action === 'update') && (typeof m.document !== 'object' || m.document === null)) {
      throw new TierformError('plan.invalid', `${path}: the entry for ${String(m.merchant)} carries no program document; plan again with --out`);
    }
  }
  return plan as Plan;
}
