import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { testdir, type TestDir } from '../helpers/testdir.js';
import { insertMembers, insertOrders, type Workspace } from '../members/workspace.js';
import { NOW, program, shopWithMembers } from './impactWorkspace.js';
import { parseDowngradeLimit } from '../../src/plan/guardrail.js';

/** ann and bob silver→bronze, cat gold→silver: 3 of 5 members (60%). */
const DEMOTING = program({ silver: 900, gold: 1500 });

interface PlanJson {
  merchants: { merchant: string; errors: { code: string; message: string }[] }[];
}

const dirs: TestDir[] = [];
afterAll(async () => {
  for (const d of dirs) await d.cleanup();
});

async function demotingShop(files: Record<string, string | object> = {}): Promise<Workspace> {
  const w = await shopWithMembers(files);
  await w.dir.write({ 'programs/shop/program.yaml': DEMOTING });
  return w;
}

// Plan writes nothing, so the plan tests share one merchant; each starts from the demoting edit
// and no tierform.yaml.
let w: Workspace;
beforeAll(async () => {
  w = await demotingShop();
}, 120_000);
beforeEach(async () => {
  await w.dir.write({ 'programs/shop/program.yaml': DEMOTING, 'tierform.yaml': '' });
});

function guardrailErrors(stdout: string): { code: string; message: string }[] {
  return (JSON.parse(stdout) as PlanJson).merchants.flatMap((m) => m.errors).filter((e) => e.code === 'plan.guardrail');
}

describe('plan --max-downgrades', () => {
  it('fails a plan demoting more members than a count, naming the merchant, tiers and counts', async () => {
    const over = await w.cli('plan', '--format', 'json', '--max-downgrades', '2', '--now', NOW);
    expect(over.code).toBe(1);
    const [error, ...more] = guardrailErrors(over.stdout);
    expect(more).toEqual([]);
    expect(error!.message).toContain('shop would demote 3 of 5 members (60.0%): silver→bronze 2, gold→silver 1; the limit is 2 (--max-downgrades)');
    expect(error!.message).toContain('raise --max-downgrades or guardrails.maxDowngrades in tierform.yaml');

    const at = await w.cli('plan', '--format', 'json', '--max-downgrades', '3', '--now', NOW);
    expect(at.code).toBe(0);
    expect(guardrailErrors(at.stdout)).toEqual([]);

    const text = await w.cli('plan', '--max-downgrades', '2', '--now', NOW);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain('error plan.guardrail');
    const detailed = await w.cli('plan', '--detailed-exitcode', '--max-downgrades', '2', '--now', NOW);
    expect(detailed.code).toBe(1);
  });

  it('judges a percentage against the merchant’s members', async () => {
    const over = await w.cli('plan', '--format', 'json', '--max-downgrades', '59.9%', '--now', NOW);
    expect(over.code).toBe(1);
    expect(guardrailErrors(over.stdout)[0]!.message).toContain('the limit is 59.9%');
    expect((await w.cli('plan', '--max-downgrades', '60%', '--now', NOW)).code).toBe(0);
    expect((await w.cli('plan', '--max-downgrades', '0%', '--now', NOW)).code).toBe(1);
  });

  it('lets a policy that demotes nobody through a zero limit', async () => {
    await w.dir.write({ 'programs/shop/program.yaml': program({ silver: 900, gold: 1500, existingMembers: 'upgrade_only' }) });
    expect((await w.cli('plan', '--max-downgrades', '0', '--now', NOW)).code).toBe(0);
    await w.dir.write({ 'programs/shop/program.yaml': program({ silver: 900, gold: 1500, existingMembers: 'keep' }) });
    expect((await w.cli('plan', '--max-downgrades', '0', '--now', NOW)).code).toBe(0);
  });

  it('refuses a limit that is not a count or a percentage', async () => {
    for (const bad of ['-1', '5 %', 'ten', '101%', '1.5']) {
      const r = await w.cli('plan', `--max-downgrades=${bad}`, '--now', NOW);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('--max-downgrades must be');
      expect(r.stderr).toContain('usage: tierform plan');
    }
  });
});

describe('guardrails in tierform.yaml', () => {
  it('applies guardrails.maxDowngrades from the file; the option wins over it', async () => {
    await w.dir.write({ 'tierform.yaml': 'guardrails:\n  maxDowngrades: "50%"\n' });
    const byFile = await w.cli('plan', '--format', 'json', '--now', NOW);
    expect(byFile.code).toBe(1);
    expect(guardrailErrors(byFile.stdout)[0]!.message).toContain('the limit is 50% (tierform.yaml)');
    expect((await w.cli('plan', '--max-downgrades', '3', '--now', NOW)).code).toBe(0);

    await w.dir.write({ 'tierform.yaml': 'guardrails:\n  maxDowngrades: 3\n' });
    expect((await w.cli('plan', '--now', NOW)).code).toBe(0);
    expect((await w.cli('plan', '--max-downgrades', '1', '--now', NOW)).code).toBe(1);
  });

  it('is found above the current directory up to the git root, and not beyond it', async () => {
    const root = await testdir({ 'tierform.yaml': 'guardrails:\n  maxDowngrades: 0\n', 'repo/tierform-placeholder.txt': '' });
    dirs.push(root);
    const programs = w.dir.path('programs');
    const cli = (cwd: string, ...argv: string[]): ReturnType<typeof runCli> => runCli([...argv, ...w.db.args], { cwd });

    // No .git anywhere: only the current directory is searched.
    expect((await cli(root.path('repo'), 'plan', programs, '--now', NOW)).code).toBe(0);
    // The git root is the outer directory: its tierform.yaml applies in a subdirectory.
    await mkdir(root.path('.git'));
    await mkdir(root.path('repo/deeper'), { recursive: true });
    const found = await cli(root.path('repo/deeper'), 'plan', programs, '--format', 'json', '--now', NOW);
    expect(found.code).toBe(1);
    expect(guardrailErrors(found.stdout)[0]!.message).toContain(`the limit is 0 (${join('..', '..', 'tierform.yaml')})`);
    // A repository inside it stops the search at its own root.
    await mkdir(root.path('repo/.git'));
    expect((await cli(root.path('repo/deeper'), 'plan', programs, '--now', NOW)).code).toBe(0);
  });

  it('reports unknown keys and bad values with file, line and column, and plans nothing', async () => {
    await w.dir.write({ 'tierform.yaml': '# guardrails\nguardrails:\n  maxDowngrade: 5\nextra: true\n' });
    const unknown = await w.cli('plan', '--now', NOW);
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr).toContain('error config.invalid: tierform.yaml:3:3: unknown key \'maxDowngrade\' in guardrails (did you mean maxDowngrades?)');
    expect(unknown.stderr).toContain("tierform.yaml:4:1: unknown key 'extra'");

    await w.dir.write({ 'tierform.yaml': 'guardrails:\n  maxDowngrades: lots\n' });
    const bad = await w.cli('plan', '--now', NOW);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^error config\.invalid: tierform\.yaml:2:18: guardrails\.maxDowngrades must be/);

    await w.dir.write({ 'tierform.yaml': 'guardrails: [5]\n' });
    expect((await w.cli('plan', '--now', NOW)).stderr).toContain('tierform.yaml:1:13: guardrails must be a mapping');
    await w.dir.write({ 'tierform.yaml': 'guardrails:\n  maxDowngrades: "5%\n' });
    expect((await w.cli('plan', '--now', NOW)).stderr).toMatch(/^error config\.invalid: tierform\.yaml:\d+:\d+: /);
    await w.dir.write({ 'tierform.yaml': '' });
    expect((await w.cli('plan', '--now', NOW)).code).toBe(0);
  });
});

describe('apply enforces the guardrail', () => {
  it('refuses a plan over the limit from files, and a saved plan judged again under the lock', async () => {
    const w = await demotingShop({ 'tierform.yaml': 'guardrails:\n  maxDowngrades: 2\n' });
    const refused = await w.cli('apply', '--auto-approve', '--now', NOW);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('error plan.guardrail');
    expect(refused.stderr).toContain('nothing was applied');

    // Saved with --max-downgrades 3 while tierform.yaml says 2: the plan applies with the limit
    // it was reviewed with (it used to fail the guardrail at apply).
    const saved = await w.cli('plan', '--out', 'plan.json', '--max-downgrades', '3', '--now', NOW);
    expect(saved.code).toBe(0);
    const other = await w.cli('apply', 'plan.json', '--max-downgrades', '5', '--now', NOW);
    expect(other.code).toBe(1);
    expect(other.stderr).toContain('was saved with --max-downgrades 3');

    // The saved limit is judged again under the lock on the data as it is then: one more silver
    // member who would be demoted puts the plan over it.
    await w.sql(async (q) => {
      await insertMembers(q, 'shop', [{ member: 'fay', joinedAt: '2026-01-01T00:00:00Z', tier: 'silver', tierSince: '2026-02-01T00:00:00Z', anchorAt: '2026-02-01T00:00:00Z' }]);
      await insertOrders(q, 'shop', [{ order: 'o-fay', member: 'fay', amountMinor: 70_000, paidAt: '2026-01-15T00:00:00Z' }]);
    });
    const underLock = await w.cli('apply', 'plan.json', '--now', NOW);
    expect(underLock.code).toBe(1);
    expect(underLock.stderr).toMatch(/error plan\.guardrail: shop: shop would demote 4 of 6 members .*the limit is 3 \(saved with the plan, from --max-downgrades\)/);
    expect(JSON.parse((await w.cli('history', 'shop', '--format', 'json')).stdout)).toHaveLength(1);

    await w.sql((q) => q.query("DELETE FROM orders WHERE merchant_id = 'shop' AND member_id = 'fay'").then(() => q.query("DELETE FROM members WHERE merchant_id = 'shop' AND member_id = 'fay'")));
    const allowed = await w.cli('apply', 'plan.json', '--now', NOW);
    expect(allowed.stderr).toBe('');
    expect(allowed.code).toBe(0);
    expect(JSON.parse((await w.cli('history', 'shop', '--format', 'json')).stdout)).toHaveLength(2);
  });
});

describe('parseDowngradeLimit', () => {
  it('reads counts and exact percentages', () => {
    expect(parseDowngradeLimit('12', 'x')).toMatchObject({ kind: 'count', count: 12 });
    expect(parseDowngradeLimit('12.5%', 'x')).toMatchObject({ kind: 'percent', numerator: 125n, denominator: 1000n });
    expect(parseDowngradeLimit('100%', 'x')).toMatchObject({ kind: 'percent' });
    expect(parseDowngradeLimit('100.01%', 'x')).toBeUndefined();
    expect(parseDowngradeLimit('%', 'x')).toBeUndefined();
  });
});
