/**
 * Reads and assembles a plan: the live state, the program files validated against the live
 * catalog, then the pure planner. Shared by `plan` and `apply`.
 */
import type { Queryable } from '../store/db.js';
import type { Plan } from '../plan/types.js';
import { computePlan } from '../plan/compute.js';
import { readSnapshot } from '../store/snapshot.js';
import { validateFiles, type ValidationResult } from '../document/validateFiles.js';

export interface PlanFilesOptions {
  cwd: string;
  now: Date;
  merchant?: string;
  supersede?: boolean;
}

export interface PlannedFiles {
  validation: ValidationResult;
  /** Null when a file is invalid: nothing is planned from a repository that does not validate. */
  plan: Plan | null;
}

export async function planFiles(q: Queryable, paths: readonly string[], opts: PlanFilesOptions): Promise<PlannedFiles> {
  const snapshot = await readSnapshot(q, { now: opts.now, ...(opts.merchant ? { merchants: [opts.merchant] } : {}) });
  const validation = await validateFiles(paths, { cwd: opts.cwd, catalog: snapshot.catalog });
  if (!validation.valid) return { validation, plan: null };
  const plan = computePlan(validation.programs, snapshot, opts.now, {
    ...(opts.merchant ? { merchant: opts.merchant } : {}),
    supersede: opts.supersede ?? false,
  });
  return { validation, plan };
}
