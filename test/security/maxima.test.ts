/**
 * Every number that reaches SQL or date arithmetic has a maximum in the schema. The maximum of
 * each goes through catalog apply, apply, imports, the daily evaluation and status on a real
 * database without an error; one more is refused by validate and catalog apply.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { runCli, type CliResult } from '../helpers/cli.js';
import { testDbUrlForSubprocess, type SubprocessDb } from '../helpers/db.js';
import { testdir, type TestDir } from '../helpers/testdir.js';
import { checkDocument } from '../../src/document/checkDocument.js';
import { defaultCatalog } from '../../src/catalog/builtin.js';
import type { PlanCatalog } from '../../src/generated/types.js';

const INT4 = 2147483647;
const MONTHS = 1200;
const DAYS = 36525;
/** 2^63 - 1 minor units of USD. */
const MONEY = '92233720368547758.07';
const NOW = '2026-03-01T00:00:00Z';

function catalog(over: { count?: number; windowHours?: number; maxTiers?: number; maxPlans?: number; minMonths?: number } = {}): object {
  return {
    apiVersion: 'tierform.dev/v1',
    kind: 'PlanCatalog',
    metadata: { name: 'maxima' },
    spec: {
      switchLimit: { count: over.count ?? 1000, windowHours: over.windowHours ?? 876600 },
      policies: { lockInRequiresSingleOrder: false, minValidity: { months: over.minMonths ?? 1 } },
      subscriptions: { big: { levels: { maxTiers: over.maxTiers ?? 100 }, paid: { maxPlans: over.maxPlans ?? 100 } } },
    },
  };
}

interface Over {
  points?: number;
  orders?: number;
  validityMonths?: number;
  extendMonths?: number;
  windowDays?: number;
  planDays?: number;
  everyMonths?: number;
  joinPoints?: number;
  amount?: string;
}

function program(merchant: string, type: 'levels' | 'paid', o: Over = {}): object {
  return {
    apiVersion: 'tierform.dev/v1',
    kind: 'MembershipProgram',
    metadata: { merchant, subscription: 'big', timezone: 'Pacific/Kiritimati', currency: 'USD' },
    spec: {
      type,
      enabled: true,
      effective: { mode: 'immediate', existingMembers: 'recalculate' },
      levels: {
        upgrade: { basis: 'accumulated', window: { rolling: { days: o.windowDays ?? DAYS } } },
        downgrade: { mode: 'validity', validity: { months: o.validityMonths ?? MONTHS }, retention: { extend: { months: o.extendMonths ?? MONTHS } } },
        tiers: [
          { id: 'bronze', name: 'Bronze', threshold: { amount: 1 }, retain: { amount: 1 }, benefits: [{ type: 'upgrade_points', points: o.points ?? INT4 }] },
          {
            id: 'gold',
            name: 'Gold',
            threshold: { amount: o.amount ?? MONEY, orders: o.orders ?? INT4 },
            retain: { amount: MONEY },
            benefits: [{ type: 'cash_voucher', amountOff: MONEY, minSpend: MONEY }],
          },
        ],
      },
      paid: {
        plans: [
          {
            id: 'plus',
            name: 'Plus',
            price: MONEY,
            validity: { days: o.planDays ?? DAYS },
            benefits: [
              { type: 'join_points', points: o.joinPoints ?? INT4 },
              { type: 'free_shipping', grant: { every: { months: o.everyMonths ?? MONTHS } } },
            ],
          },
          { id: 'life', name: 'Life', price: 1, validity: { months: MONTHS }, benefits: [{ type: 'join_points', points: INT4 }] },
        ],
      },
    },
  };
}

const codesOf = (doc: object, cat: object = catalog()): string[] =>
  checkDocument('programs/x/program.yaml', Buffer.from(stringify(doc)), cat as PlanCatalog).diagnostics.map((d) => `${d.code} ${d.pointer}`);

describe('schema maxima: the maximum is valid, one more is refused', () => {
  it('accepts every maximum at once', () => {
    expect(codesOf(program('x', 'levels'))).toEqual([]);
    expect(checkDocument('c.yaml', Buffer.from(stringify(catalog())), defaultCatalog).diagnostics).toEqual([]);
  });

  const over: [keyof Over, number, string][] = [
    ['points', INT4 + 1, '/spec/levels/tiers/0/benefits/0/points'],
    ['orders', INT4 + 1, '/spec/levels/tiers/1/threshold/orders'],
    ['validityMonths', MONTHS + 1, '/spec/levels/downgrade/validity/months'],
    ['extendMonths', MONTHS + 1, '/spec/levels/downgrade/retention/extend/months'],
    ['windowDays', DAYS + 1, '/spec/levels/upgrade/window/rolling/days'],
    ['planDays', DAYS + 1, '/spec/paid/plans/0/validity/days'],
    ['everyMonths', MONTHS + 1, '/spec/paid/plans/0/benefits/1/grant/every/months'],
    ['joinPoints', INT4 + 1, '/spec/paid/plans/0/benefits/0/points'],
  ];
  for (const [key, value, pointer] of over) {
    it(`${key}: ${value} is schema.maximum at ${pointer}`, () => {
      expect(codesOf(program('x', 'levels', { [key]: value }))).toContain(`schema.maximum ${pointer}`);
    });
  }

  it('money: 2^63 minor units is money.range', () => {
    expect(codesOf(program('x', 'levels', { amount: '92233720368547758.08' }))).toContain('money.range /spec/levels/tiers/1/threshold/amount');
  });

  it('the issue\'s cases: points 99999999999999, months 99999999, days 1e20', () => {
    expect(codesOf(program('x', 'levels', { points: 99999999999999 }))).toContain('schema.maximum /spec/levels/tiers/0/benefits/0/points');
    expect(codesOf(program('x', 'levels', { validityMonths: 99999999 }))).toContain('schema.maximum /spec/levels/downgrade/validity/months');
    expect(codesOf(program('x', 'levels', { planDays: 1e20 }))).toContain('schema.maximum /spec/paid/plans/0/validity/days');
  });

  const catalogOver: [string, object, string][] = [
    ['count', { count: 1001 }, '/spec/switchLimit/count'],
    ['windowHours', { windowHours: 876601 }, '/spec/switchLimit/windowHours'],
    ['maxTiers', { maxTiers: 101 }, '/spec/subscriptions/big/levels/maxTiers'],
    ['maxPlans', { maxPlans: 101 }, '/spec/subscriptions/big/paid/maxPlans'],
    ['minValidity', { minMonths: MONTHS + 1 }, '/spec/policies/minValidity/months'],
  ];
  for (const [name, o, pointer] of catalogOver) {
    it(`catalog ${name} over its maximum is schema.maximum`, () => {
      const found = checkDocument('c.yaml', Buffer.from(stringify(catalog(o))), defaultCatalog).diagnostics.map((d) => `${d.code} ${d.pointer}`);
      expect(found).toContain(`schema.maximum ${pointer}`);
    });
  }
});

describe('the maxima on a real database', () => {
  let db: SubprocessDb;
  let dir: TestDir;
  const cli = (...argv: string[]): Promise<CliResult> => runCli([...argv, ...db.args], { cwd: dir.dir });
  const ok = (r: CliResult): CliResult => {
    expect(r.stderr, r.stdout).toBe('');
    expect(r.code, r.stdout).toBe(0);
    return r;
  };

  beforeAll(async () => {
    db = await testDbUrlForSubprocess();
    dir = await testdir({
      'catalog.yaml': catalog(),
      'catalog-over.yaml': catalog({ windowHours: 100000000 }),
      'programs/maxlevels/program.yaml': program('maxlevels', 'levels'),
      'programs/maxpaid/program.yaml': program('maxpaid', 'paid'),
    });
  });
  afterAll(async () => {
    await dir?.cleanup();
    await db?.cleanup();
  });

  it('catalog apply refuses windowHours 100000000 and stores the maxima', async () => {
    const refused = await cli('catalog', 'apply', 'catalog-over.yaml');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('schema.maximum');
    ok(await cli('catalog', 'apply', 'catalog.yaml'));
  });

  it('applies, imports, evaluates and reports at the maxima', async () => {
    ok(await cli('apply', '--auto-approve', '--now', NOW));
    const members = ['maxlevels', 'maxpaid'].map((m) => JSON.stringify({ merchant: m, member: 'm1', joinedAt: '2026-01-01T00:00:00Z' })).join('\n');
    await dir.write({ 'members.ndjson': `${members}\n` });
    ok(await cli('import', 'members', 'members.ndjson'));
    const orders = [
      { merchant: 'maxlevels', order: 'o1', member: 'm1', amount: '5.00', paidAt: '2026-02-01T00:00:00Z', status: 'paid' },
      { merchant: 'maxlevels', order: 'o2', member: 'm1', amount: MONEY, paidAt: '2026-02-02T00:00:00Z', status: 'paid' },
    ];
    await dir.write({ 'orders.ndjson': orders.map((o) => JSON.stringify(o)).join('\n') + '\n' });
    ok(await cli('import', 'orders', 'orders.ndjson'));
    const purchases = [
      { merchant: 'maxpaid', purchase: 'p1', member: 'm1', plan: 'plus', paidAt: '2026-02-01T00:00:00Z', status: 'paid' },
      { merchant: 'maxpaid', purchase: 'p2', member: 'm1', plan: 'life', paidAt: '2026-02-02T00:00:00Z', status: 'paid' },
    ];
    await dir.write({ 'purchases.ndjson': purchases.map((o) => JSON.stringify(o)).join('\n') + '\n' });
    ok(await cli('import', 'purchases', 'purchases.ndjson', '--now', NOW));
    for (const merchant of ['maxlevels', 'maxpaid']) ok(await cli('evaluate', merchant, '--now', NOW));
    ok(await cli('run-due', '--now', '2026-03-02T00:00:00Z'));
    const status = ok(await cli('status', '--format', 'json', '--now', '2026-03-02T00:00:00Z'));
    expect(status.stdout).toContain('maxlevels');
    const shown = ok(await cli('members', 'show', 'maxlevels', 'm1', '--format', 'json', '--now', '2026-03-02T00:00:00Z'));
    expect(shown.stdout).toContain('bronze');
    expect(shown.stdout).toContain(String(INT4));
    ok(await cli('plan', '--now', '2026-03-02T00:00:00Z'));
  });
});
