import { describe, expect, it } from 'vitest';
import { computePlan } from '../../src/plan/compute.js';
import { switchBudget } from '../../src/plan/switchBudget.js';
import { desired, liveMerchant, program, snapshot, version } from './fixtures.js';

const NOW = new Date('2026-06-01T12:00:00Z');
const codes = (m: { errors: { code: string }[] }) => m.errors.map((e) => e.code);

describe('computePlan', () => {
  it('creates, updates, leaves alone and lists unmanaged merchants, sorted by id', () => {
    const live = snapshot(
      liveMerchant('beta', { active: version(program('beta')) }),
      liveMerchant('gamma', { active: version(program('gamma')) }),
      liveMerchant('zeta', { active: version(program('zeta'), { version: 4 }) }),
    );
    const plan = computePlan(
      [desired(program('gamma', ['/spec/levels/tiers/2/threshold/amount', 900])), desired(program('beta')), desired(program('alpha'))],
      live,
      NOW,
    );
    expect(plan.formatVersion).toBe(1);
    expect(plan.createdAt).toBe(NOW.toISOString());
    expect(plan.merchants.map((m) => [m.merchant, m.action, m.baseVersion])).toEqual([
      ['alpha', 'create', null],
      ['beta', 'noop', 1],
      ['gamma', 'update', 1],
      ['zeta', 'unmanaged', 4],
    ]);
    const [alpha, beta, gamma, zeta] = plan.merchants;
    expect(alpha!.recalculation).toEqual({ mode: 'immediate', at: null });
    expect(alpha!.switch).toMatchObject({ from: null, to: 'levels', used: 0, limit: 5, allowed: true, nextAllowedAt: null });
    expect(alpha!.path).toBe('programs/alpha/program.yaml');
    expect(beta!.changes).toEqual([]);
    expect(beta!.recalculation.mode).toBe('none');
    expect(gamma!.changes).toHaveLength(1);
    expect(gamma!.recalculation).toEqual({ mode: 'immediate', at: null });
    expect(gamma!.switch).toBeNull();
    expect(gamma!.impact).toBeNull();
    expect(zeta!.changes).toEqual([]);
    expect(plan.merchants.every((m) => m.errors.length === 0)).toBe(true);
  });

  it('does not recalculate for cosmetic or benefit edits', () => {
    const live = snapshot(liveMerchant('acme', { active: version(program()) }));
    const plan = computePlan([desired(program('acme', ['/spec/levels/tiers/0/name', 'Copper'], ['/spec/notifications/upgrade', 'Yay {tier.name}']))], live, NOW);
    expect(plan.merchants[0]).toMatchObject({ action: 'update', recalculation: { mode: 'none', at: null }, errors: [] });
  });

  it('schedules a rule change at the effective instant', () => {
    const live = snapshot(liveMerchant('acme', { active: version(program()) }));
    const at = '2026-07-01T03:00:00+08:00';
    const plan = computePlan([desired(program('acme', ['/spec/effective/mode', 'scheduled'], ['/spec/effective/at', at], ['/spec/enabled', false]))], live, NOW);
    expect(plan.merchants[0]!.recalculation).toEqual({ mode: 'scheduled', at });
    expect(plan.merchants[0]!.errors).toEqual([]);
  });

  it('filters by merchant', () => {
    const live = snapshot(liveMerchant('zeta', { active: version(program('zeta')) }));
    const plan = computePlan([desired(program('acme')), desired(program('beta'))], live, NOW, { merchant: 'beta' });
    expect(plan.merchants.map((m) => m.merchant)).toEqual(['beta']);
  });

  describe('switch limit', () => {
    const switches = ['2026-06-01T01:00:00Z', '2026-06-01T02:00:00Z', '2026-06-01T03:00:00Z', '2026-06-01T04:00:00Z', '2026-06-01T05:00:00Z'];
    const toPaid = program('acme', ['/spec/type', 'paid']);

    it('refuses a sixth switch in 24 hours and says when the next is possible', () => {
      const live = snapshot(liveMerchant('acme', { active: version(program()), switches }));
      const m = computePlan([desired(toPaid)], live, NOW).merchants[0]!;
      expect(m.switch).toEqual({ from: 'levels', to: 'paid', used: 5, limit: 5, allowed: false, nextAllowedAt: '2026-06-02T01:00:00.000Z' });
      expect(codes(m)).toEqual(['plan.switch-limit']);
      expect(m.errors[0]!.message).toContain('2026-06-02T01:00:00.000Z');
    });

    it('allows it once the oldest switch leaves the window', () => {
      const live = snapshot(liveMerchant('acme', { active: version(program()), switches }));
      const m = computePlan([desired(toPaid)], live, new Date('2026-06-02T01:00:00Z')).merchants[0]!;
      expect(m.switch).toMatchObject({ used: 4, allowed: true, nextAllowedAt: null });
      expect(m.errors).toEqual([]);
      expect(m.recalculation.mode).toBe('immediate');
    });

    it('counts (now − window, now] exactly', () => {
      const limit = { count: 2, windowHours: 1 };
      const now = new Date('2026-01-01T01:00:00Z');
      expect(switchBudget(['2026-01-01T00:00:00Z', '2026-01-01T00:30:00Z'], now, limit)).toEqual({ used: 1, allowed: true, nextAllowedAt: null });
      expect(switchBudget([new Date('2026-01-01T00:00:00.001Z'), '2026-01-01T01:00:00Z', '2026-01-01T02:00:00Z'], now, limit)).toEqual({
        used: 2,
        allowed: false,
        nextAllowedAt: '2026-01-01T01:00:00.001Z',
      });
    });
  });

  describe('pending versions', () => {
    const at = '2026-07-01T00:00:00Z';
    const scheduled = (...edits: [string, unknown][]) => program('acme', ['/spec/effective/mode', 'scheduled'], ['/spec/effective/at', at], ...edits);
    const live = () =>
      snapshot(
        liveMerchant('acme', {
          active: version(program()),
          pending: version(scheduled(['/spec/levels/tiers/2/threshold/amount', 900]), { version: 2, status: 'pending', effectiveAt: at }),
        }),
      );

    it('diffs against the pending version and refuses another rule change', () => {
      const m = computePlan([desired(scheduled(['/spec/levels/tiers/2/threshold/amount', 1000]))], live(), NOW).merchants[0]!;
      expect(m.baseVersion).toBe(2);
      expect(m.changes.map((c) => [c.before, c.after])).toEqual([[900, 1000]]);
      expect(codes(m)).toEqual(['plan.pending-change']);
    });

    it('lets --supersede replace it, with a new at', () => {
      const later = '2026-08-01T00:00:00Z';
      const doc = scheduled(['/spec/levels/tiers/2/threshold/amount', 1000], ['/spec/effective/at', later]);
      const m = computePlan([desired(doc)], live(), NOW, { supersede: true }).merchants[0]!;
      expect(m.errors).toEqual([]);
      expect(m.recalculation).toEqual({ mode: 'scheduled', at: later });
    });

    it('recalculates when a superseding version only makes the pending rules immediate', () => {
      const doc = program('acme', ['/spec/levels/tiers/2/threshold/amount', 900]);
      const m = computePlan([desired(doc)], live(), NOW, { supersede: true }).merchants[0]!;
      expect(m.changes.every((c) => c.class === 'schedule')).toBe(true);
      expect(m.recalculation).toEqual({ mode: 'immediate', at: null });
    });

    it('allows cosmetic and benefit edits without --supersede, keeping at', () => {
      const doc = scheduled(['/spec/levels/tiers/2/threshold/amount', 900], ['/spec/levels/tiers/2/name', 'Golden'], ['/spec/levels/tiers/2/benefits', []]);
      const m = computePlan([desired(doc)], live(), NOW).merchants[0]!;
      expect(m.errors).toEqual([]);
      expect(m.action).toBe('update');
      expect(m.recalculation).toEqual({ mode: 'scheduled', at });
    });

    it('refuses moving at without --supersede', () => {
      const doc = scheduled(['/spec/levels/tiers/2/threshold/amount', 900], ['/spec/effective/at', '2026-07-02T00:00:00Z']);
      expect(codes(computePlan([desired(doc)], live(), NOW).merchants[0]!)).toEqual(['plan.pending-change']);
    });
  });

  it('refuses removing a tier that holds members, with the count', () => {
    const live = snapshot(liveMerchant('acme', { active: version(program()), membersPerTier: { basic: 10, bronze: 0, silver: 42, gold: 3 } }));
    const m = computePlan([desired(program('acme', ['/spec/levels/tiers/1'], ['/spec/levels/tiers/0']))], live, NOW).merchants[0]!;
    expect(codes(m)).toEqual(['plan.tier-not-empty']);
    expect(m.errors[0]!.message).toContain('42');
    expect(m.errors[0]!.message).toContain('enabled: false');
    const empty = computePlan([desired(program('acme', ['/spec/levels/tiers/0']))], live, NOW).merchants[0]!;
    expect(empty.errors).toEqual([]);
  });

  it('refuses a subscription that differs from the live one, but creates a new merchant with its own', () => {
    const live = snapshot(liveMerchant('acme', { active: version(program()), subscription: 'starter' }));
    const m = computePlan([desired(program('acme', ['/metadata/subscription', 'pro']))], live, NOW).merchants[0]!;
    expect(codes(m)).toContain('plan.subscription-mismatch');
    const fresh = computePlan([desired(program('newco', ['/metadata/subscription', 'pro']))], snapshot(), NOW).merchants[0]!;
    expect(fresh).toMatchObject({ action: 'create', errors: [] });
  });

  describe('scheduled instants', () => {
    const stored = '2026-03-01T00:00:00Z';
    const live = () => snapshot(liveMerchant('acme', { active: version(program('acme', ['/spec/effective/mode', 'scheduled'], ['/spec/effective/at', stored])) }));

    it('refuses a new at that is not after now', () => {
      const doc = program('acme', ['/spec/effective/mode', 'scheduled'], ['/spec/effective/at', '2026-05-01T00:00:00Z'], ['/spec/enabled', false]);
      expect(codes(computePlan([desired(doc)], live(), NOW).merchants[0]!)).toEqual(['plan.schedule-past']);
    });

    it('accepts the stored, passed at: an exported file still plans', () => {
      const doc = program('acme', ['/spec/effective/mode', 'scheduled'], ['/spec/effective/at', '2026-03-01T08:00:00+08:00'], ['/spec/levels/tiers/0/name', 'Copper']);
      const m = computePlan([desired(doc)], live(), NOW).merchants[0]!;
      expect(m.errors).toEqual([]);
      expect(m.recalculation.mode).toBe('none');
    });
  });

  it('carries the canonical document so a saved plan applies what was reviewed', () => {
    const m = computePlan([desired(program('acme', ['/spec/paid/plans/0/price', '99.50']))], snapshot(), NOW).merchants[0]!;
    expect((m.document as unknown as { spec: { paid: { plans: { price: unknown }[] } } }).spec.paid.plans[0]!.price).toBe(99.5);
  });
});
