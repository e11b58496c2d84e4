/**
 * `tierform demo` as a user runs it: a real subprocess in a fresh directory, twice (the second
 * run must not trip over the first one's state), telling the whole story.
 */
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runBin } from '../helpers/cli.js';
import { testdir } from '../helpers/testdir.js';

describe('tierform demo', () => {
  it('plays the scheduled-change story on a fresh embedded database, and again on a second run', async () => {
    const t = await testdir();
    const dir = t.dir;
    for (const attempt of [1, 2]) {
      // A server in the environment must not be used, and CI (as in npm test on a CI runner) must
      // not stop it: the demo names its own data directory.
      const result = await runBin(['demo', '--members', '400'], { cwd: dir, env: { CI: 'true', TIERFORM_DATABASE_URL: 'postgres://nowhere.invalid/x' } });
      expect(result.stderr, `run ${attempt}`).not.toMatch(/error/i);
      expect(result.code, `run ${attempt}`).toBe(0);
      const out = result.stdout;
      expect(out).toContain('Imported 400 members: 400 new, 0 updated');
      expect(out).toMatch(/Evaluated 400 members of demo-shop/);
      expect(out).toMatch(/Simulation of demo-shop from 2026-11-24 to 2026-11-30: v1 \(current\) against the proposed program, 7 daily evaluations replayed/);
      expect(out).toMatch(/impact \(as of now .*before 2027-01-01T00:00:00-05:00\)/);
      expect(out).toMatch(/silver→bronze \d+/);
      expect(out).toMatch(/pending, takes effect at 2027-01-01T05:00:00.000Z/);
      expect(out).toMatch(/evaluate 2026-12-31T03:00-05:00 \(v1\)\s+done/);
      expect(out).toMatch(/recalculate v2 at 2027-01-01T05:00:00.000Z\s+done\s+401 members/);
      expect(out).toContain('Nothing is due at 2027-01-01T05:05:00.000Z.');
      expect(out).toMatch(/silver → bronze\s+rule_change, version 2/);
      // …and why that member holds bronze now, under the version that moved them.
      expect(out).toMatch(/\$ tierform members explain demo-shop \S+ --now 2027-01-01T00:05:00-05:00\nMember \S+ .*judged by active version 2/);
      expect(out).toMatch(/Verdict: the evaluation at this instant would stay at bronze\./);
      // A member who signed up after the apply is welcomed once, under the pending version's rules.
      expect(out).toMatch(/welcomed:\s+2026-12-31T08:00:00.000Z/);
      expect(out).toMatch(/cash_voucher\s+\[welcome:0, due 2026-12-20T17:00:00.000Z\]/);
      expect(out).toContain('Welcome Zoe N.! Bronze: spend 200 USD within 12 months. Silver: spend 700 USD within 12 months. Gold: spend 1,500 USD within 12 months.');
      // Support moves that member by hand, pinned: history says manual, the card shows the pin.
      expect(out).toMatch(/: bronze → silver \(manual, pinned until 2027-04-01T04:00:00\.000Z/);
      expect(out).toContain('pinned until: 2027-04-01T04:00:00.000Z');
      expect(out).toContain('Try next:');
    }
    expect(existsSync(join(dir, '.tierform', 'demo', 'db'))).toBe(true);
    await t.cleanup();
  }, 300_000);
});
