/** Statements over `program_versions`: one row per applied version of a merchant's program. */
import type { MembershipProgram } from '../generated/types.js';
import type { LiveVersion } from '../plan/types.js';
import { canonicalDocument } from '../plan/canonical.js';
import { toIso, toIsoOrNull, type Statement } from './statement.js';

export type VersionStatus = LiveVersion['status'];

export interface VersionRow {
  merchant_id: string;
  version: number;
  status: VersionStatus;
  document: MembershipProgram;
  hash: string;
  program_type: string;
  source_ref: string | null;
  actor: string;
  applied_at: Date | string;
  effective_at: Date | string | null;
}

const COLUMNS = 'merchant_id, version, status, document, hash, program_type, source_ref, actor, applied_at, effective_at';

/** Active and pending versions of the given merchants (all merchants when `merchants` is undefined). */
export function selectLiveVersions(merchants?: readonly string[]): Statement {
  if (merchants === undefined) {
    return { text: `SELECT ${COLUMNS} FROM program_versions WHERE status IN ('active', 'pending')`, values: [] };
  }
  return {
    text: `SELECT ${COLUMNS} FROM program_versions WHERE merchant_id = ANY($1::text[]) AND status IN ('active', 'pending')`,
    values: [merchants],
  };
}

/** Every version of a merchant, with who cancelled it and when (null unless cancelled). */
export function selectHistory(merchant: string): Statement {
  return { text: `SELECT ${COLUMNS}, cancelled_by, cancelled_at FROM program_versions WHERE merchant_id = $1 ORDER BY version`, values: [merchant] };
}

export interface HistoryRow extends VersionRow {
  cancelled_by: string | null;
  cancelled_at: Date | string | null;
}

export function selectVersion(merchant: string, version: number): Statement {
  return { text: `SELECT ${COLUMNS} FROM program_versions WHERE merchant_id = $1 AND version = $2`, values: [merchant, version] };
}

export function selectNextVersionNumber(merchant: string): Statement {
  return {
    text: 'SELECT coalesce(max(version), 0)::int + 1 AS next FROM program_versions WHERE merchant_id = $1',
    values: [merchant],
  };
}

export interface NewVersion {
  merchant: string;
  version: number;
  status: 'active' | 'pending';
  document: MembershipProgram;
  hash: string;
  programType: string;
  sourceRef: string | null;
  actor: string;
  appliedAt: Date;
  effectiveAt: Date | null;
}

export function insertVersion(v: NewVersion): Statement {
  return {
    text: `INSERT INTO program_versions (${COLUMNS}) VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $8, $9, $10)`,
    values: [v.merchant, v.version, v.status, JSON.stringify(v.document), v.hash, v.programType, v.sourceRef, v.actor, v.appliedAt, v.effectiveAt],
  };
}

/** Moves the merchant's version in status `from` (there is at most one active and one pending) to `to`. */
export function setStatusOfCurrent(merchant: string, from: 'active' | 'pending', to: VersionStatus): Statement {
  return {
    text: 'UPDATE program_versions SET status = $3 WHERE merchant_id = $1 AND status = $2',
    values: [merchant, from, to],
  };
}

export function toLiveVersion(row: VersionRow): LiveVersion {
  return {
    version: Number(row.version),
    status: row.status,
    // jsonb keeps its own key order; the canonical one is what people read and diffs walk.
    document: canonicalDocument(row.document),
    hash: row.hash,
    appliedAt: toIso(row.applied_at),
    effectiveAt: toIsoOrNull(row.effective_at),
    actor: row.actor,
    sourceRef: row.source_ref,
  };
}
