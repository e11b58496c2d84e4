/**
 * The paid rules a version judges with: its zone and type, and the plan definitions resolved as
 * the reference model's `resolvePlans` does (a plan the version no longer defines keeps the
 * definition of the newest earlier live version, so running memberships keep their benefits).
 */
import type { Queryable } from '../../store/db.js';
import { compilePaidRules, resolvePlans, type PaidPlanRule, type PaidProgramDocument, type PaidRules } from '../../rules/paid.js';

export interface VersionPaidRules {
  version: number;
  rules: PaidRules;
  /** The version's raw document (templates, tiers, currency). */
  document: PaidProgramDocument & Record<string, unknown>;
  plans: Map<string, PaidPlanRule>;
}

export async function loadVersionPaidRules(q: Queryable, merchant: string, version: number): Promise<VersionPaidRules> {
  const res = await q.query<{ version: number; status: string; document: PaidProgramDocument & Record<string, unknown> }>(
    `SELECT version, status, document FROM program_versions
      WHERE merchant_id = $1 AND version <= $2 AND (version = $2 OR status IN ('active', 'retired'))
      ORDER BY version DESC`,
    [merchant, version],
  );
  const own = res.rows.find((r) => Number(r.version) === version);
  if (!own) throw new Error(`merchant ${merchant} has no version ${version}`);
  const versions = res.rows.map((r) => ({ version: Number(r.version), live: r.status === 'active' || r.status === 'retired', document: r.document }));
  return { version, rules: compilePaidRules(own.document), document: own.document, plans: resolvePlans(versions, version) };
}
