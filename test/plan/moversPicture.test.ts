/**
 * The markdown plan shows a rule change's movers as pictures (issue #16): a Δ column per tier,
 * a moves table with bars, a Mermaid sankey of the moves; and still fits a GitHub comment.
 */
import { describe, expect, it } from 'vitest';
import { MAX_COMMENT, renderPlanMarkdown } from '../../src/plan/render/markdown.js';
import { bar, formatDelta } from '../../src/plan/render/movers.js';
import type { Impact, MerchantPlan, Plan } from '../../src/plan/types.js';
import { program } from './fixtures.js';

const NOW = '2026-06-01T12:00:00.000Z';

function plan(impacts: Impact[]): Plan {
  const merchants: MerchantPlan[] = impacts.map((impact, i) => ({
    merchant: `shop-${String(i).padStart(4, '0')}`,
    action: 'update',
    baseVersion: 1,
    changes: [{ pointer: '/spec/levels/tiers/1/threshold/amount', op: 'replace', before: 1000, after: 800, class: 'rule' }],
    recalculation: { mode: 'immediate', at: null },
    switch: null,
    impact,
    errors: [],
    document: program(`shop-${i}`),
  }));
  return { formatVersion: 1, createdAt: NOW, merchants };
}

// 100 basic, 40 bronze, 10 silver before; 30 basic → bronze, 5 bronze → silver, 2 silver → bronze.
const known: Impact = {
  asOf: NOW,
  before: { basic: 100, bronze: 40, silver: 10 },
  after: { basic: 70, bronze: 67, silver: 13 },
  transitions: [
    { from: 'basic', to: 'basic', count: 70 },
    { from: 'basic', to: 'bronze', count: 30 },
    { from: 'bronze', to: 'bronze', count: 35 },
    { from: 'bronze', to: 'silver', count: 5 },
    { from: 'silver', to: 'bronze', count: 2 },
    { from: 'silver', to: 'silver', count: 8 },
  ],
};

describe('the movers picture in the markdown plan', () => {
  it('adds a Δ per tier, bars scaled to the largest move, and a sankey of the moves only', () => {
    const md = renderPlanMarkdown(plan([known]));
    expect(md).toContain(['| Tier | Before | After | Δ |', '| --- | ---: | ---: | ---: |', '| basic | 100 | 70 | −30 |', '| bronze | 40 | 67 | +27 |', '| silver | 10 | 13 | +3 |'].join('\n'));
    // 30 is the widest bar (20 blocks); 5 → 3 blocks; 2 → 1 block (1.33 rounds to 1).
    expect(md).toContain(
      ['| From | To | Members | |', '| --- | --- | ---: | --- |', `| basic | bronze | 30 | ${'█'.repeat(20)} |`, '| bronze | silver | 5 | ███ |', '| silver | bronze | 2 | █ |'].join('\n'),
    );
    // Before and after are separate nodes: bronze → silver and silver → bronze make no cycle.
    expect(md).toContain(['```mermaid', 'sankey-beta', '"basic (before)","bronze (after)",30', '"bronze (before)","silver (after)",5', '"silver (before)","bronze (after)",2', '```'].join('\n'));
  });

  it('draws no picture when nobody moves', () => {
    const still: Impact = { asOf: NOW, before: { basic: 3 }, after: { basic: 3 }, transitions: [{ from: 'basic', to: 'basic', count: 3 }] };
    const md = renderPlanMarkdown(plan([still]));
    expect(md).toContain('| basic | 3 | 3 | 0 |');
    expect(md).toContain('No member changes tier.');
    expect(md).not.toContain('sankey-beta');
  });

  it('keeps a node name from the data inside the diagram’s syntax', () => {
    const odd: Impact = { asOf: NOW, before: { 'a"b,c': 1, basic: 0 }, after: { 'a"b,c': 0, basic: 1 }, transitions: [{ from: 'a"b,c', to: 'basic', count: 1 }] };
    expect(renderPlanMarkdown(plan([odd]))).toContain('"a_b_c (before)","basic (after)",1');
  });

  it('stays within GitHub’s comment limit with a huge impact, whole blocks left out with a note', () => {
    const tiers = ['basic', 't0', 't1', 't2', 't3', 't4'];
    const huge: Impact = {
      asOf: NOW,
      before: Object.fromEntries(tiers.map((t) => [t, 1_000_000_000])),
      after: Object.fromEntries(tiers.map((t, i) => [t, 1_000_000_000 + (i - 2) * 123_456_789])),
      transitions: tiers.flatMap((from) => tiers.map((to, j) => ({ from, to, count: 987_654_321 - j }))),
    };
    const md = renderPlanMarkdown(plan(Array.from({ length: 400 }, () => huge)));
    expect(md.length).toBeLessThanOrEqual(MAX_COMMENT);
    expect(MAX_COMMENT).toBeLessThanOrEqual(65_536);
    expect(md).toMatch(/Details of \d+ merchants omitted/);
    // Every picture that is there is whole: fences and details blocks balanced.
    expect(md.split('```mermaid').length - 1).toBeGreaterThan(0);
    expect((md.match(/^```$/gm) ?? []).length).toBe(md.split('```mermaid').length - 1);
    expect(md.split('<details>').length).toBe(md.split('</details>').length);
    expect(md).toContain('| −246,913,578 |');
  });

  it('formats deltas and bars', () => {
    expect([formatDelta(0), formatDelta(1234), formatDelta(-5)]).toEqual(['0', '+1,234', '−5']);
    expect([bar(0, 10), bar(1, 1000), bar(10, 10)]).toEqual(['', '█', '█'.repeat(20)]);
  });
});
