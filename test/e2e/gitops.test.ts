/**
 * The whole GitOps flow, end to end, as a team would play it: a git repository made by
 * `tierform init`, edited by hand, validated, planned (markdown and json), applied from a saved
 * plan with the commit recorded, members imported and evaluated, a stale plan refused after the
 * state moved, a scheduled change taken into effect by run-due exactly once, the history and a
 * rollback. The built CLI runs as a subprocess in the repository (`npm run build` first), on the
 * embedded database or, with TIERFORM_TEST_DATABASE_URL, on the server.
 */
import { afterAll, describe, expect, it, vi } from 'vitest';
import { writeFile } from 'node:fs/promises';
import { gitRepo, lineOf, type GitRepo } from './repo.js';

// Every CLI subprocess reopens the embedded database: a second or more each on a busy machine.
vi.setConfig({ testTimeout: 600_000 });

const PROGRAM = 'programs/shop/program.yaml';

interface HistoryEntry {
  version: number;
  status: string;
  hash: string;
  sourceRef: string | null;
  actor: string;
  appliedAt: string;
  effectiveAt: string;
}
interface PlanJson {
  formatVersion: number;
  merchants: {
    merchant: string;
    action: string;
    baseVersion: number | null;
    changes: { pointer: string; op: string; before: unknown; after: unknown; class: string }[];
    recalculation: { mode: string; at: string | null };
    impact: null | { asOf: string; before: Record<string, number>; after: Record<string, number>; transitions: { from: string; to: string; count: number }[] };
    errors: { code: string; message: string }[];
  }[];
}
interface StatusJson {
  merchant: string;
  activeVersion: number | null;
  pendingVersion: number | null;
  pendingAt: string | null;
  members: Record<string, number>;
}
interface RunJson {
  merchant: string;
  kind: string;
  key: string;
  version: number | null;
  status: string;
  activated: boolean;
}

const iso = (s: string): string => new Date(s).toISOString();
const plusMinutes = (instant: string, minutes: number): string => new Date(Date.parse(instant) + minutes * 60_000).toISOString();

/** The first apply, the members' data, the evaluation, the apply that moves the state. */
const APPLY1 = '2026-03-02T10:00:00Z';
const EVALUATED = '2026-03-02T12:00:00Z';
const APPLY2 = '2026-03-03T10:00:00Z';
/** The scheduled change: planned and applied a day before it takes effect at T. */
const T = '2026-03-10T06:00:00+00:00';
const BEFORE_T = '2026-03-09T06:00:00Z';
const ROLLBACK = plusMinutes(T, 60);

const MEMBERS = [
  { merchant: 'shop', member: 'ana', joinedAt: '2026-01-05T09:00:00Z', name: 'Ana' },
  { merchant: 'shop', member: 'ben', joinedAt: '2026-01-05T09:00:00Z', name: 'Ben' },
  { merchant: 'shop', member: 'cai', joinedAt: '2026-01-05T09:00:00Z', name: 'Cai' },
  { merchant: 'shop', member: 'dee', joinedAt: '2026-01-05T09:00:00Z', name: 'Dee' },
];
const ORDERS = [
  { merchant: 'shop', order: 'o1', member: 'ana', amount: 600, paidAt: '2026-02-01T10:00:00Z', status: 'paid' },
  { merchant: 'shop', order: 'o2', member: 'ana', amount: '900.00', paidAt: '2026-02-10T10:00:00Z', status: 'paid' },
  { merchant: 'shop', order: 'o3', member: 'ben', amount: 400, paidAt: '2026-02-03T10:00:00Z', status: 'paid' },
  // cai: 250 would have made silver under the scaffolded 200; the gift card never counts.
  { merchant: 'shop', order: 'o4', member: 'cai', amount: 250, paidAt: '2026-02-04T10:00:00Z', status: 'paid' },
  { merchant: 'shop', order: 'o5', member: 'cai', amount: 800, paidAt: '2026-02-05T10:00:00Z', status: 'paid', tags: ['gift_card'] },
  { merchant: 'shop', order: 'o6', member: 'dee', amount: 3500, paidAt: '2026-02-06T10:00:00Z', status: 'paid' },
];
const ndjson = (rows: object[]): string => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

let repo: GitRepo | undefined;
afterAll(async () => {
  await repo?.cleanup();
});

describe('GitOps, end to end in a git repository', () => {
  it('init → edit → validate → plan → apply → import → stale plan → scheduled change → run-due → history → rollback', async () => {
    const r = (repo = await gitRepo());
    const history = async (): Promise<HistoryEntry[]> => JSON.parse((await r.ok('history', 'shop', '--format', 'json')).stdout) as HistoryEntry[];
    const status = async (now: string): Promise<StatusJson> => JSON.parse((await r.ok('status', 'shop', '--format', 'json', '--now', now)).stdout) as StatusJson;

    // 1. Scaffold the repository, create the schema as its README says, commit.
    const init = await r.ok('init', '.', '--merchant', 'shop');
    expect(init.stdout).toContain(PROGRAM);
    expect(await r.read('README.md')).toContain('tierform@0.1.0 db migrate');
    const migrated = await r.ok('db', 'migrate');
    expect(migrated.stderr).not.toMatch(/error/i);
    r.git('init', '-q', '-b', 'main');
    r.git('config', 'user.name', 'Dana Reviewer');
    r.git('config', 'user.email', 'dana@example.com');
    await writeFile(r.dir.path('.gitignore'), '*.plan.json\n');
    r.commit('tierform init');

    // 2. A broken edit is annotated at its file and line; the real edit validates.
    await r.edit(PROGRAM, 'threshold: { amount: 200 }', 'threshold: { amount: 300 }\n        benefit: []');
    const broken = await r.cli('validate', 'programs/', '--format', 'github');
    expect(broken.code).toBe(1);
    expect(broken.stdout.trim()).toBe(
      `::error file=${PROGRAM},line=${lineOf(await r.read(PROGRAM), 'benefit: []')},col=9,title=schema.additional-property::unknown property 'benefit' in 'spec.levels.tiers[0]'; did you mean 'benefits'?`,
    );
    await r.edit(PROGRAM, '\n        benefit: []', '');
    await r.edit(PROGRAM, '- { type: custom, description: "Priority support" }', '- { type: custom, description: "Priority support" }\n          - { type: free_samples }');
    const valid = await r.ok('validate', 'programs/');
    expect(valid.stdout).toBe('1 file valid\n');
    const head1 = r.commit('Silver from 300, free samples for Platinum');

    // 3. Plan for the pull request (markdown) and for the merge (json, saved); apply the saved plan.
    const markdown = await r.ok('plan', '--format', 'markdown', '--now', APPLY1);
    expect(markdown.stdout).toContain('**1** to create, **0** to update');
    expect(markdown.stdout).toMatch(/^\| shop \| ➕ create \| \d+ \|/m);
    expect(markdown.stdout).toContain('File: programs/shop/program.yaml');
    await r.ok('plan', '--format', 'json', '--out', 'merge.plan.json', '--now', APPLY1);
    const saved = JSON.parse(await r.read('merge.plan.json')) as PlanJson;
    expect(saved.formatVersion).toBe(1);
    expect(saved.merchants).toEqual([expect.objectContaining({ merchant: 'shop', action: 'create', baseVersion: null, errors: [] })]);
    const applied = await r.ok('apply', 'merge.plan.json', '--now', APPLY1);
    expect(applied.stdout).toContain('shop: applied version 1');
    expect(await history()).toEqual([
      { version: 1, status: 'active', hash: expect.stringMatching(/^[0-9a-f]{64}$/), sourceRef: head1, actor: expect.any(String), appliedAt: iso(APPLY1), effectiveAt: iso(APPLY1) },
    ]);
    expect((await r.ok('plan', '--detailed-exitcode', '--now', APPLY1)).code).toBe(0);

    // 4. Members and their orders; the daily evaluation gives them tiers under the edited rules.
    await writeFile(r.dir.path('members.ndjson'), ndjson(MEMBERS));
    await writeFile(r.dir.path('orders.ndjson'), ndjson(ORDERS));
    const importedMembers = JSON.parse((await r.ok('import', 'members', 'members.ndjson', '--format', 'json', '--now', EVALUATED)).stdout) as { inserted: number };
    expect(importedMembers).toMatchObject({ inserted: 4, rejected: [] });
    const importedOrders = JSON.parse((await r.ok('import', 'orders', 'orders.ndjson', '--format', 'json', '--now', EVALUATED)).stdout) as { inserted: number };
    expect(importedOrders).toMatchObject({ inserted: 6, rejected: [] });
    await r.ok('evaluate', 'shop', '--now', EVALUATED);
    expect((await status(EVALUATED)).members).toEqual({ basic: 1, silver: 1, gold: 1, platinum: 1 });

    // 5. A plan saved on a branch goes stale when another change is applied first.
    r.git('checkout', '-q', '-b', 'rename-silver');
    await r.edit(PROGRAM, 'name: Silver', 'name: Silver Club');
    r.commit('Silver Club');
    await r.ok('plan', '--out', 'stale.plan.json', '--now', APPLY2);
    expect(JSON.parse(await r.read('stale.plan.json'))).toMatchObject({ formatVersion: 1, merchants: [{ merchant: 'shop', action: 'update', baseVersion: 1 }] });
    r.git('checkout', '-q', 'main');
    await r.edit(PROGRAM, '- { type: discount, percentOff: 5 }', '- { type: discount, percentOff: 6 }');
    const head2 = r.commit('Silver discount 6%');
    expect((await r.ok('apply', '--auto-approve', '--now', APPLY2)).stdout).toContain('shop: applied version 2');
    const version2 = (await r.ok('export', 'shop')).stdout;
    const before = await history();
    expect(before.map((h) => [h.version, h.status, h.sourceRef])).toEqual([
      [1, 'retired', head1],
      [2, 'active', head2],
    ]);
    const stale = await r.cli('apply', 'stale.plan.json', '--now', APPLY2);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toMatch(/plan\.stale/);
    expect(stale.stdout).not.toMatch(/applied version/);
    expect(await history()).toEqual(before);
    expect((await r.ok('export', 'shop')).stdout).toBe(version2);

    // 6. Gold from 2000, taking effect at T: Ana (1500) will be demoted. The scaffolded guardrail
    //    refuses a demotion of a quarter of the members until tierform.yaml allows it.
    await r.edit(PROGRAM, 'mode: immediate ', `mode: scheduled\n    at: ${T}\n   `);
    await r.edit(PROGRAM, 'threshold: { amount: 1000 }', 'threshold: { amount: 2000 }');
    const guarded = await r.cli('plan', '--format', 'markdown', '--now', BEFORE_T);
    expect(guarded.code).toBe(1);
    expect(guarded.stdout).toMatch(/^\| shop \| .*update \| 3 \| .*❌ plan\.guardrail \|$/m);
    expect(guarded.stdout).toMatch(/^\| .* \| \/spec\/levels\/tiers\/1\/threshold\/amount \| .*1000.* \| .*2000.* \| rule \|$/m);
    expect(guarded.stdout).toMatch(/^\| gold \| silver \| 1 \| █+ \|$/m);
    await r.edit('tierform.yaml', 'maxDowngrades: "5%"', 'maxDowngrades: 1');
    const head3 = r.commit('Gold from 2000 on March 10, one demotion allowed');
    const scheduledPlan = JSON.parse((await r.ok('plan', '--format', 'json', '--now', BEFORE_T)).stdout) as PlanJson;
    const shop = scheduledPlan.merchants[0]!;
    expect(shop).toMatchObject({ merchant: 'shop', action: 'update', baseVersion: 2, errors: [] });
    expect(shop.recalculation.mode).toBe('scheduled');
    expect(iso(shop.recalculation.at!)).toBe(iso(T));
    expect(shop.changes).toEqual(expect.arrayContaining([expect.objectContaining({ pointer: '/spec/levels/tiers/1/threshold/amount', before: 1000, after: 2000, class: 'rule' })]));
    expect(shop.impact).toEqual({
      asOf: iso(BEFORE_T),
      before: { basic: 1, silver: 1, gold: 1, platinum: 1 },
      after: { basic: 1, silver: 2, gold: 0, platinum: 1 },
      transitions: expect.arrayContaining([{ from: 'gold', to: 'silver', count: 1 }]),
      drift: [],
    });
    expect(shop.impact!.transitions.filter((t) => t.from !== t.to)).toEqual([{ from: 'gold', to: 'silver', count: 1 }]);
    expect((await r.ok('apply', '--auto-approve', '--now', BEFORE_T)).stdout).toContain('shop: applied version 3');
    const listed = await r.ok('schedule', 'list', '--now', BEFORE_T);
    expect(listed.stdout).toMatch(new RegExp(`^shop\\s+3\\s+${iso(T).replace(/\./g, '\\.')}`, 'm'));

    const runDue = async (now: string): Promise<RunJson[]> => JSON.parse((await r.ok('run-due', '--format', 'json', '--now', now)).stdout) as RunJson[];
    expect((await runDue(plusMinutes(T, -1))).filter((run) => run.kind === 'recalculate')).toEqual([]);
    const pending = await status(plusMinutes(T, -1));
    expect(pending).toMatchObject({ activeVersion: 2, pendingVersion: 3, members: { basic: 1, silver: 1, gold: 1, platinum: 1 } });
    expect(iso(pending.pendingAt!)).toBe(iso(T));
    expect((await runDue(plusMinutes(T, 1))).filter((run) => run.kind === 'recalculate')).toEqual([
      expect.objectContaining({ merchant: 'shop', key: 'recalculate:v3', version: 3, status: 'done', activated: true }),
    ]);
    expect(await status(plusMinutes(T, 1))).toMatchObject({ activeVersion: 3, pendingVersion: null, members: { basic: 1, silver: 2, platinum: 1 } });
    const ana = JSON.parse((await r.ok('members', 'show', 'shop', 'ana', '--format', 'json', '--now', plusMinutes(T, 1))).stdout) as { tier: string | null; history: { from: string | null; to: string | null; at: string; reason: string; version: number }[] };
    expect(ana.tier).toBe('silver');
    expect(ana.history.at(-1)).toEqual({ from: 'gold', to: 'silver', at: iso(T), reason: 'rule_change', version: 3 });
    const again = await r.ok('run-due', '--now', plusMinutes(T, 1));
    expect(again.stdout).toMatch(/^target: (embedded |postgres:\/\/)\S+/);
    expect(again.stdout.replace(/^target: .*\n/, '')).toBe(`Nothing is due at ${plusMinutes(T, 1)}.\n`);

    // 7. The history lists every version; a rollback to version 2 lands its document as version 4.
    const beforeRollback = await history();
    expect(beforeRollback.map((h) => [h.version, h.status, h.sourceRef, h.effectiveAt])).toEqual([
      [1, 'retired', head1, iso(APPLY1)],
      [2, 'retired', head2, iso(APPLY2)],
      [3, 'active', head3, iso(T)],
    ]);
    const rolledBack = await r.ok('rollback', 'shop', '--to', '2', '--auto-approve', '--now', ROLLBACK);
    expect(rolledBack.stdout).toContain('version 4');
    expect((await r.ok('export', 'shop')).stdout).toBe(version2);
    const after = await history();
    expect(after).toHaveLength(beforeRollback.length + 1);
    expect(after.slice(0, 2)).toEqual(beforeRollback.slice(0, 2));
    expect(after.map((h) => [h.version, h.status])).toEqual([
      [1, 'retired'],
      [2, 'retired'],
      [3, 'retired'],
      [4, 'active'],
    ]);
    expect(after[3]).toMatchObject({ hash: before[1]!.hash, sourceRef: head3, appliedAt: iso(ROLLBACK), effectiveAt: iso(ROLLBACK) });
    // Version 2's rules are back, and applied at once: Ana is Gold again.
    expect((await status(ROLLBACK)).members).toEqual({ basic: 1, silver: 1, gold: 1, platinum: 1 });
  });
});
