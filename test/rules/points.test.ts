/**
 * Upgrade by points (v1.1 §3.2) in the meaning rules and the reference model: which measures a
 * points program may set (rules.points-basis), tiers.order by points, and how the model measures
 * earned points (redemptions and entries before activeFrom left out).
 */
import { describe, expect, it } from 'vitest';
import { codes, validProgram } from './fixtures.js';
import { defaultCatalog } from '../../src/catalog/builtin.js';
import { compileRules, evaluateMember, RulesError, type PointsEntry } from '../../src/rules/index.js';
import { at, member } from '../semantics/helpers.js';

/** The valid program measured by points, retention left to the default basis, lock-in allowed. */
function pointsProgram(): any {
  const doc = validProgram();
  doc.spec.levels.upgrade.basis = 'points';
  doc.spec.levels.tiers = [
    { id: 'bronze', name: 'Bronze', threshold: { points: 100 }, retain: { points: 80 } },
    { id: 'silver', name: 'Silver', threshold: { points: 500 }, retain: { points: 400 } },
  ];
  return doc;
}
const noLockInPolicy = { ...defaultCatalog, spec: { ...defaultCatalog.spec, policies: { ...defaultCatalog.spec.policies, lockInRequiresSingleOrder: false } } };

describe('rules.points-basis', () => {
  it('a points program that sets points alone is valid', () => {
    expect(codes(pointsProgram(), { catalog: noLockInPolicy })).toEqual([]);
  });
  it('amount or orders beside basis points, in a threshold or a retain standard', () => {
    const doc = pointsProgram();
    doc.spec.levels.tiers[0].threshold = { points: 100, orders: 2 };
    doc.spec.levels.tiers[1].retain = { amount: 400 };
    expect(codes(doc, { catalog: noLockInPolicy })).toEqual([
      'rules.points-basis /spec/levels/tiers/0/threshold/orders',
      'rules.points-basis /spec/levels/tiers/1/retain/amount',
    ]);
  });
  it('retention.basis under basis points', () => {
    const doc = pointsProgram();
    doc.spec.levels.downgrade.retention.basis = 'accumulated';
    expect(codes(doc, { catalog: noLockInPolicy })).toEqual(['rules.points-basis /spec/levels/downgrade/retention/basis']);
  });
  it('points under another basis, also the default one', () => {
    const doc = validProgram();
    doc.spec.levels.tiers[1].threshold = { amount: 500, orders: 2, points: 10 };
    expect(codes(doc)).toEqual(['rules.points-basis /spec/levels/tiers/1/threshold/points']);
    delete doc.spec.levels.upgrade.basis;
    expect(codes(doc)).toContain('rules.points-basis /spec/levels/tiers/1/threshold/points');
  });
  it('tiers.order compares points', () => {
    const doc = pointsProgram();
    doc.spec.levels.tiers[1].threshold = { points: 100 };
    expect(codes(doc, { catalog: noLockInPolicy })).toEqual(['tiers.order /spec/levels/tiers/1/threshold']);
  });
  it('the built-in catalog still asks for single_order with retention', () => {
    expect(codes(pointsProgram())).toEqual(['rules.retention-needs-single-order /spec/levels/upgrade/basis']);
  });
});

describe('the reference model by points', () => {
  const rules = compileRules({
    metadata: { timezone: 'UTC', currency: 'USD' },
    spec: {
      type: 'levels',
      levels: {
        activeFrom: '2024-01-01',
        upgrade: { basis: 'points', window: 'lifetime' },
        tiers: [
          { id: 'silver', threshold: { points: 500 } },
          { id: 'gold', threshold: { points: 2000 } },
        ],
      },
    },
  });
  const entry = (id: string, points: number, when: string): PointsEntry => ({ id, memberId: 'm', points, at: at(when), importSeq: 1 });

  it('counts points earned at or after activeFrom, never redemptions, and no orders', () => {
    const points = [entry('e1', 1500, '2023-12-31'), entry('e2', 600, '2024-01-01'), entry('e3', -400, '2024-01-02'), entry('e4', 1000, '2024-02-01')];
    const s = evaluateMember(member('m'), [], at('2024-03-01'), rules, 1, points);
    // 600 + 1000 earned from activeFrom: silver; the entry of 2023 and the redemption do not count.
    expect(s.tier).toBe('silver');
    expect(s.lastEvaluatedImportSeq).toBe(1);
  });

  it('refuses what validation refuses', () => {
    const bad = (levels: object): (() => unknown) => () => compileRules({ metadata: { timezone: 'UTC', currency: 'USD' }, spec: { type: 'levels', levels: levels as never } });
    expect(bad({ upgrade: { basis: 'points' }, tiers: [{ id: 't', threshold: { amount: 5 } }] })).toThrow(RulesError);
    expect(bad({ upgrade: { basis: 'accumulated' }, tiers: [{ id: 't', threshold: { points: 5 } }] })).toThrow(RulesError);
    expect(bad({ upgrade: { basis: 'points' }, downgrade: { mode: 'validity', validity: { months: 1 }, retention: { extend: { months: 1 }, basis: 'accumulated' } }, tiers: [{ id: 't', threshold: { points: 5 } }] })).toThrow(RulesError);
    expect(bad({ upgrade: { basis: 'points' }, tiers: [{ id: 't', threshold: { points: 1.5 } }] })).toThrow(RulesError);
  });
});
