/** The human gate before apply and rollback: `--auto-approve`, or `yes` typed at a terminal. */
import { createInterface } from 'node:readline';
import type { CommandContext } from './context.js';
import { flag } from './context.js';
import { TierformError } from './errors.js';

export async function confirmApply(ctx: CommandContext, what: string): Promise<boolean> {
  if (flag(ctx, 'auto-approve')) return true;
  if ((ctx.io.stdin as { isTTY?: boolean }).isTTY !== true) {
    throw new TierformError(
      'apply.needs-approval',
      `${what} needs approval and no terminal is attached: pass --auto-approve, or apply a saved plan (tierform plan --out plan.json, then tierform apply plan.json)`,
    );
  }
  ctx.io.stdout.write(`\nDo you want to ${what}? Only 'yes' will be accepted.\n  Enter a value: `);
  const answer = await readLine(ctx);
  return answer.trim() === 'yes';
}

function readLine(ctx: CommandContext): Promise<string> {
  return new Promise((resolve) => {
    const rl = createInterface({ input: ctx.io.stdin, terminal: false });
    let done = false;
    const finish = (line: string): void => {
      if (done) return;
      done = true;
      rl.close();
      resolve(line);
    };
    rl.once('line', finish);
    rl.once('close', () => finish(''));
  });
}
