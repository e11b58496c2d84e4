/**
 * The maintainer's pin check (scripts/verify-action-pins.ts) against local repositories standing
 * in for the actions' remotes: a lightweight and an annotated tag, a pin that matches, one that
 * names another commit, and a missing tag.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPins } from '../../scripts/verify-action-pins.js';
import { testdir, type TestDir } from '../helpers/testdir.js';

let t: TestDir;
const commits: string[] = [];

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd, encoding: 'utf8' }).trim();
}

beforeAll(async () => {
  t = await testdir({ 'actions/checkout/README': 'one' });
  const repo = t.path('actions/checkout');
  git(repo, 'init', '-q');
  git(repo, 'add', '.');
  git(repo, 'commit', '-qm', 'one');
  commits.push(git(repo, 'rev-parse', 'HEAD'));
  git(repo, 'tag', 'v1.0.0');
  await t.write({ 'actions/checkout/README': 'two' });
  git(repo, 'commit', '-qam', 'two');
  commits.push(git(repo, 'rev-parse', 'HEAD'));
  git(repo, 'tag', '-a', 'v2.0.0', '-m', 'release two');
});

afterAll(() => t.cleanup());

describe('action pin check', () => {
  it('reads the commit a lightweight or an annotated tag names', () => {
    const checks = checkPins(
      [
        { uses: `actions/checkout@${commits[0]}`, release: 'v1.0.0' },
        { uses: `actions/checkout@${commits[1]}`, release: 'v2.0.0' },
      ],
      t.dir,
    );
    expect(checks.map((c) => c.tagged)).toEqual([commits[0], commits[1]]);
  });

  it('reports a pin that is not the release commit, and a release with no tag', () => {
    const [wrong, missing] = checkPins(
      [
        { uses: `actions/checkout@${commits[0]}`, release: 'v2.0.0' },
        { uses: `actions/checkout@${commits[0]}`, release: 'v9.9.9' },
      ],
      t.dir,
    );
    expect(wrong?.tagged).toBe(commits[1]);
    expect(wrong?.pinned).toBe(commits[0]);
    expect(missing?.tagged).toBeNull();
  });
});
