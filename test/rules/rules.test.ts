import { describe, expect, it } from 'vitest';
import { codes, findings, validProgram } from './fixtures.js';

describe('a valid program', () => {
  it('triggers nothing', () => {
    expect(findings(validProgram())).toEqual([]);
  });
  it('triggers nothing with defaults left out', () => {
    const doc = validProgram();
    delete doc.spec.levels.activeFrom;
    delete doc.spec.levels.upgrade;
    delete doc.spec.levels.downgrade;
    doc.spec.levels.tiers.forEach((t: any) => delete t.retain);
    delete doc.spec.evaluation;
    delete doc.spec.notifications;
    delete doc.spec.effective;
    expect(findings(doc)).toEqual([]);
  });
  it('every finding has a message', () => {
    const doc = validProgram();
    doc.spec.levels.tiers[1].threshold.amount = 50;
    for (const f of findings(doc)) expect(f.message.length).toBeGreaterThan(10);
  });
});

describe('tiers', () => {
  it('tiers.order: a higher tier with a lower amount', () => {
    const doc = validProgram();
    doc.spec.levels.tiers[2].threshold = { amount: 300, orders: 5 };
    expect(codes(doc)).toEqual(['tiers.order /spec/levels/tiers/2/threshold']);
  });
  it('tiers.order: equal thresholds are not strictly higher', () => {
    const doc = validProgram();
    doc.spec.levels.tiers[1].threshold = { amount: 100 };
    expect(codes(doc)).toEqual(['tiers.order /spec/levels/tiers/1/threshold']);
  });
  it('tiers.order: an unset measure counts as 0', () => {
    const doc = validProgram();
    // silver sets orders 2; gold sets amount only, so its orders (0) are lower.
    doc.spec.levels.tiers[2].threshold = { amount: 2000 };
    expect(codes(doc)).toEqual(['tiers.order /spec/levels/tiers/2/threshold']);
    doc.spec.levels.tiers[2].threshold = { amount: 500, orders: 3 };
    expect(codes(doc)).toEqual([]);
  });
  it('tiers.order: compares money exactly', () => {
    const doc = validProgram();
    doc.spec.levels.tiers[1].threshold = { amount: '100.00' };
    doc.spec.levels.tiers[2].threshold = { amount: 100.01 };
    expect(codes(doc)).toEqual(['tiers.order /spec/levels/tiers/1/threshold']);
  });
  it('tiers.order message names tiers and values', () => {
    const doc = validProgram();
    doc.spec.levels.tiers[2].threshold = { amount: 300, orders: 5 };
    const [f] = findings(doc);
    expect(f!.message).toContain("'gold'");
    expect(f!.message).toContain("'silver'");
    expect(f!.message).toContain('300');
  });
  it('tiers.duplicate-id', () => {
    const doc = validProgram();
    doc.spec.levels.tiers[2].id = 'bronze';
    expect(codes(doc)).toEqual(['tiers.duplicate-id /spec/levels/tiers/2/id']);
  });
  it('paid.duplicate-id', () => {
    const doc = validProgram();
    doc.spec.paid.plans.push({ ...doc.spec.paid.plans[0] });
    expect(codes(doc)).toEqual(['paid.duplicate-id /spec/paid/plans/1/id']);
  });
});

describe('caps', () => {
  it('caps.subscription, and no other caps then', () => {
    const doc = validProgram();
    doc.metadata.subscription = 'platinum';
    doc.spec.levels.tiers.push({ id: 'x', threshold: { amount: 5000, orders: 3 }, retain: { amount: 1 } }, { id: 'y', threshold: { amount: 6000, orders: 4 }, retain: { amount: 1 } });
    expect(codes(doc)).toEqual(['caps.subscription /metadata/subscription']);
  });
  it('caps.max-tiers', () => {
    const doc = validProgram();
    doc.spec.levels.tiers.push({ id: 'platinum', threshold: { amount: 5000, orders: 3 }, retain: { amount: 1 } });
    expect(codes(doc)).toEqual(['caps.max-tiers /spec/levels/tiers/3']);
  });
  it('caps.levels-unsupported on type levels', () => {
    const doc = validProgram();
    doc.metadata.subscription = 'lite';
    expect(codes(doc)).toEqual(['caps.levels-unsupported /spec/type']);
  });
  it('caps.levels-unsupported on a levels section with tiers under type paid', () => {
    const doc = validProgram();
    doc.metadata.subscription = 'lite';
    doc.spec.type = 'paid';
    expect(findings(doc)).toEqual([expect.objectContaining({ code: 'caps.levels-unsupported', pointer: '/spec/levels', at: 'key' })]);
    delete doc.spec.levels;
    expect(codes(doc)).toEqual([]);
  });
  it('caps.max-paid-plans', () => {
    const doc = validProgram();
    doc.spec.paid.plans.push({ id: 'b', price: 1, validity: { months: 1 } }, { id: 'c', price: 1, validity: { months: 1 } });
    expect(codes(doc)).toEqual(['caps.max-paid-plans /spec/paid/plans/2']);
  });
  it('caps.custom-rules on each custom key', () => {
    const doc = validProgram();
    doc.metadata.subscription = 'starter';
    doc.spec.levels.tiers = [doc.spec.levels.tiers[0]];
    expect(findings(doc).map((f) => [f.code, f.pointer, f.at])).toEqual([
      ['caps.custom-rules', '/spec/levels/activeFrom', 'key'],
      ['caps.custom-rules', '/spec/levels/upgrade', 'key'],
      ['caps.custom-rules', '/spec/levels/downgrade', 'key'],
    ]);
  });
  it('a malformed catalog judges no caps', () => {
    const doc = validProgram();
    doc.spec.levels.tiers.push({ id: 'x', threshold: { amount: 5000, orders: 9 }, retain: { amount: 1 } });
    expect(codes(doc, { catalog: { spec: 7 } })).toEqual([]);
  });
});

describe('retention and downgrade rules', () => {
  it('rules.retention-needs-validity: retention without validity mode', () => {
    const doc = validProgram();
    doc.spec.levels.downgrade = { mode: 'never', retention: { extend: { months: 12 } } };
    doc.spec.levels.tiers.forEach((t: any) => delete t.retain);
    expect(codes(doc)).toEqual(['rules.retention-needs-validity /spec/levels/downgrade/retention', ...['0', '1', '2'].map((i) => `rules.retain-missing /spec/levels/tiers/${i}`)]);
  });
  it("rules.retention-needs-validity: a tier's retain without validity mode", () => {
    const doc = validProgram();
    doc.spec.levels.downgrade = { mode: 'recompute' };
    doc.spec.levels.tiers.forEach((t: any, i: number) => i !== 1 && delete t.retain);
    expect(codes(doc)).toEqual(['rules.retention-needs-validity /spec/levels/tiers/1/retain']);
  });
  it('rules.retain-missing', () => {
    const doc = validProgram();
    delete doc.spec.levels.tiers[1].retain;
    expect(codes(doc)).toEqual(['rules.retain-missing /spec/levels/tiers/1']);
  });
  it('rules.retain-missing skips disabled tiers', () => {
    const doc = validProgram();
    delete doc.spec.levels.tiers[1].retain;
    doc.spec.levels.tiers[1].enabled = false;
    expect(codes(doc)).toEqual([]);
  });
  it('rules.retention-needs-single-order: explicit and default basis', () => {
    const doc = validProgram();
    doc.spec.levels.upgrade.basis = 'accumulated';
    expect(codes(doc)).toEqual(['rules.retention-needs-single-order /spec/levels/upgrade/basis']);
    delete doc.spec.levels.upgrade.basis;
    expect(codes(doc)).toEqual(['rules.retention-needs-single-order /spec/levels/downgrade/retention']);
  });
  it('rules.retention-needs-single-order follows the catalog policy', async () => {
    const { catalog } = await import('./fixtures.js');
    const relaxed = structuredClone(catalog);
    relaxed.spec.policies.lockInRequiresSingleOrder = false;
    const doc = validProgram();
    doc.spec.levels.upgrade.basis = 'accumulated';
    expect(codes(doc, { catalog: relaxed })).toEqual([]);
  });
  it('rules.window-conflict', () => {
    const doc = validProgram();
    doc.spec.levels.upgrade.window = 'since_last_upgrade';
    doc.spec.levels.downgrade = { mode: 'recompute' };
    doc.spec.levels.tiers.forEach((t: any) => delete t.retain);
    expect(codes(doc)).toEqual(['rules.window-conflict /spec/levels/upgrade/window']);
  });
  it('rules.window-conflict (v1.1): restartOnMove or a tier window since_last_upgrade with recompute', () => {
    const doc = validProgram();
    doc.spec.levels.upgrade.restartOnMove = true;
    doc.spec.levels.downgrade = { mode: 'recompute' };
    doc.spec.levels.tiers.forEach((t: any) => delete t.retain);
    doc.spec.levels.tiers[1].window = 'since_last_upgrade';
    expect(codes(doc)).toEqual([
      'rules.window-conflict /spec/levels/upgrade/restartOnMove',
      'rules.window-conflict /spec/levels/tiers/1/window',
    ]);
    doc.spec.levels.downgrade = { mode: 'validity', validity: { months: 12 } };
    expect(codes(doc)).toEqual([]);
  });
  it('v1.1 fields are accepted: restartOnMove, retention.basis, tiers[].window', () => {
    const doc = validProgram();
    doc.spec.levels.upgrade.restartOnMove = true;
    doc.spec.levels.downgrade.retention.basis = 'accumulated';
    doc.spec.levels.tiers[0].window = 'lifetime';
    doc.spec.levels.tiers[2].window = { rolling: { months: 12 } };
    expect(findings(doc)).toEqual([]);
  });
  it('rules.min-validity on tier validity, extension and plan validity', () => {
    const doc = validProgram();
    doc.spec.levels.downgrade.validity = { days: 30 };
    doc.spec.levels.downgrade.retention.extend = { days: 7 };
    doc.spec.paid.plans[0].validity = { months: 0 };
    expect(codes(doc)).toEqual([
      'rules.min-validity /spec/levels/downgrade/validity',
      'rules.min-validity /spec/levels/downgrade/retention/extend',
      'rules.min-validity /spec/paid/plans/0/validity',
    ]);
    doc.spec.levels.downgrade.validity = { days: 31 };
    doc.spec.levels.downgrade.retention.extend = { months: 1 };
    doc.spec.paid.plans[0].validity = { days: 400 };
    expect(codes(doc)).toEqual([]);
  });
});

describe('type and effective', () => {
  it('type.section-missing', () => {
    const doc = validProgram();
    delete doc.spec.levels;
    expect(codes(doc)).toEqual(['type.section-missing /spec/type']);
    const paid = validProgram();
    paid.spec.type = 'paid';
    delete paid.spec.paid;
    expect(codes(paid)).toEqual(['type.section-missing /spec/type']);
  });
  it('effective.at-missing', () => {
    const doc = validProgram();
    doc.spec.effective = { mode: 'scheduled' };
    expect(codes(doc)).toEqual(['effective.at-missing /spec/effective/mode']);
  });
  it('effective.at-missing for an at without offset', () => {
    const doc = validProgram();
    for (const at of ['2026-12-01T03:00:00', '2026-12-01', 'tomorrow', 5]) {
      doc.spec.effective = { mode: 'scheduled', at };
      expect(codes(doc)).toEqual(['effective.at-missing /spec/effective/at']);
    }
    doc.spec.effective = { mode: 'scheduled', at: '2026-12-01T03:00:00+08:00' };
    expect(codes(doc)).toEqual([]);
  });
  it('effective.at-unexpected', () => {
    const doc = validProgram();
    doc.spec.effective = { mode: 'immediate', at: '2026-12-01T03:00:00+08:00' };
    expect(findings(doc)).toEqual([expect.objectContaining({ code: 'effective.at-unexpected', pointer: '/spec/effective/at' })]);
  });
});

describe('zone, currency, cron, notifications', () => {
  it('time.zone', () => {
    for (const zone of ['Mars/Base', '+08:00', 'asia/shanghai']) {
      const doc = validProgram();
      doc.metadata.timezone = zone;
      expect(codes(doc)).toEqual(['time.zone /metadata/timezone']);
    }
  });
  it('currency.code', () => {
    const doc = validProgram();
    doc.metadata.currency = 'usd';
    expect(codes(doc)).toEqual(['currency.code /metadata/currency']);
    expect(findings(doc)[0]!.message).toContain('USD');
  });
  it('cron.expression', () => {
    const doc = validProgram();
    doc.spec.evaluation.cron = '0 25 * * *';
    expect(codes(doc)).toEqual(['cron.expression /spec/evaluation/cron']);
  });
  it('notifications.placeholder', () => {
    const doc = validProgram();
    doc.spec.notifications = { upgrade: 'Hi {member.name}, {member.email} {tier}', expiry: 'ends {expiresAt} for {plan.name} {member.id}' };
    expect(codes(doc)).toEqual(['notifications.placeholder /spec/notifications/upgrade']);
    expect(findings(doc)[0]!.message).toContain('{member.email}');
  });
});

describe('money', () => {
  it('money.precision and money.range on every amount', () => {
    const doc = validProgram();
    const tier = doc.spec.levels.tiers[0];
    tier.threshold.amount = 100.001;
    tier.retain.amount = -1;
    tier.benefits[1].amountOff = '10.999';
    tier.benefits[1].minSpend = 'lots';
    doc.spec.paid.plans[0].price = '99.5.0';
    doc.spec.paid.plans[0].benefits[1].minSpend = 1.234;
    expect(codes(doc)).toEqual([
      'money.precision /spec/levels/tiers/0/threshold/amount',
      'money.range /spec/levels/tiers/0/retain/amount',
      'money.precision /spec/levels/tiers/0/benefits/1/amountOff',
      'money.range /spec/levels/tiers/0/benefits/1/minSpend',
      'money.range /spec/paid/plans/0/price',
      'money.precision /spec/paid/plans/0/benefits/1/minSpend',
    ]);
  });
  it('uses the currency minor digits', () => {
    const doc = validProgram();
    doc.metadata.currency = 'JPY';
    expect(codes(doc)).toEqual(['money.precision /spec/levels/tiers/2/threshold/amount']);
    doc.metadata.currency = 'KWD';
    doc.spec.paid.plans[0].price = '99.125';
    expect(codes(doc)).toEqual([]);
  });
});
