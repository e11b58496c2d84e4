/**
 * The platform's live PlanCatalog (SPEC §4.6): one row, `live`, in `catalog`. Until a catalog is
 * applied, the built-in default is the live one.
 */
import type { PlanCatalog } from '../generated/types.js';
import { defaultCatalog } from '../catalog/builtin.js';
import type { Queryable } from './db.js';
import { run, type Statement } from './statement.js';

export const LIVE_CATALOG = 'live';

export function selectCatalog(name: string = LIVE_CATALOG): Statement {
  return { text: 'SELECT document, applied_at FROM catalog WHERE name = $1', values: [name] };
}

/** jsonb parameters are bound as JSON text: `pg` would turn a JS array into a PostgreSQL array. */
export function upsertCatalog(document: PlanCatalog, now: Date, name: string = LIVE_CATALOG): Statement {
  return {
    text: `INSERT INTO catalog (name, document, applied_at) VALUES ($1, $2::jsonb, $3)
           ON CONFLICT (name) DO UPDATE SET document = EXCLUDED.document, applied_at = EXCLUDED.applied_at`,
    values: [name, JSON.stringify(document), now],
  };
}

export interface StoredCatalog {
  document: PlanCatalog;
  appliedAt: Date;
}

/** The applied catalog, or null when none was applied (the built-in default is live then). */
export async function getStoredCatalog(q: Queryable): Promise<StoredCatalog | null> {
  const { rows } = await run<{ document: PlanCatalog; applied_at: Date }>(q, selectCatalog());
  const row = rows[0];
  return row ? { document: row.document, appliedAt: row.applied_at } : null;
}

export async function getLiveCatalog(q: Queryable): Promise<PlanCatalog> {
  return (await getStoredCatalog(q))?.document ?? defaultCatalog;
}

export async function putLiveCatalog(q: Queryable, document: PlanCatalog, now: Date): Promise<void> {
  await run(q, upsertCatalog(document, now));
}

export function subscriptionNames(catalog: PlanCatalog): string[] {
  return Object.keys(catalog.spec.subscriptions ?? {});
}
