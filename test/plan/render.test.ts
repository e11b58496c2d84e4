import { describe, expect, it } from 'vitest';
import { computePlan } from '../../src/plan/compute.js';
import { planHasChanges, planHasErrors } from '../../src/plan/outcome.js';
import { renderPlanJson } from '../../src/plan/render/json.js';
import { MAX_COMMENT, renderPlanMarkdown } from '../../src/plan/render/markdown.js';
import { renderPlanText } from '../../src/plan/render/text.js';
import type { Change, MerchantPlan, Plan } from '../../src/plan/types.js';
import { desired, liveMerchant, program, snapshot, version } from './fixtures.js';

const NOW = new Date('2026-06-01T12:00:00Z');

function samplePlan(): Plan {
  const live = snapshot(
    liveMerchant('beta', { active: version(program('beta')) }),
    liveMerchant('gamma', { active: version(program('gamma')), membersPerTier: { bronze: 7 } }),
    liveMerchant('delta', { active: version(program('delta')) }),
    liveMerchant('zeta', { active: version(program('zeta')) }),
  );
  return computePlan(
    [
      desired(program('alpha')),
      desired(program('beta', ['/spec/levels/tiers/2/threshold/amount', 900])),
      desired(program('delta')),
      desired(program('gamma', ['/spec/levels/tiers/0'])),
    ],
    live,
    NOW,
  );
}

describe('renderPlanText', () => {
  it('shows each merchant, each change, and a summary line', () => {
    const text = renderPlanText(samplePlan(), { color: false });
    expect(text).toContain('~ beta (update from version 1)');
    expect(text).toContain('    ~ /spec/levels/tiers/2/threshold/amount: 800 → 900  (rule)');
    expect(text).toContain('+ alpha (create)');
    expect(text).toContain('? zeta (unmanaged');
    expect(text).toContain('    - /spec/levels/tiers/0: {"id":"bronze"');
    expect(text).toContain('error plan.tier-not-empty: tier bronze holds 7 members');
    expect(text).toContain('recalculation: immediate');
    expect(text).toContain('type switch (new) → levels: 0 of 5 used in the window, allowed');
    expect(text.trimEnd().split('\n').at(-1)).toBe('Plan: 1 to create, 2 to update, 1 unchanged, 1 unmanaged; 1 error.');
    expect(text).not.toContain('\u001b[');
    expect(renderPlanText(samplePlan(), { color: true })).toContain('\u001b[');
  });
});

describe('planHasChanges / planHasErrors', () => {
  it('answers for --detailed-exitcode', () => {
    const plan = samplePlan();
    expect(planHasChanges(plan)).toBe(true);
    expect(planHasErrors(plan)).toBe(true);
    const quiet = computePlan([desired(program('beta'))], snapshot(liveMerchant('beta', { active: version(program('beta')) })), NOW);
    expect(planHasChanges(quiet)).toBe(false);
    expect(planHasErrors(quiet)).toBe(false);
  });
});

describe('renderPlanJson', () => {
  it('prints the SPEC shape with a trailing newline and round-trips', () => {
    const plan = samplePlan();
    const json = renderPlanJson(plan);
    expect(json.endsWith('}\n')).toBe(true);
    const parsed = JSON.parse(json) as Plan;
    expect(Object.keys(parsed)).toEqual(['formatVersion', 'createdAt', 'merchants']);
    expect(Object.keys(parsed.merchants[0]!)).toEqual([
      'merchant', 'action', 'baseVersion', 'changes', 'recalculation', 'switch', 'impact', 'errors', 'path', 'document',
    ]);
    expect(parsed).toEqual(JSON.parse(JSON.stringify(plan)));
  });
});

function bigPlan(merchants: number, changesEach: number): Plan {
  const changes: Change[] = Array.from({ length: changesEach }, (_, i) => ({
    pointer: `/spec/levels/tiers/${i % 5}/benefits`,
    op: 'replace',
    before: [{ type: 'custom', description: `old | *text* <b>${i}</b>` }],
    after: [{ type: 'custom', description: `new | text ${i}` }],
    class: 'benefit',
  }));
  const list: MerchantPlan[] = Array.from({ length: merchants }, (_, i) => ({
    merchant: `merchant-with-a-rather-long-identifier-${String(i).padStart(4, '0')}`,
    action: 'update',
    baseVersion: 3,
    changes,
    recalculation: { mode: 'scheduled', at: '2026-12-01T03:00:00+08:00' },
    switch: null,
    impact: { asOf: NOW.toISOString(), before: { basic: 10, bronze: 5 }, after: { basic: 8, bronze: 7 }, transitions: [{ from: 'basic', to: 'bronze', count: 2 }] },
    errors: i % 100 === 0 ? [{ code: 'plan.tier-not-empty', message: 'tier gold holds 3 members | set enabled: false first' }] : [],
    document: program(`m${i}`),
  }));
  return { formatVersion: 1, createdAt: NOW.toISOString(), merchants: list };
}

describe('renderPlanMarkdown', () => {
  it('puts a summary table first and folds details', () => {
    const md = renderPlanMarkdown(samplePlan());
    expect(md.startsWith('## tierform plan')).toBe(true);
    expect(md.indexOf('| Merchant |')).toBeLessThan(md.indexOf('<details>'));
    expect(md).toContain('| beta | 🔄 update | 1 | immediate | — | — |  |');
    expect(md).not.toContain('| delta |');
    expect(md).toContain('plan.tier-not-empty');
    expect(md).not.toContain('omitted');
  });

  it('counts members moving up and down by tier rank', () => {
    const plan = bigPlan(1, 1);
    plan.merchants[0]!.impact!.transitions = [
      { from: 'basic', to: 'silver', count: 4 },
      { from: 'gold', to: 'bronze', count: 2 },
      { from: 'silver', to: 'silver', count: 9 },
    ];
    expect(renderPlanMarkdown(plan)).toMatch(/\| 4 \| 2 \| ❌ plan\.tier-not-empty \|/);
  });

  it('escapes pipes and markup in values', () => {
    const md = renderPlanMarkdown(bigPlan(1, 1));
    expect(md).toContain('old \\| \\*text\\* &lt;b&gt;0&lt;/b&gt;');
    expect(md).not.toContain('<b>');
  });

  it('stays under the comment limit with 1,000 merchants and says what it left out', () => {
    const md = renderPlanMarkdown(bigPlan(1000, 40));
    expect(md.length).toBeLessThanOrEqual(MAX_COMMENT);
    expect(md).toMatch(/Details of \d+ merchants omitted/);
    expect(md).toContain('tierform plan');
    expect(md.split('<details>').length).toBe(md.split('</details>').length);
    expect(md.split('<details>').length).toBeGreaterThan(1);
    // the blocks kept first are those with errors
    const summaries = [...md.matchAll(/<summary>(.*)<\/summary>/g)].map((m) => m[1]!);
    expect(summaries.length).toBeGreaterThan(0);
    expect(summaries.every((s) => s.includes('1 error'))).toBe(true);
  });

  it('keeps even the table within the limit', () => {
    const md = renderPlanMarkdown(bigPlan(3000, 2));
    expect(md.length).toBeLessThanOrEqual(MAX_COMMENT);
    expect(md).toMatch(/more merchants are not in the table/);
    expect(md.split('<details>').length).toBe(md.split('</details>').length);
  });
});
