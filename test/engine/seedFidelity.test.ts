/**
 * SPEC v1.1's answers to how members were moved in ways the seeds do not allow: one test per
 * point, named after the SPEC rule and the seed sentence it honours. Each runs the set-based
 * engine and the reference model side by side (Scenario checks they agree on every read).
 */
import { describe, expect, it } from 'vitest';
import { withTestDb } from '../helpers/db.js';
import { openRun, readRun } from '../../src/engine/index.js';
import type { LevelsSection } from '../../src/rules/index.js';
import { at, order } from '../semantics/helpers.js';
import { iso, reimport, Scenario } from './scenario.js';

const ctx = withTestDb();
Scenario.use(ctx);

const validity12 = { mode: 'validity', validity: { months: 12 } };
const threeMonths = { rolling: { months: 3 } };
const twelveMonths = { rolling: { months: 12 } };
const tiers = (bronze: number, silver: number, silverEnabled = true): LevelsSection['tiers'] => [
  { id: 'bronze', threshold: { amount: bronze } },
  { id: 'silver', threshold: { amount: silver }, enabled: silverEnabled },
];

describe('v1.1 §3.3/§3.5 the evidence instant', () => {
  const levels = (t: LevelsSection['tiers'], exclude: string[] = []): LevelsSection => ({
    upgrade: { window: threeMonths, exclude },
    downgrade: validity12,
    tiers: t,
  });

  it('§3.5 relegation then removal (seed 004: "If this level is disabled, these customers will be relegated to the previous level"): the removal and an unused exclusion tag move nobody', async () => {
    const s = await Scenario.start(levels(tiers(500, 1000)), ['m', 'n'], [order('m', '2024-01-05T00:00:00Z', 1100), order('n', '2024-01-05T00:00:00Z', 600)]);
    await s.evaluate(at('2024-01-10'));
    // Silver disabled: m is relegated to bronze; the validity period earned on 2024-01-10 runs on.
    await s.recalculate(levels(tiers(500, 1000, false)), at('2024-06-01'));
    expect(await s.standing('m')).toMatchObject({
      tier: 'bronze',
      tierSince: iso('2024-06-01'),
      anchorAt: iso('2024-01-10'),
      evidenceAt: iso('2024-01-10'),
      expiresAt: iso('2025-01-10'),
    });
    const [m, n] = [await s.standing('m'), await s.standing('n')];
    // The now-empty silver removed the next day, then an exclusion tag none of their orders
    // carries: both are re-derived as of 2024-01-10 (their orders have left the window by now).
    expect(await s.recalculate(levels([tiers(500, 1000)[0]!]), at('2024-06-02'))).toEqual({ before: { bronze: 2 }, after: { bronze: 2 } });
    expect(await s.recalculate(levels([tiers(500, 1000)[0]!], ['gift_card']), at('2024-06-03'))).toEqual({ before: { bronze: 2 }, after: { bronze: 2 } });
    expect(await s.standing('m')).toEqual(m);
    expect(await s.standing('n')).toEqual(n);
  });

  it('§3.3 step 4 refunds after a rule change (seed 001: "Member System will exclude this order and give a new level based on the consumption amount of the remaining orders"): re-derived as of evidenceAt', async () => {
    const evidence = order('m', '2024-01-05T00:00:00Z', 1100);
    const later = order('m', '2024-03-01T00:00:00Z', 200);
    const s = await Scenario.start(levels(tiers(500, 1000)), ['m'], [evidence, later]);
    await s.evaluate(at('2024-01-10'));
    await s.recalculate(levels(tiers(400, 1000), ['gift_card']), at('2024-06-01'));
    expect(await s.tier('m')).toBe('silver');
    // A refund of an order outside the evidence (paid after evidenceAt) changes nothing.
    await s.importOrders([reimport(later, { status: 'refunded' })]);
    await s.evaluate(at('2024-06-02'));
    expect(await s.tier('m')).toBe('silver');
    // Half of the evidence refunded: 550 as of 2024-01-10 reaches bronze; tierSince, evidenceAt and expiresAt stay.
    await s.importOrders([reimport(evidence, { refundedMinor: 55000n })]);
    await s.evaluate(at('2024-06-03'));
    expect(await s.standing('m')).toMatchObject({ tier: 'bronze', tierSince: iso('2024-01-10'), evidenceAt: iso('2024-01-10'), expiresAt: iso('2025-01-10') });
    expect((await s.standing('m')).history.at(-1)).toMatchObject({ from: 'silver', to: 'bronze', reason: 'refund' });
  });
});

describe('v1.1 §3.3 step 3 expiry without a silent renewal', () => {
  it('§3.3 seed 002 member D ("Spending over $2,000 in 12 months to extend"): 1,100 spent in the validity period falls to the next lower tier', async () => {
    const s = await Scenario.start(
      {
        upgrade: { window: twelveMonths },
        downgrade: { ...validity12, retention: { extend: { months: 12 } } },
        tiers: [
          { id: 'bronze', threshold: { amount: 500 }, retain: { amount: 1000 } },
          { id: 'silver', threshold: { amount: 1000 }, retain: { amount: 2000 } },
        ],
      },
      ['d'],
      [order('d', '2023-01-05T00:00:00Z', 1000), order('d', '2023-05-01T00:00:00Z', 600), order('d', '2023-09-01T00:00:00Z', 500)],
    );
    await s.evaluate(at('2023-01-10'));
    expect(await s.tier('d')).toBe('silver');
    // 1,100 in [2023-01-10, 2024-01-10) < 2,000: no extension, and silver is not re-checked on
    // its upgrade conditions (2,100 in the rolling year would meet them): bronze (500) holds.
    const t = at('2024-01-10');
    await s.evaluate(t);
    expect(await s.standing('d')).toMatchObject({ tier: 'bronze', tierSince: t.toISOString(), evidenceAt: t.toISOString(), expiresAt: iso('2025-01-10') });
    expect((await s.standing('d')).history.map((h) => h.reason)).toEqual(['upgrade', 'expire']);
  });

  it('§3.3 a member whose only order is the one that upgraded them falls, whatever the window (seed 002: "The order amount for upgrading the membership will not be calculated into the spend amount for the membership extension")', async () => {
    const s = await Scenario.start({ downgrade: validity12, tiers: [{ id: 'gold', threshold: { amount: 1000 } }] }, ['m'], [order('m', '2023-01-05T00:00:00Z', 1000)]);
    await s.evaluate(at('2023-01-10'), at('2024-01-10'));
    expect(await s.standing('m')).toMatchObject({ tier: null, expiresAt: null, tierSince: iso('2024-01-10') });
    expect((await s.standing('m')).history.map((h) => [h.from, h.to, h.reason])).toEqual([
      [null, 'gold', 'upgrade'],
      ['gold', null, 'expire'],
    ]);
  });
});

describe('v1.1 §3.2 upgrade.restartOnMove', () => {
  it('§3.2 restartOnMove (seed 002: "the cumulative total spend starts from 0 after the extension"): spend before an upgrade or an extension never counts again', async () => {
    const levels = (restartOnMove: boolean): LevelsSection => ({ upgrade: { restartOnMove }, downgrade: validity12, tiers: tiers(500, 1000) });
    const orders = (id: string) => [order(id, '2023-01-05T00:00:00Z', 600), order(id, '2023-03-01T00:00:00Z', 500), order(id, '2024-02-01T00:00:00Z', 600)];
    const lifetime = await Scenario.start(levels(false), ['m'], orders('m'));
    const restart = await Scenario.start(levels(true), ['m'], orders('m'));
    for (const s of [lifetime, restart]) await s.evaluate(at('2023-01-10'), at('2023-03-10'));
    // Lifetime 1,100 reaches silver; restarted at the upgrade on 2023-01-10, 500 does not.
    expect(await lifetime.tier('m')).toBe('silver');
    expect(await restart.standing('m')).toMatchObject({ tier: 'bronze', anchorAt: iso('2023-01-10') });
    // Bronze expires on 2024-01-10: the 500 of its validity period meets bronze's 500, extended;
    // then 600 after the extension (1,700 lifetime) is below silver's 1,000.
    await restart.evaluate(at('2024-01-10'), at('2024-03-01'));
    expect(await restart.standing('m')).toMatchObject({ tier: 'bronze', anchorAt: iso('2024-01-10'), evidenceAt: iso('2024-01-10'), expiresAt: iso('2025-01-10') });
  });
});

describe('v1.1 §3.3 downgrade.retention.basis', () => {
  it('§3.3 retention basis accumulated (seed 001: "the single transaction amount or the accumulated consumption amount within the validity period of the level reaches the current level guarantee standard")', async () => {
    const levels = (basis: string): LevelsSection => ({
      upgrade: { basis: 'single_order', window: twelveMonths },
      downgrade: { ...validity12, retention: { extend: { months: 12 }, basis } },
      tiers: [
        { id: 'bronze', threshold: { amount: 500 }, retain: { amount: 400 } },
        { id: 'silver', threshold: { amount: 1000 }, retain: { amount: 800 } },
      ],
    });
    const orders = (id: string) => [order(id, '2023-01-05T00:00:00Z', 1000), order(id, '2023-04-01T00:00:00Z', 500), order(id, '2023-08-01T00:00:00Z', 400)];
    const accumulated = await Scenario.start(levels('accumulated'), ['m'], orders('m'));
    const single = await Scenario.start(levels('single_order'), ['m'], orders('m'));
    for (const s of [accumulated, single]) await s.evaluate(at('2023-01-10'), at('2024-01-10'));
    // 500 + 400 = 900 ≥ 800 accumulated: extended. The largest single order, 500, is not: falls to bronze.
    expect(await accumulated.standing('m')).toMatchObject({ tier: 'silver', expiresAt: iso('2025-01-10') });
    expect(await single.standing('m')).toMatchObject({ tier: 'bronze', expiresAt: iso('2025-01-10') });
  });
});

describe('v1.1 §3.2 tiers[].window', () => {
  it('§3.2 a tier’s own window (seed 003: "Senior members are customers who have already traded… VIP members are customers whose annual transaction amount is greater than a certain amount")', async () => {
    const s = await Scenario.start(
      {
        upgrade: { window: twelveMonths },
        tiers: [
          { id: 'senior', threshold: { orders: 1 }, window: 'lifetime' },
          { id: 'vip', threshold: { amount: 5000, orders: 1 } },
        ],
      },
      ['long-ago', 'annual', 'spread'],
      [
        order('long-ago', '2021-03-01T00:00:00Z', 9000),
        order('annual', '2024-02-01T00:00:00Z', 3000),
        order('annual', '2024-05-01T00:00:00Z', 2500),
        order('spread', '2023-03-01T00:00:00Z', 3000),
        order('spread', '2024-05-01T00:00:00Z', 2500),
      ],
    );
    await s.evaluate(at('2024-06-01'));
    expect(await s.tier('long-ago')).toBe('senior');
    expect(await s.tier('annual')).toBe('vip');
    expect(await s.tier('spread')).toBe('senior');
  });
});

describe('v1.1 §3.2 an order that triggered an upgrade never triggers another', () => {
  it('§3.2 single_order + recompute (seed 002: "if that order has already been used for a membership upgrade, it cannot be used repeatedly"): no second upgrade after a rule-change demotion; it still holds a lower tier', async () => {
    const levels = (silver: number): LevelsSection => ({ upgrade: { basis: 'single_order', window: twelveMonths }, downgrade: { mode: 'recompute' }, tiers: tiers(500, silver) });
    const s = await Scenario.start(levels(1000), ['m'], [order('m', '2024-01-05T00:00:00Z', 1200, { id: 'x' })]);
    await s.evaluate(at('2024-01-10'), at('2024-02-10'));
    // x keeps holding silver in recompute (it counts for holding, never for moving up).
    expect(await s.standing('m')).toMatchObject({ tier: 'silver', tierSince: iso('2024-01-10') });
    expect(await s.consumed('m')).toEqual(['x']);
    await s.recalculate(levels(1500), at('2024-03-01'));
    expect(await s.tier('m')).toBe('bronze');
    // Silver back at 1,000: x may not move the member up again, by a rule change or an evaluation.
    await s.recalculate(levels(1000), at('2024-03-02'));
    await s.evaluate(at('2024-03-03'));
    expect(await s.tier('m')).toBe('bronze');
    // Once x leaves the 12-month window nothing holds bronze.
    await s.evaluate(at('2025-01-06'));
    expect(await s.tier('m')).toBeNull();
  });
});

describe('v1.1 §3.3 evaluations move forward', () => {
  it('§3.3 an evaluation at an instant earlier than the latest one is refused (engine.clock-backwards), nothing changed', async () => {
    const s = await Scenario.start({ downgrade: validity12, tiers: tiers(500, 1000) }, ['m'], [order('m', '2024-01-05T00:00:00Z', 600)]);
    const db = ctx.db;
    const { run } = await openRun(db, { merchant: s.merchant, kind: 'evaluate', version: 1, at: at('2024-03-01'), key: 'evaluate:2024-03-01' }, at('2024-03-01'));
    const before = await db.query('SELECT count(*)::int AS n FROM engine_runs WHERE merchant_id = $1', [s.merchant]);
    for (const kind of ['evaluate', 'recalculate'] as const) {
      await expect(openRun(db, { merchant: s.merchant, kind, version: 1, at: at('2024-02-29'), key: `${kind}:earlier` }, at('2024-03-01'))).rejects.toMatchObject({
        code: 'engine.clock-backwards',
      });
    }
    const after = await db.query('SELECT count(*)::int AS n FROM engine_runs WHERE merchant_id = $1', [s.merchant]);
    expect(after.rows).toEqual(before.rows);
    // The same instant, a later one, and resuming the run already opened are allowed.
    expect((await openRun(db, { merchant: s.merchant, kind: 'evaluate', version: 1, at: at('2024-03-01'), key: 'evaluate:2024-03-01' }, at('2024-03-02'))).created).toBe(false);
    expect((await openRun(db, { merchant: s.merchant, kind: 'evaluate', version: 1, at: at('2024-03-01'), key: 'evaluate:again' }, at('2024-03-02'))).created).toBe(true);
    expect((await readRun(db, s.merchant, run.runId))?.status).toBe('running');
  });
});
