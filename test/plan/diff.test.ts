import { describe, expect, it } from 'vitest';
import { classify, diffDocuments } from '../../src/plan/diff.js';
import { program, setAt } from './fixtures.js';

const brief = (changes: ReturnType<typeof diffDocuments>) => changes.map((c) => `${c.op} ${c.pointer} ${c.class}`);

describe('diffDocuments', () => {
  it('finds nothing between a document and itself or another spelling of it', () => {
    expect(diffDocuments(program(), program())).toEqual([]);
    const respelled = program('acme', ['/spec/levels/tiers/0/threshold/amount', '100.00'], ['/spec/levels/upgrade/exclude', ['group_purchase', 'gift_card']]);
    expect(diffDocuments(program(), respelled)).toEqual([]);
  });

  it('reports one change per scalar leaf, with before and after', () => {
    const changes = diffDocuments(program(), program('acme', ['/spec/levels/tiers/2/threshold/amount', 900], ['/spec/levels/tiers/0/name', 'Copper']));
    expect(changes).toEqual([
      { pointer: '/spec/levels/tiers/0/name', op: 'replace', before: 'Bronze', after: 'Copper', class: 'cosmetic' },
      { pointer: '/spec/levels/tiers/2/threshold/amount', op: 'replace', before: 800, after: 900, class: 'rule' },
    ]);
  });

  it('matches tiers by id: pointers use the after index, removals the before index', () => {
    const after = program('acme', ['/spec/levels/tiers/0'], ['/spec/levels/tiers/1/threshold/amount', 900]);
    // bronze removed (before index 0); gold is now at index 1
    expect(brief(diffDocuments(program(), after))).toEqual([
      'remove /spec/levels/tiers/0 rule',
      'replace /spec/levels/tiers/1/threshold/amount rule',
    ]);
    const added = program();
    setAt(added, '/spec/levels/tiers/3', { id: 'platinum', name: 'Platinum', threshold: { amount: 2000 } });
    const changes = diffDocuments(program(), added);
    expect(brief(changes)).toEqual(['add /spec/levels/tiers/3 rule']);
    expect(changes[0]!.after).toMatchObject({ id: 'platinum' });
  });

  it('reports a reorder of tiers once, at the array, as a rule change', () => {
    const doc = program();
    const tiers = (doc as unknown as { spec: { levels: { tiers: unknown[] } } }).spec.levels.tiers;
    tiers.reverse();
    const changes = diffDocuments(program(), doc);
    expect(changes).toEqual([
      { pointer: '/spec/levels/tiers', op: 'replace', before: ['bronze', 'silver', 'gold'], after: ['gold', 'silver', 'bronze'], class: 'rule' },
    ]);
  });

  it('compares arrays without ids whole', () => {
    const changes = diffDocuments(program(), program('acme', ['/spec/levels/tiers/0/benefits/1', { type: 'free_shipping' }], ['/spec/levels/upgrade/exclude', ['gift_card']]));
    expect(brief(changes)).toEqual(['replace /spec/levels/upgrade/exclude rule', 'replace /spec/levels/tiers/0/benefits benefit']);
    expect(changes[1]!.after).toEqual([{ type: 'discount', percentOff: 5 }, { type: 'free_shipping' }]);
  });

  it('classifies every kind of change', () => {
    const changes = diffDocuments(
      program(),
      program(
        'acme',
        ['/metadata/subscription', 'pro'],
        ['/metadata/timezone', 'UTC'],
        ['/spec/type', 'paid'],
        ['/spec/effective/mode', 'scheduled'],
        ['/spec/effective/at', '2026-12-01T03:00:00+08:00'],
        ['/spec/evaluation/cron', '0 4 * * *'],
        ['/spec/enabled', false],
        ['/spec/notifications/upgrade', 'Welcome to {tier.name}'],
        ['/spec/levels/tiers/0/card/color', '#000000'],
        ['/spec/levels/tiers/1/enabled', false],
        ['/spec/paid/plans/0/price', 129],
        ['/spec/paid/plans/0/name', 'Plus+'],
      ),
    );
    expect(Object.fromEntries(changes.map((c) => [c.pointer, c.class]))).toEqual({
      '/metadata/subscription': 'subscription',
      '/metadata/timezone': 'rule',
      '/spec/type': 'type_switch',
      '/spec/enabled': 'rule',
      '/spec/effective/mode': 'schedule',
      '/spec/effective/at': 'schedule',
      '/spec/evaluation/cron': 'schedule',
      '/spec/levels/tiers/0/card/color': 'cosmetic',
      '/spec/levels/tiers/1/enabled': 'rule',
      '/spec/paid/plans/0/name': 'cosmetic',
      '/spec/paid/plans/0/price': 'rule',
      '/spec/notifications/upgrade': 'benefit',
    });
    expect(changes.find((c) => c.pointer === '/spec/effective/at')).toMatchObject({ op: 'add', before: null });
  });

  it('treats paid plan order as cosmetic and plans added or removed as rule changes', () => {
    expect(classify('/spec/paid/plans', ['a', 'b'], ['b', 'a'])).toBe('cosmetic');
    expect(classify('/spec/paid/plans/1', null, { id: 'b' })).toBe('rule');
    expect(classify('/spec/levels/tiers/0/benefits', [], [])).toBe('benefit');
    expect(classify('/spec/levels/activeFrom', null, '2024-01-01')).toBe('rule');
  });

  it('lists a created document leaf by leaf, tiers whole', () => {
    const changes = diffDocuments(undefined, program());
    expect(changes.every((c) => c.op === 'add' && c.before === null)).toBe(true);
    expect(changes.find((c) => c.pointer === '/spec/type')?.class).toBe('type_switch');
    expect(changes.filter((c) => /^\/spec\/levels\/tiers\/\d+$/.test(c.pointer))).toHaveLength(3);
  });

  it('escapes pointer segments', () => {
    const before = { spec: { notifications: {} } };
    const after = { spec: { notifications: { 'a/b~c': 'x' } } };
    expect(diffDocuments(before, after)[0]!.pointer).toBe('/spec/notifications/a~1b~0c');
  });
});
