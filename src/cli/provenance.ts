/** Who applies, and from which commit: recorded with every applied version (SPEC §4.3). */
import { execFile } from 'node:child_process';
import { userInfo } from 'node:os';
import type { CommandContext } from './context.js';
import { stringOption } from './context.js';

export function resolveActor(ctx: CommandContext): string {
  const explicit = stringOption(ctx, 'actor') ?? ctx.io.env.GITHUB_ACTOR;
  if (explicit) return explicit;
  try {
    return userInfo().username || 'unknown';
  } catch {
    // No passwd entry for the uid (some containers).
    return 'unknown';
  }
}

/**
 * The commit the applied files come from: `--source-ref`, else GITHUB_SHA or CI_COMMIT_SHA (taken
 * as given), else git HEAD of the working tree — with `+dirty` when the tree holds changes
 * HEAD does not (edited, staged or new files), so the record never names a commit whose files
 * are not what was applied.
 */
export async function resolveSourceRef(ctx: CommandContext): Promise<string | null> {
  const explicit = stringOption(ctx, 'source-ref') ?? ctx.io.env.GITHUB_SHA ?? ctx.io.env.CI_COMMIT_SHA;
  if (explicit) return explicit;
  return workingTreeRef(ctx.io.cwd);
}

export async function workingTreeRef(cwd: string): Promise<string | null> {
  const sha = await git(cwd, ['rev-parse', 'HEAD']);
  if (!sha) return null;
  // Untracked files count (a new program file is applied too); tierform's own embedded
  // database directory does not. A failed status is not proof of a clean tree.
  const status = await git(cwd, ['status', '--porcelain', '--untracked-files=normal', '--', ':/', ':(top,exclude).tierform']);
  return status === '' ? sha : `${sha}+dirty`;
}

/** Trimmed stdout of a git command; null when git fails or is missing. */
function git(cwd: string, args: string[]): Promise<string | null> {
  return new Promise((resolve) => {
    execFile('git', args, { cwd, timeout: 5_000 }, (err, stdout) => {
      resolve(err ? null : (stdout ?? '').trim());
    });
  });
}
