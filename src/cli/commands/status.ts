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
    const statuses = [...snapshot.merchants.values()].map((m) => statusOf(m, snapshot, ctx.now, paid.get(m.merchant)));
    if (merchant && statuses.length === 0) throw new TierformError('state.unknown-merchant', `merchant ${merchant} is not in the live state`);
    if (format === 'json') {
      ctx.io.stdout.write(`${JSON.stringify(merchant ? statuses[0] : statuses, null, 2)}\n`);
    } else if (statuses.length === 0) {
      ctx.io.stdout.write('No merchants in the live state yet.\n');
    } else {
      ctx.io.stdout.write(renderStatusText(statuses));
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

export function statusOf(m: LiveMerchant, snapshot: LiveSnapshot, now: Date, paid: Record<string, number> = {}): MerchantStatus {
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
    Object.entries(s.members).map(([tier, n]) => `${tier} ${formatCount(n)}`).join(', '),
    Object.keys(s.paid).length === 0 ? '-' : Object.entries(s.paid).map(([plan, n]) => `${plan} ${formatCount(n)}`).join(', '),
  ]);
  const table = renderTable(['merchant', 'active', 'pending', 'type', 'enabled', 'subscription', 'switches', 'members', 'paid'], rows);
  const flags = statuses
    .filter((s) => s.overCap.length > 0)
    .map((s) => `${s.merchant}: OVER THE CAPS of subscription ${s.subscription}:\n${s.overCap.map((c) => `  - ${c.message} (${c.code})`).join('\n')}\n`);
  return flags.length === 0 ? table : `${table}\n${flags.join('')}`;
}
