/**
 * The saved plan file (`plan --out`): the plan's JSON form, SPEC §5.1, formatVersion 1, sealed
 * (SPEC §4.7). Whatever comes back from disk is untrusted: the seal is checked first, then the
 * shape; apply re-validates each program document under the merchant's lock (applyPlan.ts).
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Plan } from '../plan/types.js';
import { TierformError } from '../cli/errors.js';
import { planDigest } from '../plan/seal.js';
import { savedPlanProblem } from './savedPlanShape.js';
import { readFileBounded } from '../document/readBounded.js';

/** Far above any real plan (a thousand merchants at the program size limit), far below harm. */
export const MAX_PLAN_BYTES = 256 * 1024 * 1024;

/**
 * A `.json` argument that exists and holds an object with `formatVersion` is a saved plan;
 * anything else is a program path (and validation says what is wrong with it).
 */
export async function readSavedPlanIfAny(path: string, cwd: string): Promise<Plan | null> {
  if (!path.endsWith('.json')) return null;
  const info = await stat(resolve(cwd, path)).catch(() => undefined);
  if (!info) return null;
  const value = parseJson(await readBounded(path, cwd), path);
  if (value === null || typeof value !== 'object' || Array.isArray(value) || (value as { formatVersion?: unknown }).formatVersion === undefined) return null;
  return checkSavedPlan(value as Record<string, unknown>, path);
}

/** For `show`: the file must be a saved plan. */
export async function readSavedPlan(path: string, cwd: string): Promise<Plan> {
  const value = parseJson(await readBounded(path, cwd), path);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new TierformError('plan.invalid', `${path} is not a saved plan (expected a JSON object written by tierform plan --out)`);
  }
  return checkSavedPlan(value as Record<string, unknown>, path);
}

/** The seal, the format version and the shape, in that order. */
export function checkSavedPlan(value: Record<string, unknown>, path: string): Plan {
  if (value.formatVersion !== 1) {
    throw new TierformError('plan.invalid', `${path} has plan formatVersion ${JSON.stringify(value.formatVersion) ?? 'none'}; this tierform reads formatVersion 1`);
  }
  if (typeof value.digest !== 'string') {
    throw new TierformError('plan.invalid', `${path} carries no digest (saved by an older tierform, or the seal was removed); plan again with tierform plan --out`);
  }
  const expected = planDigest(value);
  if (value.digest !== expected) {
    throw new TierformError(
      'plan.tampered',
      `${path} does not match its digest: the file was edited after tierform plan saved it (recorded ${value.digest}, content ${expected}); nothing was applied. Plan again and review the new plan`,
    );
  }
  const problem = savedPlanProblem(value);
  if (problem) throw new TierformError('plan.invalid', `${path}: ${problem}; plan again with tierform plan --out`);
  return value as unknown as Plan;
}

/** Through the one bounded reader: a regular file, at most MAX_PLAN_BYTES + 1 byte read. */
async function readBounded(path: string, cwd: string): Promise<string> {
  const read = await readFileBounded(resolve(cwd, path), { limit: MAX_PLAN_BYTES });
  if (read.ok) return read.bytes.toString('utf8');
  if (read.code === 'yaml.too-large') throw new TierformError('plan.invalid', `${path} is larger than ${MAX_PLAN_BYTES} bytes, more than a saved plan may be`);
  throw new TierformError('plan.invalid', `cannot read ${path}: ${read.message}`);
}

function parseJson(text: string, path: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new TierformError('plan.invalid', `${path} is not valid JSON; expected a plan saved by tierform plan --out`);
  }
}
