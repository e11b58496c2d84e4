/** `tierform status [merchant]`: the live state per merchant (SPEC §5.1). */
import { formatCount } from '../../model/display.js';
import type { CommandContext } from '../context.js';
import { stringOption } from '../context.js';
import { TierformError, UsageError } from '../errors.js';
import { openDbFromContext } from '../../store/open.js';
import { readSnapshot } from '../../store/snapshot.js';
import type { Queryable } from '../../store/db.js';
import { switchBudget } from '../../plan/switchBudget.js';
import type { LiveMerchant, LiveSnapshot } from '../../plan/types.js';
import { renderTable } from '../table.js';
import { overCap, type OverCap } from '../../catalog/overCap.js';
import { selectFirstApplied, selectLastSuccessfulRuns } from '../../schedule/store.js';
import { runDueStale, type LastRun } from '../../schedule/liveness.js';

export const USAGE = 'tierform status [merchant] [--format text|json]';

export interface MerchantStatus {
  merchant: string;
  activeVersion: number | null;
  pendingVersion: number | null;
  pendingAt: string | null;
  type: string | null;
  enabled: boolean | null;
  subscription: string;
  switches: { used: number; limit: number };
  members: Record<string, number>;
  /** Members whose paid membership runs at --now, per plan (SPEC §5.1, additive). */
  paid: Record<string, number>;
  /** What the active program exceeds under the live subscription after a downgrade (additive; empty: within the caps). */
  overCap: OverCap[];
  /** The last successful scheduled run (additive): null when run-due never ran for it. */
  lastRunDue: LastRun | null;
  /** True when that run finished more than a day before --now (or none ran a day after the first apply). */
  runDueStale: boolean;
}

export async function run(ctx: CommandContext): Promise<number> {
  const format = stringOption(ctx, 'format') ?? 'text';
  if (format !== 'text' && format !== 'json') throw new UsageError('--format must be text or json', USAGE);
  if (ctx.positionals.length > 1) throw new UsageError('status takes at most one merchant', USAGE);
  const merchant = ctx.positionals[0];

  const db = await openDbFromContext(ctx, 'status');
  try {
    const snapshot = await readSnapshot(db, { now: ctx.now, ...(merchant ? { merchants: [merchant] } : {}) });
    const paid = await countPaidMembersPerPlan(db, ctx.now, merchant);
    const runs = await lastRuns(db, merchant);
    const statuses = [...snapshot.merchants.values()].map((m) => withRunDue(statusOf(m, snapshot, ctx.now, paid.get(m.merchant)), runs.get(m.merchant), ctx.now));
    if (merchant && statuses.length === 0) throw new TierformError('state.unknown-merchant', `merchant ${merchant} is not in the live state`);
    if (format === 'json') {
      ctx.io.stdout.write(`${JSON.stringify(merchant ? statuses[0] : statuses, null, 2)}\n`);
    } else if (statuses.length === 0) {
      ctx.io.stdout.write('No merchants in the live state yet.\n');
    } else {
      ctx.io.stdout.write(renderStatusText(statuses));
      // JSON carries runDueStale instead: its stderr stays empty for scripts.
      for (const s of statuses.filter((x) => x.runDueStale)) {
        const last = s.lastRunDue ? `the last successful run-due finished ${s.lastRunDue.finishedAt}, more than a day ago` : 'run-due has not run for it in the day since its program was applied';
        ctx.io.stderr.write(`warning: ${s.merchant}: ${last}; is run-due (or the scheduler) still running?\n`);
      }
    }
    return 0;
  } finally {
    await db.close();
  }
}

/**
 * Members whose paid membership runs at `at` (since ≤ at < expiresAt), per merchant and plan: one
 * grouped query whatever the merchant count. A member has at most one running membership (a
 * purchase of another plan ends the running one); counting distinct members keeps that true here.
 */
export async function countPaidMembersPerPlan(q: Queryable, at: Date, merchant?: string): Promise<Map<string, Record<string, number>>> {
  const filter = merchant === undefined ? '' : ' AND merchant_id = $2';
  const res = await q.query<{ merchant_id: string; plan_id: string; n: number }>(
    `SELECT merchant_id, plan_id, count(DISTINCT member_id)::int AS n FROM paid_memberships
      WHERE since <= $1 AND $1 < expires_at${filter}
      GROUP BY merchant_id, plan_id ORDER BY merchant_id, plan_id COLLATE "C"`,
    merchant === undefined ? [at] : [at, merchant],
  );
  const out = new Map<string, Record<string, number>>();
  for (const row of res.rows) {
    const perPlan = out.get(row.merchant_id) ?? {};
    perPlan[row.plan_id] = Number(row.n);
    out.set(row.merchant_id, perPlan);
  }
  return out;
}

interface RunDueRow {
  last: LastRun | null;
  firstAppliedAt: Date | null;
}

async function lastRuns(q: Queryable, merchant?: string): Promise<Map<string, RunDueRow>> {
  const only = merchant === undefined ? undefined : [merchant];
  const out = new Map<string, RunDueRow>();
  const row = (id: string): RunDueRow => out.get(id) ?? (out.set(id, { last: null, firstAppliedAt: null }), out.get(id)!);
  const applied = selectFirstApplied(only);
  const first = await q.query<{ merchant_id: string; first_applied_at: Date | string | null }>(applied.text, applied.values);
  for (const r of first.rows) row(r.merchant_id).firstAppliedAt = r.first_applied_at === null ? null : new Date(r.first_applied_at);
  const last = selectLastSuccessfulRuns(only);
  const done = await q.query<{ merchant_id: string; kind: 'evaluate' | 'recalculate'; version: number; at: Date | string; finished_at: Date | string }>(last.text, last.values);
  for (const r of done.rows) {
    row(r.merchant_id).last = { kind: r.kind, version: Number(r.version), at: new Date(r.at).toISOString(), finishedAt: new Date(r.finished_at).toISOString() };
  }
  return out;
}

function withRunDue(s: Omit<MerchantStatus, 'lastRunDue' | 'runDueStale'>, run: RunDueRow | undefined, now: Date): MerchantStatus {
  const last = run?.last ?? null;
  return { ...s, lastRunDue: last, runDueStale: runDueStale(last, run?.firstAppliedAt ?? null, now) };
}

export function statusOf(m: LiveMerchant, snapshot: LiveSnapshot, now: Date, paid: Record<string, number> = {}): Omit<MerchantStatus, 'lastRunDue' | 'runDueStale'> {
  const current = m.active ?? m.pending;
  const limit = snapshot.catalog.spec.switchLimit;
  const members: Record<string, number> = {};
  for (const tier of current?.document.spec.levels?.tiers ?? []) members[tier.id] = 0;
  members.basic = 0;
  for (const [tier, n] of Object.entries(m.membersPerTier)) members[tier] = n;
  return {
    merchant: m.merchant,
    activeVersion: m.active?.version ?? null,
    pendingVersion: m.pending?.version ?? null,
    pendingAt: m.pending?.effectiveAt ?? null,
    type: current?.document.spec.type ?? null,
    enabled: current ? current.document.spec.enabled !== false : null,
    subscription: m.subscription,
    switches: { used: switchBudget(m.switches, now, limit).used, limit: limit.count },
    members,
    paid,
    overCap: m.active ? overCap(m.active.document, snapshot.catalog, m.subscription) : [],
  };
}

function renderStatusText(statuses: MerchantStatus[]): string {
  const rows = statuses.map((s) => [
    s.merchant,
    s.activeVersion === null ? '-' : `v${s.activeVersion}`,
    s.pendingVersion === null ? '-' : `v${s.pendingVersion} at ${s.pendingAt ?? '?'}`,
    s.type ?? '-',
    s.enabled === null ? '-' : s.enabled ? 'yes' : 'no',
    s.subscription,
    `${s.switches.used}/${s.switches.limit}`,
    `${s.lastRunDue?.finishedAt ?? 'never'}${s.runDueStale ? ' (stale)' : ''}`,
    Object.entries(s.members).map(([tier, n]) => `${tier} ${formatCount(n)}`).join(', '),
    Object.keys(s.paid).length === 0 ? '-' : Object.entries(s.paid).map(([plan, n]) => `${plan} ${formatCount(n)}`).join(', '),
  ]);
  const table = renderTable(['merchant', 'active', 'pending', 'type', 'enabled', 'subscription', 'switches', 'last run-due', 'members', 'paid'], rows);
  const flags = statuses
    .filter((s) => s.overCap.length > 0)
    .map((s) => `${s.merchant}: OVER THE CAPS of subscription ${s.subscription}:\n${s.overCap.map((c) => `  - ${c.message} (${c.code})`).join('\n')}\n`);
  return flags.length === 0 ? table : `${table}\n${flags.join('')}`;
}
