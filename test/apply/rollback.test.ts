/**
 * Rollback is a plan (SPEC §4.7). It used to skip the impact and the guardrail (it demoted
 * members past a limit) and rejected --max-downgrades, --out, --format, --detailed-exitcode.
 * Here version 2 lowers the thresholds (bob moves silver → gold); rolling back to version 1
 * demotes bob again: 1 of 5 members.
 */
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { readFile } from 'node:fs/promises';
import type { Workspace } from '../members/workspace.js';
import { NOW, program, shopWithMembers } from '../plan/impactWorkspace.js';

vi.setConfig({ testTimeout: 300_000 });

const LATER = '2026-03-11T00:00:00.000Z';

interface PlanJson {
  options: { rollbackTo: number; merchant: string; maxDowngrades: string | null };
  merchants: { merchant: string; action: string; changes: unknown[]; impact: { transitions: { from: string; to: string; count: number }[] } | null; errors: { code: string }[] }[];
}

let w: Workspace;
const versions = async (): Promise<number> => (JSON.parse((await w.cli('history', 'shop', '--format', 'json')).stdout) as unknown[]).length;

beforeAll(async () => {
  w = await shopWithMembers();
  await w.dir.write({ 'programs/shop/program.yaml': program({ silver: 300, gold: 700 }) });
  const v2 = await w.cli('apply', '--auto-approve', '--now', NOW);
  if (v2.code !== 0) throw new Error(v2.stderr + v2.stdout);
}, 300_000);

describe('rollback is a plan', () => {
  it('shows the impact and refuses past --max-downgrades or the tierform.yaml guardrail, writing nothing', async () => {
    const refused = await w.cli('rollback', 'shop', '--to', '1', '--max-downgrades', '0', '--auto-approve', '--now', LATER);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('impact');
    expect(refused.stdout).toContain('error plan.guardrail');
    expect(refused.stdout).toContain('shop would demote 1 of 5 members');

    await w.dir.write({ 'tierform.yaml': 'guardrails:\n  maxDowngrades: 0\n' });
    const byFile = await w.cli('rollback', 'shop', '--to', '1', '--auto-approve', '--format', 'json', '--now', LATER);
    expect(byFile.code).toBe(1);
    const plan = JSON.parse(byFile.stdout) as PlanJson;
    expect(plan.merchants[0]!.impact!.transitions).toEqual([{ from: 'gold', to: 'silver', count: 1 }]);
    expect(plan.merchants[0]!.errors.map((e) => e.code)).toEqual(['plan.guardrail']);
    await w.dir.write({ 'tierform.yaml': '' });
    expect(await versions()).toBe(2);
  });

  it('--out saves a sealed plan instead of applying; --detailed-exitcode says it changes something; apply <file> applies it', async () => {
    const saved = await w.cli('rollback', 'shop', '--to', '1', '--out', 'rollback.json', '--max-downgrades', '1', '--detailed-exitcode', '--format', 'markdown', '--now', LATER);
    expect(saved.code, saved.stderr).toBe(2);
    expect(saved.stdout).toContain('| shop |');
    expect(await versions()).toBe(2);
    const file = JSON.parse(await readFile(w.dir.path('rollback.json'), 'utf8')) as PlanJson;
    expect(file.options).toMatchObject({ rollbackTo: 1, merchant: 'shop', maxDowngrades: '1' });

    const shown = await w.cli('show', 'rollback.json');
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('gold→silver 1');

    const applied = await w.cli('apply', 'rollback.json', '--now', LATER);
    expect(applied.stderr).toBe('');
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain('shop: applied version 3');
    const again = await w.cli('rollback', 'shop', '--to', '1', '--detailed-exitcode', '--now', LATER);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('already matches version 1');
  });

  it('needs the same approval as apply, and applies with --auto-approve within the limit', async () => {
    const unapproved = await w.cli('rollback', 'shop', '--to', '2', '--now', LATER);
    expect(unapproved.code).toBe(1);
    expect(unapproved.stderr).toContain('apply.needs-approval');
    expect(await versions()).toBe(3);
    const rolled = await w.cli('rollback', 'shop', '--to', '2', '--auto-approve', '--max-downgrades', '0', '--now', LATER);
    expect(rolled.stderr).toBe('');
    expect(rolled.code).toBe(0);
    expect(rolled.stdout).toContain('applied version 4');
    expect(rolled.stdout).toContain('(rollback to version 2)');
  });
});
