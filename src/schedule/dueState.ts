/** Reads what `dueWork` needs, for every merchant or a few, in a fixed number of queries. */
import type { Queryable } from '../store/db.js';
import { run, toIso } from '../store/statement.js';
import type { MerchantDueState } from './due.js';
import {
  selectActiveSchedules,
  selectDuePending,
  selectFirstApplied,
  selectLastEvaluations,
  selectUnfinishedRuns,
  type ScheduledRunRow,
} from './store.js';

const asDate = (v: Date | string): Date => new Date(toIso(v));

export async function readDueStates(q: Queryable, now: Date, merchants?: readonly string[]): Promise<Map<string, MerchantDueState>> {
  const states = new Map<string, MerchantDueState>();
  const state = (merchant: string): MerchantDueState => {
    let s = states.get(merchant);
    if (!s) {
      s = { duePending: null, active: null, firstAppliedAt: null, lastFireAt: null, unfinished: [] };
      states.set(merchant, s);
    }
    return s;
  };
  const only = merchants ? new Set(merchants) : null;
  const pending = await run<{ merchant_id: string; version: number; effective_at: Date | string }>(q, selectDuePending(now));
  for (const r of pending.rows) {
    if (only && !only.has(r.merchant_id)) continue;
    state(r.merchant_id).duePending = { version: Number(r.version), effectiveAt: asDate(r.effective_at) };
  }
  const active = await run<{ merchant_id: string; version: number; timezone: string | null; cron: string | null }>(q, selectActiveSchedules(merchants));
  for (const r of active.rows) {
    if (r.timezone) state(r.merchant_id).active = { version: Number(r.version), timezone: r.timezone, cron: r.cron };
  }
  const first = await run<{ merchant_id: string; first_applied_at: Date | string }>(q, selectFirstApplied(merchants));
  for (const r of first.rows) state(r.merchant_id).firstAppliedAt = asDate(r.first_applied_at);
  const last = await run<{ merchant_id: string; last_fire_at: Date | string }>(q, selectLastEvaluations(merchants));
  for (const r of last.rows) state(r.merchant_id).lastFireAt = asDate(r.last_fire_at);
  const unfinished = await run<ScheduledRunRow>(q, selectUnfinishedRuns(merchants));
  for (const r of unfinished.rows) {
    state(r.merchant_id).unfinished.push({ key: r.run_key, kind: r.kind, version: Number(r.version), at: asDate(r.at) });
  }
  return states;
}
