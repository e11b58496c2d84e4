/**
 * Long work reports progress in logs too: on a pipe one line every interval (10 s by default),
 * `recalculating acme: 410,000/1,000,000 members, 41%`; before, a pipe got nothing at all. The
 * line logic runs on an injected clock; one real process on a real pipe checks the wiring.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import { runBin, runCli } from '../helpers/cli.js';
import { testDbUrlForSubprocess, type SubprocessDb } from '../helpers/db.js';
import { testdir, type TestDir } from '../helpers/testdir.js';
import { program } from '../apply/fixtures.js';
import { createProgress, intervalFromEnv } from '../../src/cli/progress.js';
import { startHeartbeat } from '../../src/cli/heartbeat.js';

function pipe(): { stream: PassThrough & { isTTY?: boolean }; text: () => string } {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c.toString('utf8')));
  return { stream, text: () => chunks.join('') };
}

describe('progress on a pipe', () => {
  it('prints one line per 10 s of clock, whatever the number of updates, and a last line', () => {
    const out = pipe();
    let ms = 0;
    const bar = createProgress(out.stream, { clock: () => ms });
    bar.start(1_000_000, 'recalculating acme', 'members');
    for (let done = 0; done <= 410_000; done += 10_000) {
      ms += 250; // 42 updates a quarter second apart: the 40th comes at 10 s
      bar.update(done);
    }
    expect(out.text()).toBe('recalculating acme: 390,000/1,000,000 members, 39%\n');
    ms = 19_999;
    bar.update(410_000);
    expect(out.text().split('\n')).toHaveLength(2);
    ms = 20_000;
    bar.update(410_000);
    expect(out.text().split('\n')[1]).toBe('recalculating acme: 410,000/1,000,000 members, 41%');
    bar.done();
    expect(out.text().trimEnd().split('\n').at(-1)).toBe('recalculating acme: 1,000,000/1,000,000 members, 100%');
  });

  it('stays silent for work shorter than the interval', () => {
    const out = pipe();
    let ms = 0;
    const bar = createProgress(out.stream, { clock: () => ms });
    bar.start(100, 'evaluating acme', 'members');
    ms = 9_000;
    bar.update(100);
    bar.done();
    expect(out.text()).toBe('');
  });

  it('bytes for imports; an unknown total shows the position; labels are escaped', () => {
    const out = pipe();
    let ms = 0;
    const bar = createProgress(out.stream, { clock: () => ms, intervalMs: 1000 });
    bar.start(40 * 2 ** 20, 'importing orders', 'bytes');
    ms = 1000;
    bar.update(12 * 2 ** 20);
    bar.start(undefined, 'recalculating e\u001bvil', 'members');
    ms = 2000;
    bar.update(5000);
    expect(out.text()).toBe('importing orders: 12.0 MiB/40.0 MiB, 30%\nrecalculating e\\u001bvil: 5,000 members\n');
  });

  it('a terminal gets the bar, redrawn in place', () => {
    const out = pipe();
    out.stream.isTTY = true;
    let ms = 0;
    const bar = createProgress(out.stream, { clock: () => ms });
    bar.start(100, 'recalculating acme', 'members');
    ms = 500;
    bar.update(41);
    bar.done();
    expect(out.text()).toContain('\rrecalculating acme [############------------------]  41%');
    expect(out.text().endsWith('100%\u001b[K\n')).toBe(true);
  });

  it('TIERFORM_PROGRESS_INTERVAL sets the interval in seconds; nonsense is refused', () => {
    expect(intervalFromEnv({})).toBe(10_000);
    expect(intervalFromEnv({ TIERFORM_PROGRESS_INTERVAL: '0.5' })).toBe(500);
    expect(() => intervalFromEnv({ TIERFORM_PROGRESS_INTERVAL: 'soon' })).toThrow(/TIERFORM_PROGRESS_INTERVAL/);
  });
});

describe('a real process on a pipe', () => {
  const cleanups: (TestDir | SubprocessDb)[] = [];
  afterAll(async () => {
    for (const c of cleanups) await c.cleanup();
  });

  it('recalc prints progress lines on stderr when stderr is a pipe', async () => {
    const db = await testDbUrlForSubprocess();
    const members = Array.from({ length: 50 }, (_, i) => JSON.stringify({ merchant: 'acme', member: `m${i}`, joinedAt: '2026-01-01T00:00:00Z' })).join('\n');
    const dir = await testdir({ 'programs/acme/program.yaml': program({ merchant: 'acme' }), 'members.ndjson': `${members}\n` });
    cleanups.push(db, dir);
    const now = ['--now', '2026-03-01T00:00:00Z'];
    expect((await runCli(['apply', '--auto-approve', ...now, ...db.args], { cwd: dir.dir })).code).toBe(0);
    expect((await runCli(['import', 'members', 'members.ndjson', ...now, ...db.args], { cwd: dir.dir })).code).toBe(0);
    const r = await runBin(['recalc', 'acme', ...now, ...db.args], { cwd: dir.dir, env: { TIERFORM_PROGRESS_INTERVAL: '0' } });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^recalculating acme: \d+\/50 members, \d+%$/m);
    expect(r.stderr).toMatch(/^recalculating acme: 50\/50 members, 100%$/m);
  }, 120_000);
});

describe('heartbeat for work without a position (apply\'s recalculation)', () => {
  it('one line per tick on a pipe, with the time spent; nothing after stop', () => {
    const out = pipe();
    let ms = 0;
    let tick: (() => void) | undefined;
    let stopped = false;
    const stop = startHeartbeat(out.stream, 'recalculating acme', {
      intervalMs: 10_000,
      clock: () => ms,
      every: (interval, fn) => {
        expect(interval).toBe(10_000);
        tick = fn;
        return () => {
          stopped = true;
        };
      },
    });
    ms = 10_000;
    tick!();
    ms = 20_000;
    tick!();
    stop();
    expect(stopped).toBe(true);
    expect(out.text()).toBe('recalculating acme: still working, 10 s\nrecalculating acme: still working, 20 s\n');
  });
});
