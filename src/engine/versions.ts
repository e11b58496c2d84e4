/**
 * The program versions an engine run judges members by, compiled to level rules.
 */
import type { Queryable } from '../store/db.js';
import { compileRules, type LevelRules } from '../rules/index.js';
import type { ProgramDocument } from '../rules/program.js';
import { TierformError } from '../cli/errors.js';

export interface JudgingVersion {
  version: number;
  status: string;
  appliedAt: Date;
  rules: LevelRules;
}

export async function loadVersion(q: Queryable, merchant: string, version: number): Promise<JudgingVersion> {
  const { rows } = await q.query<{ version: number; status: string; document: ProgramDocument; applied_at: Date }>(
    'SELECT version, status, document, applied_at FROM program_versions WHERE merchant_id = $1 AND version = $2',
    [merchant, version],
  );
  const row = rows[0];
  if (!row) throw new TierformError('state.unknown-version', `merchant ${merchant} has no version ${version}`);
  return { version: row.version, status: row.status, appliedAt: new Date(row.applied_at), rules: compileRules(row.document) };
}

/** The active and pending versions of a merchant (either may be missing). */
export async function loadCurrentVersions(
  q: Queryable,
  merchant: string,
): Promise<{ active: JudgingVersion | null; pending: JudgingVersion | null }> {
  const { rows } = await q.query<{ version: number; status: string; document: ProgramDocument; applied_at: Date }>(
    `SELECT version, status, document, applied_at FROM program_versions
     WHERE merchant_id = $1 AND status IN ('active', 'pending')`,
    [merchant],
  );
  const of = (status: string): JudgingVersion | null => {
    const row = rows.find((r) => r.status === status);
    return row ? { version: row.version, status, appliedAt: new Date(row.applied_at), rules: compileRules(row.document) } : null;
  };
  return { active: of('active'), pending: of('pending') };
}
