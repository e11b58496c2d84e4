/**
 * run-due through the CLI on both databases: a scheduled change taking effect once, daily
 * evaluations by the merchant's cron and zone, pending versions (plan.pending-change,
 * --supersede, schedule list and cancel).
 */
import { afterAll, describe, expect, it, vi } from 'vitest';

// The embedded database is opened by every CLI run: about a second each, more on a busy machine.
vi.setConfig({ testTimeout: 300_000 });

import { A0, A1, MOVED, T, plus, ruleChanges, scheduledChangeWorkspace, tiers, workspace, type Workspace } from './fixtures.js';

const spaces: Workspace[] = [];
afterAll(async () => {
  for (const w of spaces) await w.cleanup();
});
async function track(w: Promise<Workspace>): Promise<Workspace> {
  const ready = await w;
  spaces.push(ready);
  return ready;
}

interface RunJson {
  merchant: string;
  kind: string;
  key: string;
  version: number;
  status: string;
  membersDone: number | null;
  membersChanged: number | null;
  activated: boolean;
  resumed: boolean;
}

async function runDueJson(w: Workspace, now: string): Promise<RunJson[]> {
  const r = await w.cli('run-due', '--format', 'json', '--now', now);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as RunJson[];
}

describe('a scheduled change takes effect at its instant, once', () => {
  it('keeps members under the active rules until T, judges newcomers under the pending ones, recalculates everyone at T, once', async () => {
    const w = await track(scheduledChangeWorkspace('acme'));
    // After the daily evaluation before T: existing members under v1 (silver 500), the newcomer under v2 (silver 300).
    const before = await tiers(w, 'acme');
    expect(MOVED.map((m) => before[m])).toEqual(MOVED.map(() => 'bronze'));
    expect(before.m01).toBe('bronze');
    expect(before.m30).toBe('silver');
    expect(before.n01).toBe('silver');

    expect(await runDueJson(w, plus(T, -1))).toEqual([]);
    const text = await w.ok('run-due', '--now', plus(T, -1));
    expect(text.stdout).toMatch(/^target: (embedded |postgres:\/\/)\S+/);
    expect(text.stdout.replace(/^target: .*\n/, '')).toBe(`Nothing is due at ${new Date(plus(T, -1)).toISOString()}.\n`);

    const runs = await runDueJson(w, plus(T, 1));
    expect(runs).toEqual([
      expect.objectContaining({ merchant: 'acme', kind: 'recalculate', key: 'recalculate:v2', version: 2, status: 'done', membersDone: 31, membersChanged: 10, activated: true, resumed: false }),
    ]);
    const after = await tiers(w, 'acme');
    expect(MOVED.map((m) => after[m])).toEqual(MOVED.map(() => 'silver'));
    expect(after.m01).toBe('bronze');
    const history = JSON.parse((await w.ok('history', 'acme', '--format', 'json')).stdout) as { version: number; status: string; effectiveAt: string }[];
    expect(history.map((h) => [h.version, h.status])).toEqual([
      [1, 'retired'],
      [2, 'active'],
    ]);
    expect(history[1]!.effectiveAt).toBe(new Date(T).toISOString());

    // A second run-due finds nothing to do; every moved member has exactly one rule_change entry.
    expect(await runDueJson(w, plus(T, 2))).toEqual([]);
    const changes = await w.sql((db) => ruleChanges(db, 'acme'));
    expect(changes).toEqual(Object.fromEntries(MOVED.map((m) => [m, 1])));
    const recorded = await w.sql(async (db) => (await db.query<{ run_key: string; status: string }>('SELECT run_key, status FROM scheduled_runs ORDER BY at')).rows);
    expect(recorded).toEqual([
      { run_key: 'evaluate:2026-12-01T03:00+08:00', status: 'done' },
      { run_key: 'recalculate:v2', status: 'done' },
    ]);
    const status = JSON.parse((await w.ok('status', 'acme', '--format', 'json', '--now', plus(T, 3))).stdout) as { activeVersion: number; pendingVersion: number | null };
    expect(status).toMatchObject({ activeVersion: 2, pendingVersion: null });
  });
});

describe('daily evaluations', () => {
  it("run at the merchant's cron in its zone, once per fire time; a missed stretch is caught up once", async () => {
    const w = await track(workspace({ sh: {}, ny: { timezone: 'America/New_York', cron: '0 6 * * *' } }));
    await w.ok('apply', '--auto-approve', '--now', '2026-11-30T00:00:00Z');
    const keys = async (now: string): Promise<string[]> => (await runDueJson(w, now)).map((r) => `${r.merchant} ${r.key} ${r.status}`);

    // 03:00 in Shanghai is 19:00Z the day before; 06:00 in New York (EST) is 11:00Z.
    expect(await keys('2026-11-30T10:59:00Z')).toEqual([]);
    expect(await keys('2026-11-30T11:00:00Z')).toEqual(['ny evaluate:2026-11-30T06:00-05:00 done']);
    expect(await keys('2026-11-30T18:59:00Z')).toEqual([]);
    expect(await keys('2026-11-30T19:00:00Z')).toEqual(['sh evaluate:2026-12-01T03:00+08:00 done']);
    expect(await keys('2026-11-30T23:00:00Z')).toEqual([]);
    // Four days without run-due: one evaluation each, at the latest fire time.
    expect(await keys('2026-12-04T12:00:00Z')).toEqual(['ny evaluate:2026-12-04T06:00-05:00 done', 'sh evaluate:2026-12-04T03:00+08:00 done']);
    expect(await keys('2026-12-04T12:30:00Z')).toEqual([]);
    const engineRuns = await w.sql(async (db) => (await db.query<{ n: number }>("SELECT count(*)::int AS n FROM engine_runs WHERE kind = 'evaluate'")).rows[0]!.n);
    expect(Number(engineRuns)).toBe(4);

    // A merchant whose run fails does not stop the others; run-due exits 1; the next one retries.
    // A constraint rather than a trigger: Citus has no triggers on distributed tables.
    await w.sql((db) => db.query("ALTER TABLE engine_runs ADD CONSTRAINT ny_is_broken CHECK (merchant_id <> 'ny') NOT VALID"));
    const failing = await w.cli('run-due', '--format', 'json', '--now', '2026-12-05T12:00:00Z');
    expect(failing.code).toBe(1);
    expect((JSON.parse(failing.stdout) as RunJson[]).map((r) => `${r.merchant} ${r.key} ${r.status}`)).toEqual([
      'ny evaluate:2026-12-05T06:00-05:00 failed',
      'sh evaluate:2026-12-05T03:00+08:00 done',
    ]);
    const text = await w.cli('run-due', '--now', '2026-12-05T12:10:00Z');
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/^ny {2}evaluate 2026-12-05T06:00-05:00 \(v1\) {2}failed {2}error run\.failed: .*ny_is_broken/m);
    await w.sql((db) => db.query('ALTER TABLE engine_runs DROP CONSTRAINT ny_is_broken'));
    expect(await keys('2026-12-05T12:20:00Z')).toEqual(['ny evaluate:2026-12-05T06:00-05:00 done']);
  });
});

describe('pending versions', () => {
  it('plan.pending-change without --supersede; --supersede replaces it and its at; schedule list and cancel', async () => {
    const w = await track(workspace({ acme: {} }));
    await w.ok('apply', '--auto-approve', '--now', A0);
    const T1 = '2026-11-30T14:00:00+08:00';
    const T2 = '2026-11-30T16:00:00+08:00';
    await w.write('acme', { silverAmount: 300, scheduledAt: T1 });
    await w.ok('apply', '--auto-approve', '--now', A1);

    // Another rule change while one is pending.
    await w.write('acme', { silverAmount: 400, scheduledAt: T1 });
    const plan = await w.cli('plan', '--format', 'json', '--now', A1);
    expect((JSON.parse(plan.stdout) as { merchants: { errors: { code: string }[] }[] }).merchants[0]!.errors.map((e) => e.code)).toEqual(['plan.pending-change']);
    const refused = await w.cli('apply', '--auto-approve', '--now', A1);
    expect(refused.code).toBe(1);
    expect(refused.stdout + refused.stderr).toContain('plan.pending-change');

    // --supersede, with a new at: the new at wins, the old pending version is superseded.
    await w.write('acme', { silverAmount: 400, scheduledAt: T2 });
    await w.ok('apply', '--auto-approve', '--supersede', '--now', A1);
    const history = JSON.parse((await w.ok('history', 'acme', '--format', 'json')).stdout) as { version: number; status: string; effectiveAt: string }[];
    expect(history.map((h) => [h.version, h.status, h.effectiveAt])).toEqual([
      [1, 'active', new Date(A0).toISOString()],
      [2, 'superseded', new Date(T1).toISOString()],
      [3, 'pending', new Date(T2).toISOString()],
    ]);
    const listed = JSON.parse((await w.ok('schedule', 'list', '--format', 'json')).stdout) as unknown[];
    expect(listed).toEqual([
      expect.objectContaining({ merchant: 'acme', version: 3, at: new Date(T2).toISOString(), appliedBy: expect.any(String), changes: { rule: 1, schedule: 2 }, takingEffect: false }),
    ]);
    expect((await w.ok('schedule', 'list')).stdout).toMatch(/acme\s+3\s+2026-11-30T08:00:00.000Z/);

    // The old at passes: nothing is due; the new one is not reached yet.
    expect(await runDueJson(w, '2026-11-30T15:00:00+08:00')).toEqual([]);

    const cancelled = await w.ok('schedule', 'cancel', 'acme', '--now', '2026-11-30T15:30:00+08:00');
    expect(cancelled.stdout).toContain('cancelled version 3');
    const again = await w.cli('schedule', 'cancel', 'acme');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('error schedule.nothing-pending');
    expect((await w.ok('schedule', 'list')).stdout).toBe('No pending changes.\n');
    expect(await runDueJson(w, plus(T2, 1))).toEqual([]);
    const final = JSON.parse((await w.ok('history', 'acme', '--format', 'json')).stdout) as { version: number; status: string }[];
    expect(final.map((h) => h.status)).toEqual(['active', 'superseded', 'cancelled']);

    // A version run-due has begun taking into effect can no longer be superseded or cancelled.
    await w.write('acme', { silverAmount: 300, scheduledAt: T });
    await w.ok('apply', '--auto-approve', '--now', plus(T2, 2));
    // As a run-due that died right after opening the recalculation leaves it.
    await w.sql((db) =>
      db.query(
        "INSERT INTO scheduled_runs (merchant_id, run_key, kind, version, at, status, started_at) VALUES ('acme', 'recalculate:v4', 'recalculate', 4, $1, 'running', $1)",
        [T],
      ),
    );
    const cancel = await w.cli('schedule', 'cancel', 'acme');
    expect(cancel.code).toBe(1);
    expect(cancel.stderr).toContain('error schedule.taking-effect');
    await w.write('acme', { silverAmount: 200, scheduledAt: plus(T, 60) });
    const supersede = await w.cli('apply', '--auto-approve', '--supersede', '--now', plus(T, 1));
    expect(supersede.code).toBe(1);
    expect(supersede.stdout + supersede.stderr).toContain('schedule.taking-effect');
    expect(JSON.parse((await w.ok('schedule', 'list', '--format', 'json')).stdout)).toEqual([expect.objectContaining({ version: 4, takingEffect: true })]);
  });
});
