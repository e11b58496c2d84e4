/**
 * `money.precision`, `money.range` on every amount: tier threshold.amount and retain.amount,
 * benefit amountOff and minSpend (tiers, plans and welcome benefits), plan price. Values that are neither numbers
 * nor strings are left to the schema.
 */
import type { Finding } from '../diagnostics.js';
import { parseMoney } from '../../model/money.js';
import { arrayProp, prop, recordAt } from './read.js';

export function checkMoney(doc: unknown, currency: string): Finding[] {
  const findings: Finding[] = [];
  const check = (value: unknown, pointer: string): void => {
    if (typeof value !== 'number' && typeof value !== 'string') return;
    const parsed = parseMoney(value, currency);
    if (parsed.ok) return;
    findings.push({ code: parsed.code, pointer, message: parsed.message });
  };
  const benefits = (owner: unknown, base: string): void => {
    (arrayProp(owner, 'benefits') ?? []).forEach((benefit, j) => {
      for (const key of ['amountOff', 'minSpend']) check(prop(benefit, key), `${base}/benefits/${j}/${key}`);
    });
  };
  (arrayProp(recordAt(doc, 'spec', 'levels'), 'tiers') ?? []).forEach((tier, i) => {
    const base = `/spec/levels/tiers/${i}`;
    check(prop(prop(tier, 'threshold'), 'amount'), `${base}/threshold/amount`);
    check(prop(prop(tier, 'retain'), 'amount'), `${base}/retain/amount`);
    benefits(tier, base);
  });
  (arrayProp(recordAt(doc, 'spec', 'paid'), 'plans') ?? []).forEach((plan, i) => {
    const base = `/spec/paid/plans/${i}`;
    check(prop(plan, 'price'), `${base}/price`);
    benefits(plan, base);
  });
  for (const section of ['levels', 'paid']) {
    (arrayProp(recordAt(doc, 'spec', section), 'welcome') ?? []).forEach((benefit, j) => {
      for (const key of ['amountOff', 'minSpend']) check(prop(benefit, key), `/spec/${section}/welcome/${j}/${key}`);
    });
  }
  return findings;
}
