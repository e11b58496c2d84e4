/**
 * One merchant's broken stored program does not stop the others' scheduled work. A stored
 * version with `cron: "garbage"` (as a tampered saved plan once got in) used to crash every
 * run-due before it did anything, for every merchant, and the scheduler logged the crash each tick.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { BIN } from '../helpers/cli.js';
import { workspace, type Workspace } from './fixtures.js';

vi.setConfig({ testTimeout: 300_000 });

interface Entry {
  merchant: string;
  kind: string | null;
  key?: string;
  status: string;
  error: { code: string; message: string } | null;
}

// 03:00 in Shanghai (the programs' zone, default cron) is 19:00Z the day before.
const APPLIED = '2026-11-30T00:00:00Z';
const FIRE = (day: number): string => `2026-12-${String(day).padStart(2, '0')}T19:00:00Z`;

let w: Workspace;
beforeAll(async () => {
  w = await workspace({ aa: {}, victim: {}, zz: {} });
  await w.ok('apply', '--auto-approve', '--now', APPLIED);
  await w.sql((db) =>
    db.query(
      `UPDATE program_versions SET document = jsonb_set(document, '{spec,evaluation}', '{"cron":"garbage"}'::jsonb)
        WHERE merchant_id = 'victim' AND status = 'active'`,
    ),
  );
}, 300_000);
afterAll(async () => {
  await w?.cleanup();
});

describe('run-due isolates merchants', () => {
  it('reports the broken merchant with its code, evaluates the others, and exits 1', async () => {
    const json = await w.cli('run-due', '--format', 'json', '--now', FIRE(1));
    expect(json.code).toBe(1);
    expect(json.stderr).not.toMatch(/internal error|RangeError|\n\s+at /);
    expect(json.stderr).toContain('error cron.expression: victim:');
    const entries = JSON.parse(json.stdout) as Entry[];
    expect(entries.map((e) => `${e.merchant} ${e.kind ?? '-'} ${e.status} ${e.error?.code ?? ''}`.trim())).toEqual([
      'aa evaluate done',
      'zz evaluate done',
      'victim - failed cron.expression',
    ]);
    expect(entries[2]!.error!.message).toContain("cron 'garbage'");

    // The next day, in text: the same, one line per merchant.
    const text = await w.cli('run-due', '--now', FIRE(2));
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/^aa {2}evaluate .* done/m);
    expect(text.stdout).toMatch(/^zz {2}evaluate .* done/m);
    expect(text.stdout).toMatch(/^victim {2}failed {2}error cron\.expression: /m);
    const evaluated = await w.sql(async (db) =>
      (await db.query<{ merchant_id: string; n: number }>("SELECT merchant_id, count(*)::int AS n FROM engine_runs WHERE kind = 'evaluate' GROUP BY 1 ORDER BY 1")).rows,
    );
    expect(evaluated.map((r) => [r.merchant_id, Number(r.n)])).toEqual([
      ['aa', 2],
      ['zz', 2],
    ]);
  });

  it("the scheduler logs the merchant's failure on each tick and keeps going", async () => {
    const child = spawn(process.execPath, [BIN, 'scheduler', '--cron', '0 0 1 1 *', '--now', FIRE(3), ...w.db.args], {
      cwd: w.dir.dir,
      env: { PATH: process.env.PATH, HOME: process.env.HOME },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: Record<string, unknown>[] = [];
    const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      createInterface({ input: child.stderr! }).on('line', (line) => {
        const entry = JSON.parse(line) as Record<string, unknown>;
        lines.push(entry);
        if (entry.event === 'tick') resolve();
      });
      child.on('close', () => reject(new Error(`scheduler exited early: ${JSON.stringify(lines)}`)));
    });
    child.kill('SIGTERM');
    expect(await closed).toBe(0);
    expect(lines.map((l) => `${String(l.event)} ${String(l.merchant ?? '')}`.trim())).toEqual(['started', 'run aa', 'run zz', 'merchant victim', 'tick', 'stopping', 'stopped']);
    expect(lines.find((l) => l.event === 'merchant')).toMatchObject({ level: 'error', merchant: 'victim', status: 'failed', error: { code: 'cron.expression' } });
    expect(lines.find((l) => l.event === 'tick')).toMatchObject({ level: 'error', runs: 2, failed: 1 });
  });
});
