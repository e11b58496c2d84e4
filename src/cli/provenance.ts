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

export async function resolveSourceRef(ctx: CommandContext): Promise<string | null> {
  const explicit = stringOption(ctx, 'source-ref') ?? ctx.io.env.GITHUB_SHA ?? ctx.io.env.CI_COMMIT_SHA;
  if (explicit) return explicit;
  return gitHead(ctx.io.cwd);
}

function gitHead(cwd: string): Promise<string | null> {
  return new Promise((resolve) => {
    execFile('git', ['rev-parse', 'HEAD'], { cwd, timeout: 5_000 }, (err, stdout) => {
      const sha = stdout?.trim();
      resolve(err || !sha ? null : sha);
    });
  });
}
