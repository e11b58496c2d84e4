import { beforeAll, describe, expect, it } from 'vitest';
import type { Workspace } from '../members/workspace.js';
import { BEFORE, NOW, program, shopWithMembers } from './impactWorkspace.js';
import { planFiles } from '../../src/apply/planFiles.js';
import { impactOf, withImpacts } from '../../src/apply/planImpact.js';
import { CountingQueryable } from '../../src/store/countingQueryable.js';

interface PlanJson {
  merchants: {
    merchant: string;
    action: string;
    recalculation: { mode: string; at: string | null };
    impact: null | { asOf: string; before: Record<string, number>; after: Record<string, number>; transitions: { from: string; to: string; count: number }[] };
    errors: { code: string; message: string }[];
  }[];
}

let w: Workspace;
beforeAll(async () => {
  w = await shopWithMembers();
}, 120_000);

async function planJson(...argv: string[]): Promise<PlanJson['merchants'][number]> {
  const r = await w.cli('plan', '--format', 'json', '--now', NOW, ...argv);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const plan = JSON.parse(r.stdout) as PlanJson;
  return plan.merchants.find((m) => m.merchant === 'shop')!;
}

describe('plan impact of a threshold change', () => {
  it('recalculate: members below the raised thresholds are demoted', async () => {
    await w.dir.write({ 'programs/shop/program.yaml': program({ silver: 900, gold: 1500 }) });
    const shop = await planJson();
    expect(shop.recalculation.mode).toBe('immediate');
    expect(shop.impact).toEqual({
      asOf: NOW,
      before: BEFORE,
      after: { basic: 1, bronze: 3, silver: 1, gold: 0 },
      transitions: [
        { from: 'silver', to: 'bronze', count: 2 },
        { from: 'gold', to: 'silver', count: 1 },
      ],
      drift: [],
    });
    expect(Object.keys(shop.impact!.before)).toEqual(['basic', 'bronze', 'silver', 'gold']);
  });

  it('upgrade_only: nobody is demoted', async () => {
    await w.dir.write({ 'programs/shop/program.yaml': program({ silver: 900, gold: 1500, existingMembers: 'upgrade_only' }) });
    const shop = await planJson();
    expect(shop.impact).toEqual({ asOf: NOW, before: BEFORE, after: BEFORE, transitions: [], drift: [] });
  });

  it('upgrade_only still moves members up when a threshold falls', async () => {
    await w.dir.write({ 'programs/shop/program.yaml': program({ silver: 150, existingMembers: 'upgrade_only' }) });
    const shop = await planJson();
    expect(shop.impact!.transitions).toEqual([{ from: 'bronze', to: 'silver', count: 1 }]);
    expect(shop.impact!.after).toEqual({ basic: 1, bronze: 0, silver: 3, gold: 1 });
  });

  it('keep: nobody moves', async () => {
    await w.dir.write({ 'programs/shop/program.yaml': program({ silver: 900, gold: 1500, existingMembers: 'keep' }) });
    const shop = await planJson();
    expect(shop.impact).toEqual({ asOf: NOW, before: BEFORE, after: BEFORE, transitions: [], drift: [] });
  });

  it('a change that is not a rule change has no impact', async () => {
    const doc = program() as { spec: { levels: { tiers: { name: string }[] } } };
    doc.spec.levels.tiers[0]!.name = 'Bronze Club';
    await w.dir.write({ 'programs/shop/program.yaml': doc });
    const shop = await planJson();
    expect(shop.recalculation.mode).toBe('none');
    expect(shop.impact).toBeNull();
  });

  it('a scheduled change is computed on the data as of now and labelled so', async () => {
    const at = '2026-04-01T00:00:00.000Z';
    await w.dir.write({ 'programs/shop/program.yaml': program({ silver: 900, gold: 1500, scheduledAt: at }) });
    const shop = await planJson();
    expect(shop.recalculation).toEqual({ mode: 'scheduled', at });
    expect(shop.impact).toMatchObject({ asOf: NOW, before: BEFORE, after: { basic: 1, bronze: 3, silver: 1, gold: 0 } });

    const text = await w.cli('plan', '--now', NOW);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`impact (as of now (${NOW}), before ${at}): 0 up, 3 down`);
    expect(text.stdout).toMatch(/silver\s+2\s+1/);
    expect(text.stdout).toContain('moves: silver→bronze 2, gold→silver 1');

    const md = await w.cli('plan', '--format', 'markdown', '--now', NOW);
    expect(md.code).toBe(0);
    expect(md.stdout).toContain(`Impact (as of now (${NOW}), before ${at}):`);
    expect(md.stdout).toContain('| silver | 2 | 1 |');
    expect(md.stdout).toContain('| gold | 1 | 0 |');
    expect(md.stdout).toContain('| silver | bronze | 2 |');
    expect(md.stdout).toMatch(/\| shop \| 🔄 update \| 4 \| scheduled at [^|]+ \| 0 \| 3 \| {2}\|/);
  });

  it('a new merchant has an impact of zeros, basic included', async () => {
    await w.dir.write({
      'programs/shop/program.yaml': program(),
      'programs/fresh/program.yaml': program({ merchant: 'fresh' }),
    });
    const r = await w.cli('plan', '--format', 'json', '--now', NOW);
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.stdout) as PlanJson;
    expect(plan.merchants.find((m) => m.merchant === 'shop')!.impact).toBeNull();
    expect(plan.merchants.find((m) => m.merchant === 'fresh')).toMatchObject({
      action: 'create',
      impact: { asOf: NOW, before: { basic: 0, bronze: 0, silver: 0, gold: 0 }, after: { basic: 0, bronze: 0, silver: 0, gold: 0 }, transitions: [] },
    });
  });

  it('costs one count of members plus one dry run per merchant with members, however many merchants are created', async () => {
    const fresh = (n: number): Record<string, object> =>
      Object.fromEntries(Array.from({ length: n }, (_, i) => [`programs/new-${i}/program.yaml`, program({ merchant: `new-${i}` })]));
    await w.dir.write({ 'programs/shop/program.yaml': program({ silver: 900, gold: 1500 }), ...fresh(25) });
    const counts = await w.sql(async (q) => {
      const now = new Date(NOW);
      const { plan } = await planFiles(q, [w.dir.path('programs')], { cwd: w.dir.dir, now });
      expect(plan!.merchants.filter((m) => m.action === 'create').length).toBeGreaterThanOrEqual(25);
      const oneDryRun = new CountingQueryable(q);
      await impactOf(oneDryRun, plan!.merchants.find((m) => m.merchant === 'shop')!, now);
      const all = new CountingQueryable(q);
      const filled = await withImpacts(all, plan!, now);
      expect(filled.merchants.every((m) => m.impact !== null)).toBe(true);
      return { dryRun: oneDryRun.count, all: all.count };
    });
    // impactOf counts the merchant's members itself; withImpacts counts every merchant's at once
    // and asks the engine nothing for the 25 merchants without members.
    expect(counts.all).toBe(counts.dryRun);
  });
});
