import { describe, expect, it } from 'vitest';
import { withTestDb } from '../helpers/db.js';
import { applyPlan } from '../../src/apply/applyPlan.js';
import { readSnapshot, SNAPSHOT_QUERY_COUNT } from '../../src/store/snapshot.js';
import { CountingQueryable } from '../../src/store/countingQueryable.js';
import type { Queryable } from '../../src/store/db.js';
import { TierformError } from '../../src/cli/errors.js';
import type { MerchantPlan, Plan } from '../../src/plan/types.js';
import { T0, applyOptions, hoursAfter, planFor, program } from './fixtures.js';

const t = withTestDb();

function entry(plan: Plan, merchant: string): MerchantPlan {
  const found = plan.merchants.find((m) => m.merchant === merchant);
  if (!found) throw new Error(`no plan entry for ${merchant}`);
  return found;
}

async function versions(q: Queryable, merchant: string): Promise<{ version: number; status: string }[]> {
  const { rows } = await q.query<{ version: number; status: string }>(
    'SELECT version, status FROM program_versions WHERE merchant_id = $1 ORDER BY version',
    [merchant],
  );
  return rows.map((r) => ({ version: Number(r.version), status: r.status }));
}

async function switchCount(q: Queryable, merchant: string): Promise<number> {
  const { rows } = await q.query<{ n: number }>('SELECT count(*)::int AS n FROM type_switches WHERE merchant_id = $1', [merchant]);
  return Number(rows[0]!.n);
}

describe('applyPlan', () => {
  it('creates, then plans noop, then applies exactly the edit', async () => {
    const db = t.db;
    const first = await applyPlan(db, await planFor(db, [program({ merchant: 'm-create' })], T0), applyOptions(T0));
    expect(first.ok).toBe(true);
    expect(first.merchants[0]).toMatchObject({ merchant: 'm-create', outcome: 'applied', version: 1, status: 'active', switched: true });

    const again = await planFor(db, [program({ merchant: 'm-create' })], T0);
    expect(again.merchants.find((m) => m.merchant === 'm-create')?.action).toBe('noop');

    const edited = await planFor(db, [program({ merchant: 'm-create', bronzeName: 'Bronze Club', silverAmount: 600 })], hoursAfter(T0, 1));
    const mp = edited.merchants.find((m) => m.merchant === 'm-create')!;
    expect(mp.action).toBe('update');
    expect(mp.changes.map((c) => c.pointer).sort()).toEqual(['/spec/levels/tiers/0/name', '/spec/levels/tiers/1/threshold/amount']);
    const applied = await applyPlan(db, edited, applyOptions(hoursAfter(T0, 1)));
    expect(applied.merchants[0]).toMatchObject({ outcome: 'applied', version: 2, status: 'active', switched: false });
    expect(await versions(db, 'm-create')).toEqual([
      { version: 1, status: 'retired' },
      { version: 2, status: 'active' },
    ]);
    expect(await switchCount(db, 'm-create')).toBe(1);
  });

  it('reads the live state in a fixed number of queries whatever the merchant count', async () => {
    const db = t.db;
    const docs = Array.from({ length: 12 }, (_, i) => program({ merchant: `m-count-${i}` }));
    await applyPlan(db, await planFor(db, docs, T0), applyOptions(T0));
    const counting = new CountingQueryable(db);
    const snapshot = await readSnapshot(counting, { now: T0 });
    expect(snapshot.merchants.size).toBeGreaterThanOrEqual(12);
    expect(counting.count).toBe(SNAPSHOT_QUERY_COUNT);
    const one = new CountingQueryable(db);
    await readSnapshot(one, { merchants: ['m-count-3'], now: T0 });
    expect(one.count).toBe(SNAPSHOT_QUERY_COUNT);
  });

  it('allows five switches in 24 hours, refuses the sixth with nextAllowedAt, allows it after', async () => {
    const db = t.db;
    const merchant = 'm-switch';
    const types = ['levels', 'paid', 'levels', 'paid', 'levels'] as const;
    for (const [i, type] of types.entries()) {
      const now = hoursAfter(T0, i);
      const r = await applyPlan(db, await planFor(db, [program({ merchant, type })], now), applyOptions(now));
      expect(r.merchants[0]).toMatchObject({ outcome: 'applied', switched: true });
    }
    const sixthAt = hoursAfter(T0, 5);
    const sixth = await planFor(db, [program({ merchant, type: 'paid' })], sixthAt);
    const mp = sixth.merchants.find((m) => m.merchant === merchant)!;
    expect(mp.errors.map((e) => e.code)).toEqual(['plan.switch-limit']);
    expect(mp.switch).toMatchObject({ used: 5, limit: 5, allowed: false, nextAllowedAt: hoursAfter(T0, 24).toISOString() });
    // Apply recomputes under the lock and refuses too, writing nothing.
    const refused = await applyPlan(db, sixth, applyOptions(sixthAt));
    expect(refused.ok).toBe(false);
    expect(refused.merchants[0]?.error?.code).toBe('plan.switch-limit');
    expect(await switchCount(db, merchant)).toBe(5);

    const later = hoursAfter(T0, 24);
    const allowed = await applyPlan(db, await planFor(db, [program({ merchant, type: 'paid' })], later), applyOptions(later));
    expect(allowed.merchants[0]).toMatchObject({ outcome: 'applied', switched: true, version: 6 });
    expect(await switchCount(db, merchant)).toBe(6);
  });

  it('refuses a saved plan once the state moved (plan.stale) and changes nothing', async () => {
    const db = t.db;
    const merchant = 'm-stale';
    await applyPlan(db, await planFor(db, [program({ merchant })], T0), applyOptions(T0));
    const reviewed = await planFor(db, [program({ merchant, bronzeName: 'Reviewed' })], hoursAfter(T0, 1));
    const other = await planFor(db, [program({ merchant, bronzeName: 'Someone else' })], hoursAfter(T0, 1));
    await applyPlan(db, other, applyOptions(hoursAfter(T0, 1), { actor: 'bob' }));
    const before = await versions(db, merchant);

    const saved = JSON.parse(JSON.stringify(reviewed));
    const r = await applyPlan(db, saved, applyOptions(hoursAfter(T0, 2), { savedPlan: true }));
    expect(r.ok).toBe(false);
    expect(r.merchants[0]?.error?.code).toBe('plan.stale');
    expect(r.merchants[0]?.error?.message).toContain('version 1');
    expect(r.merchants[0]?.error?.message).toContain('version 2');
    expect(r.merchants[0]?.error?.message).toContain('bob');
    expect(await versions(db, merchant)).toEqual(before);
  });

  it('leaves the previous version active when the recalculation fails mid-apply', async () => {
    const db = t.db;
    const merchant = 'm-crash';
    await applyPlan(db, await planFor(db, [program({ merchant })], T0), applyOptions(T0));
    const now = hoursAfter(T0, 1);
    const plan = await planFor(db, [program({ merchant, silverAmount: 900, type: 'paid' })], now);
    expect(entry(plan, merchant).recalculation.mode).toBe('immediate');
    const failing = async (): Promise<never> => {
      throw new TierformError('engine.failed', 'recalculation crashed');
    };
    const r = await applyPlan(db, plan, applyOptions(now, { recalculate: failing }));
    expect(r.merchants[0]).toMatchObject({ outcome: 'failed', error: { code: 'engine.failed' } });
    expect(await versions(db, merchant)).toEqual([{ version: 1, status: 'active' }]);
    expect(await switchCount(db, merchant)).toBe(1);
    const unexpected = async (): Promise<never> => {
      throw new Error('connection lost');
    };
    await expect(applyPlan(db, plan, applyOptions(now, { recalculate: unexpected }))).rejects.toThrow('connection lost');
    expect(await versions(db, merchant)).toEqual([{ version: 1, status: 'active' }]);
  });

  it('refuses a file that claims another subscription, in plan and in apply', async () => {
    const db = t.db;
    const merchant = 'm-sub';
    await applyPlan(db, await planFor(db, [program({ merchant })], T0), applyOptions(T0));
    const plan = await planFor(db, [program({ merchant, subscription: 'pro' })], T0);
    expect(entry(plan, merchant).errors.map((e) => e.code)).toContain('plan.subscription-mismatch');
    const r = await applyPlan(db, plan, applyOptions(T0));
    expect(r.merchants[0]?.error?.code).toBe('plan.subscription-mismatch');
    expect(await versions(db, merchant)).toEqual([{ version: 1, status: 'active' }]);
  });

  it('records a scheduled rule change as pending; a cosmetic edit keeps its at; a rule edit needs --supersede', async () => {
    const db = t.db;
    const merchant = 'm-pending';
    await applyPlan(db, await planFor(db, [program({ merchant })], T0), applyOptions(T0));
    const at = '2026-04-01T03:00:00+08:00';
    const now = hoursAfter(T0, 1);
    const scheduled = await applyPlan(db, await planFor(db, [program({ merchant, silverAmount: 700, scheduledAt: at })], now), applyOptions(now));
    expect(scheduled.merchants[0]).toMatchObject({ outcome: 'applied', version: 2, status: 'pending', effectiveAt: new Date(at).toISOString() });

    const cosmetic = await applyPlan(
      db,
      await planFor(db, [program({ merchant, silverAmount: 700, scheduledAt: at, bronzeName: 'Bronze+' })], now),
      applyOptions(now),
    );
    expect(cosmetic.merchants[0]).toMatchObject({ outcome: 'applied', version: 3, status: 'pending', effectiveAt: new Date(at).toISOString() });

    const rule = await planFor(db, [program({ merchant, silverAmount: 800, scheduledAt: at, bronzeName: 'Bronze+' })], now);
    expect(entry(rule, merchant).errors.map((e) => e.code)).toEqual(['plan.pending-change']);
    const refused = await applyPlan(db, rule, applyOptions(now));
    expect(refused.merchants[0]?.error?.code).toBe('plan.pending-change');

    const superseding = await planFor(db, [program({ merchant, silverAmount: 800, scheduledAt: at, bronzeName: 'Bronze+' })], now, true);
    const done = await applyPlan(db, superseding, applyOptions(now, { supersede: true }));
    expect(done.merchants[0]).toMatchObject({ outcome: 'applied', version: 4, status: 'pending' });
    expect(await versions(db, merchant)).toEqual([
      { version: 1, status: 'active' },
      { version: 2, status: 'superseded' },
      { version: 3, status: 'superseded' },
      { version: 4, status: 'pending' },
    ]);
  });
});
