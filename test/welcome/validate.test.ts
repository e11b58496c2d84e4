/**
 * Validating welcome benefits and the join template (SPEC §1.1, §2): `{program.rules}` is a
 * known placeholder, anything else is `notifications.placeholder`; welcome benefits allow only
 * one-time types with their own fields; their amounts are money; maxLength judges the join
 * message with the program's rules and a basic or tiered member.
 */
import { describe, expect, it } from 'vitest';
import { checkDocument } from '../../src/document/checkDocument.js';
import { defaultCatalog } from '../../src/catalog/builtin.js';
import { tooLongMessages } from '../../src/outbox/longest.js';
import { classify } from '../../src/plan/diff.js';

function program(levelsExtra: string, notifications: string, paidExtra = ''): string {
  return `apiVersion: tierform.dev/v1
kind: MembershipProgram
metadata: { merchant: shop, subscription: growth, timezone: Asia/Tokyo, currency: JPY }
spec:
  type: levels
  levels:
    upgrade: { window: { rolling: { months: 6 } } }
${levelsExtra}
    tiers:
      - { id: silver, name: Silver, threshold: { amount: 10000 } }
  paid:
    plans:
      - { id: plus, name: Plus, price: 990, validity: { months: 12 } }
${paidExtra}
  notifications:
${notifications}
`;
}

/** `line:column` (1-based) of the first occurrence of `needle`. */
function position(text: string, needle: string): string {
  const before = text.slice(0, text.indexOf(needle));
  return `${before.split('\n').length}:${before.length - before.lastIndexOf('\n')}`;
}

const check = (text: string): string[] =>
  checkDocument('programs/shop/program.yaml', Buffer.from(text), defaultCatalog).diagnostics.map((d) => `${d.code} ${d.pointer} ${d.line}:${d.column}`);

describe('validate: welcome and join', () => {
  it('accepts levels.welcome, paid.welcome and a join template with {program.rules}', () => {
    const text = program(
      '    welcome:\n      - { type: cash_voucher, amountOff: 500, minSpend: 3000 }\n      - { type: join_points, points: 100 }\n      - { type: free_samples }',
      '    join: "Welcome {member.name}! {program.rules}"\n    upgrade: "{tier.name}. {program.rules}"',
      '    welcome:\n      - { type: custom, description: "Tote bag" }',
    );
    expect(check(text)).toEqual([]);
  });

  it('refuses an unknown placeholder in the join template, at its position', () => {
    const text = program('', '    join: "Welcome {member.name}! {program.rule}"');
    expect(check(text)).toEqual([`notifications.placeholder /spec/notifications/join ${position(text, '"Welcome')}`]);
  });

  it('refuses a welcome type that is not one-time, a field of another type, and money beyond the currency', () => {
    const text = program(
      '    welcome:\n      - { type: upgrade_points, points: 5 }\n      - { type: free_shipping, percentOff: 5 }\n      - { type: cash_voucher, amountOff: "10.5" }',
      '    join: "Hi"',
    );
    const found = check(text);
    expect(found.some((d) => d.startsWith('schema.enum /spec/levels/welcome/0/type'))).toBe(true);
    expect(found.some((d) => d.startsWith('schema.additional-property /spec/levels/welcome/1'))).toBe(true);
    expect(found).toContain(`money.precision /spec/levels/welcome/2/amountOff ${position(text, '"10.5"')}`);
  });
});

describe('maxLength with the join message', () => {
  const doc = {
    metadata: { merchant: 'shop', subscription: 'growth', timezone: 'Asia/Tokyo', currency: 'JPY' },
    spec: {
      type: 'levels',
      levels: { upgrade: { window: { rolling: { months: 6 } } }, tiers: [{ id: 'silver', name: 'Silver', threshold: { amount: 10000 } }] },
      notifications: { join: 'Hi {member.name} ({tier.name}). {program.rules}', maxLength: 60 },
    },
  };

  it('renders {program.rules} and tries a basic member and every tier', () => {
    const longest = 'Hi Ann (Silver). Silver: spend 10,000 JPY within 6 months.';
    expect(tooLongMessages({ ...doc, spec: { ...doc.spec, notifications: { ...doc.spec.notifications, maxLength: longest.length } } }, { name: 'Ann', id: 'a' })).toEqual([]);
    expect(tooLongMessages({ ...doc, spec: { ...doc.spec, notifications: { ...doc.spec.notifications, maxLength: longest.length - 1 } } }, { name: 'Ann', id: 'a' })).toEqual([
      { code: 'notifications.too-long', message: `notifications.join can render ${longest.length} characters, over maxLength ${longest.length - 1}: "${longest}"` },
    ]);
  });
});

describe('plan: welcome edits are benefit changes', () => {
  it('classifies levels.welcome, paid.welcome and notifications.join as benefit, never rule', () => {
    expect(classify('/spec/levels/welcome', undefined, [{ type: 'free_samples' }])).toBe('benefit');
    expect(classify('/spec/paid/welcome', [{ type: 'free_samples' }], undefined)).toBe('benefit');
    expect(classify('/spec/notifications/join', undefined, 'Hi')).toBe('benefit');
    expect(classify('/spec/levels/upgrade', undefined, {})).toBe('rule');
  });
});
