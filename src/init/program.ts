/**
 * The starter program `tierform init` writes: a small, commented program that fits the caps of
 * the chosen subscription in the built-in catalog (tiers up to the cap, custom rules only when
 * allowed, a paid program when the subscription has no tiers).
 */
import type { PlanCatalog } from '../generated/types.js';

export interface ProgramOptions {
  merchant: string;
  subscription: string;
  timezone: string;
  currency: string;
}

/** The modeline path from programs/<merchant>/program.yaml to the schema written by init. */
export const PROGRAM_SCHEMA_PATH = 'schemas/membership-program.schema.json';

interface StarterTier {
  id: string;
  name: string;
  amount: number;
  benefits: string[];
}

const STARTER_TIERS: StarterTier[] = [
  { id: 'silver', name: 'Silver', amount: 200, benefits: ['{ type: discount, percentOff: 5 }', '{ type: birthday_discount, percentOff: 10 }'] },
  {
    id: 'gold',
    name: 'Gold',
    amount: 1000,
    benefits: ['{ type: upgrade_points, points: 200 }', '{ type: discount, percentOff: 10 }', '{ type: free_shipping }'],
  },
  {
    id: 'platinum',
    name: 'Platinum',
    amount: 3000,
    benefits: ['{ type: upgrade_points, points: 500 }', '{ type: discount, percentOff: 15 }', '{ type: free_shipping }', '{ type: custom, description: "Priority support" }'],
  },
];

/** Which program shape the subscription allows; undefined when the catalog does not know it. */
export function starterShape(catalog: PlanCatalog, subscription: string): { tiers: number; customRules: boolean } | undefined {
  const subs = catalog.spec.subscriptions as Record<string, { levels?: { maxTiers?: number; customRules?: boolean } } | undefined>;
  if (!Object.prototype.hasOwnProperty.call(subs, subscription)) return undefined;
  const levels = subs[subscription]?.levels;
  return { tiers: Math.min(STARTER_TIERS.length, levels?.maxTiers ?? STARTER_TIERS.length), customRules: levels?.customRules !== false };
}

export function renderProgram(o: ProgramOptions, shape: { tiers: number; customRules: boolean }): string {
  const head = [
    `# yaml-language-server: $schema=../../${PROGRAM_SCHEMA_PATH}`,
    `# The membership program of ${o.merchant}. Change it in a pull request: CI validates it,`,
    '# comments the plan (what changes and how many members move between tiers) and applies it',
    '# when the pull request is merged. See README.md at the root of this repository.',
    'apiVersion: tierform.dev/v1',
    'kind: MembershipProgram',
    'metadata:',
    commented(`  merchant: ${o.merchant}`, `must match the folder name programs/${o.merchant}/`),
    commented(`  subscription: ${o.subscription}`, 'your platform plan: it caps the number of tiers and plans'),
    commented(`  timezone: ${o.timezone}`, 'local dates (windows, expiry, the daily run) are in this zone'),
    commented(`  currency: ${o.currency}`, 'every amount below is in major units of it'),
    'spec:',
  ];
  const body = shape.tiers === 0 ? paidSpec() : levelsSpec(shape);
  return `${[...head, ...body].join('\n')}\n`;
}

/** A line with its comment in the column the other comments use. */
function commented(line: string, comment: string): string {
  return `${line.padEnd(29)} # ${comment}`;
}

function effective(): string[] {
  return [
    '  enabled: true               # the "enable rule" toggle',
    '  effective:',
    '    mode: immediate           # or: scheduled, with at: <instant with offset> ("take effect later")',
    '    existingMembers: recalculate   # recalculate | upgrade_only | keep',
  ];
}

function levelsSpec(shape: { tiers: number; customRules: boolean }): string[] {
  const rules = shape.customRules
    ? [
        '    upgrade:',
        '      basis: accumulated      # the sum of eligible orders in the window (or single_order, or points)',
        '      window: { rolling: { months: 12 } }   # only the last 12 months count',
        '      exclude: [gift_card]    # orders with these tags never count',
        '    downgrade:',
        '      mode: validity          # a tier lasts `validity` after the upgrade, then is judged again',
        '      validity: { months: 12 }',
        '    refunds: recalculate      # a refund can undo the upgrade it paid for',
      ]
    : ['    # Your subscription does not allow custom upgrade and downgrade rules: spend is', '    # accumulated over the lifetime and tiers are kept.'];
  const tiers = STARTER_TIERS.slice(0, shape.tiers).flatMap((t, i) => [
    i === 0 ? commented(`      - id: ${t.id}`, 'a stable id; renaming `name` keeps the members') : `      - id: ${t.id}`,
    `        name: ${t.name}`,
    `        threshold: { amount: ${t.amount} }`,
    '        benefits:',
    ...t.benefits.map((b) => `          - ${b}`),
  ]);
  return [
    '  type: levels                # levels: tiers earned by spending; paid: plans members buy',
    ...effective(),
    '  levels:',
    ...rules,
    '    tiers:                    # lowest first; thresholds must rise with the rank',
    ...tiers,
  ];
}

function paidSpec(): string[] {
  return [
    '  type: paid                  # your subscription has no tiers: members buy a paid plan',
    ...effective(),
    '  paid:',
    '    plans:',
    commented('      - id: plus', 'a stable id; renaming `name` keeps the members'),
    '        name: Plus',
    '        price: 99',
    '        validity: { months: 12 }',
    '        benefits:',
    '          - { type: join_points, points: 500 }',
    '          - { type: free_shipping, grant: { every: { months: 1 } } }',
    '          - { type: discount, percentOff: 10 }',
  ];
}
