/**
 * `npm run verify-pins`: checks that every action `tierform init` pins by commit is the commit
 * its release tag names on the action's repository, with `git ls-remote` (a maintainer's check
 * before a release: the pins are written by hand, and a wrong SHA would run someone else's code
 * under a trusted name). `TIERFORM_ACTIONS_REMOTE` replaces https://github.com for a mirror.
 */
import { execFileSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { ACTIONS } from '../src/init/github.js';

export interface Pin {
  uses: string;
  release: string;
}

export interface PinCheck {
  action: string;
  release: string;
  pinned: string;
  /** The commit the tag names (peeled for an annotated tag), or null when the tag is missing. */
  tagged: string | null;
}

/** The commit each pin's release tag names, read from `remote/<owner>/<repo>`. */
export function checkPins(pins: readonly Pin[], remote: string): PinCheck[] {
  return pins.map(({ uses, release }) => {
    const [action = '', pinned = ''] = uses.split('@');
    const tag = `refs/tags/${release}`;
    const out = execFileSync('git', ['ls-remote', `${remote}/${action}`, tag, `${tag}^{}`], { encoding: 'utf8' });
    const refs = new Map(out.split('\n').filter(Boolean).map((line) => {
      const [sha = '', ref = ''] = line.split('\t');
      return [ref, sha] as const;
    }));
    // An annotated tag lists the tag object and, with ^{}, the commit it points at.
    return { action, release, pinned, tagged: refs.get(`${tag}^{}`) ?? refs.get(tag) ?? null };
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const remote = process.env.TIERFORM_ACTIONS_REMOTE ?? 'https://github.com';
  const checks = checkPins(Object.values(ACTIONS), remote);
  for (const c of checks) {
    const verdict = c.tagged === c.pinned ? 'ok' : c.tagged === null ? 'tag not found' : `tag names ${c.tagged}`;
    console.log(`${c.action}@${c.pinned} # ${c.release}: ${verdict}`);
  }
  process.exitCode = checks.every((c) => c.tagged === c.pinned) ? 0 : 1;
}
