/**
 * `status` tells whether run-due still runs: each merchant's last successful scheduled run, and a
 * warning when it is more than a day old (JSON: lastRunDue, runDueStale).
 */
import { afterAll, describe, expect, it, vi } from 'vitest';
import { runDueStale } from '../../src/schedule/liveness.js';
import { plus, workspace, type Workspace } from './fixtures.js';

vi.setConfig({ testTimeout: 300_000 });

const spaces: Workspace[] = [];
afterAll(async () => {
  for (const w of spaces) await w.cleanup();
});

interface StatusJson {
  merchant: string;
  lastRunDue: { kind: string; version: number; at: string; finishedAt: string } | null;
  runDueStale: boolean;
}

describe('status: the last successful run-due', () => {
  it('is null and not stale right after the first apply, stale a day later, then the evaluation run-due performed, stale again a day after it', async () => {
    const w = await workspace({ acme: { timezone: 'UTC', cron: '0 3 * * *' } });
    spaces.push(w);
    const applied = '2026-03-01T10:00:00Z';
    await w.ok('apply', '--auto-approve', '--now', applied);
    const status = async (now: string) => JSON.parse((await w.ok('status', 'acme', '--format', 'json', '--now', now)).stdout) as StatusJson;

    expect(await status(plus(applied, 60))).toMatchObject({ lastRunDue: null, runDueStale: false });
    expect(await status(plus(applied, 25 * 60))).toMatchObject({ lastRunDue: null, runDueStale: true });

    const ran = '2026-03-02T03:05:00Z';
    await w.ok('run-due', '--now', ran);
    const fresh = await status(plus(ran, 60));
    // Finished at --now plus the time the run took.
    expect(fresh.lastRunDue).toEqual({ kind: 'evaluate', version: 1, at: '2026-03-02T03:00:00.000Z', finishedAt: expect.stringMatching(/^2026-03-02T03:05:/) });
    expect(fresh.runDueStale).toBe(false);
    expect((await status(plus(ran, 24 * 60 - 1))).runDueStale).toBe(false);
    expect((await status(plus(ran, 24 * 60 + 2))).runDueStale).toBe(true);

    const text = await w.cli('status', '--now', plus(ran, 30 * 60));
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/last run-due[\s\S]*2026-03-02T03:05:\S+ \(stale\)/);
    expect(text.stderr).toMatch(/^warning: acme: the last successful run-due finished 2026-03-02T03:05:\S+, more than a day ago; is run-due \(or the scheduler\) still running\?\n$/);
    const quiet = await w.cli('status', '--now', plus(ran, 60));
    expect(quiet.stderr).toBe('');
  });
});

describe('runDueStale', () => {
  const now = new Date('2026-03-10T00:00:00Z');
  it('measures a day from the last success, or from the first apply when none ran', () => {
    const last = (finishedAt: string) => ({ kind: 'evaluate' as const, version: 1, at: finishedAt, finishedAt });
    expect(runDueStale(last('2026-03-09T00:00:00Z'), null, now)).toBe(false);
    expect(runDueStale(last('2026-03-08T23:59:59Z'), null, now)).toBe(true);
    expect(runDueStale(null, new Date('2026-03-09T12:00:00Z'), now)).toBe(false);
    expect(runDueStale(null, new Date('2026-03-08T12:00:00Z'), now)).toBe(true);
    expect(runDueStale(null, null, now)).toBe(false);
  });
});
