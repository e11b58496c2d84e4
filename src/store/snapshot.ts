/**
 * One read of the live state for plan and apply, in a fixed number of queries whatever the
 * merchant count: the catalog, the merchants, their active and pending versions, their recent
 * type switches, and their members per tier.
 */
import type { Queryable } from './db.js';
import type { LiveMerchant, LiveSnapshot } from '../plan/types.js';
import { getLiveCatalog } from './catalogStore.js';
import { run, toIso } from './statement.js';
import { selectLiveVersions, toLiveVersion, type VersionRow } from './versionStore.js';
import { selectRecentSwitches } from './switchStore.js';

export interface SnapshotOptions {
  /** Only these merchants (default: every merchant in the live state). */
  merchants?: readonly string[];
  /** Read only the switches inside the switch window ending at this instant (default: all). */
  now?: Date;
}

/** Queries readSnapshot issues, whatever the merchant count (the bench and tests check it). */
export const SNAPSHOT_QUERY_COUNT = 5;

export async function readSnapshot(q: Queryable, opts: SnapshotOptions = {}): Promise<LiveSnapshot> {
  const only = opts.merchants ? [...new Set(opts.merchants)] : undefined;
  const catalog = await getLiveCatalog(q);
  const since = opts.now ? new Date(opts.now.getTime() - catalog.spec.switchLimit.windowHours * 3_600_000) : null;

  // One after another: inside a transaction they share one connection, and pg deprecates
  // queueing concurrent queries on one client (pg 9 removes it).
  const merchantRows = await run<{ merchant_id: string; subscription: string }>(q, selectMerchants(only));
  const versionRows = await run<VersionRow>(q, selectLiveVersions(only));
  const switchRows = await run<{ merchant_id: string; at: Date | string }>(q, selectRecentSwitches(only, since));
  const memberRows = await run<{ merchant_id: string; tier_id: string | null; n: number }>(q, countMembersPerTier(only));

  const merchants = new Map<string, LiveMerchant>();
  for (const row of merchantRows.rows) {
    merchants.set(row.merchant_id, {
      merchant: row.merchant_id,
      subscription: row.subscription,
      active: null,
      pending: null,
      switches: [],
      membersPerTier: {},
    });
  }
  for (const row of versionRows.rows) {
    const m = merchants.get(row.merchant_id);
    if (!m) continue;
    if (row.status === 'active') m.active = toLiveVersion(row);
    else if (row.status === 'pending') m.pending = toLiveVersion(row);
  }
  for (const row of switchRows.rows) merchants.get(row.merchant_id)?.switches.push(toIso(row.at));
  for (const row of memberRows.rows) {
    const m = merchants.get(row.merchant_id);
    if (m) m.membersPerTier[row.tier_id ?? 'basic'] = Number(row.n);
  }
  return { catalog, merchants };
}

function selectMerchants(only: readonly string[] | undefined): { text: string; values: readonly unknown[] } {
  return only === undefined
    ? { text: 'SELECT merchant_id, subscription FROM merchants ORDER BY merchant_id', values: [] }
    : { text: 'SELECT merchant_id, subscription FROM merchants WHERE merchant_id = ANY($1::text[]) ORDER BY merchant_id', values: [only] };
}

function countMembersPerTier(only: readonly string[] | undefined): { text: string; values: readonly unknown[] } {
  const filter = only === undefined ? '' : ' WHERE merchant_id = ANY($1::text[])';
  return {
    text: `SELECT merchant_id, tier_id, count(*)::int AS n FROM members${filter} GROUP BY merchant_id, tier_id`,
    values: only === undefined ? [] : [only],
  };
}
