/**
 * A sign of life for work that reports no position: apply's recalculation is one set-based
 * statement inside the apply's transaction, so there is no "410,000 of 1,000,000" to tell. On a
 * pipe a line every interval (`recalculating acme: still working, 20 s`) keeps a CI log from
 * looking hung; on a terminal the same text is redrawn in place.
 */
import type { Writable } from 'node:stream';
import type { CommandContext } from './context.js';
import { intervalFromEnv } from './progress.js';
import { escapeText } from '../model/display.js';
import type { RecalculateMembers } from '../engine/recalculateHook.js';
import { recalculateMembers } from '../engine/recalculateHook.js';

export interface HeartbeatOptions {
  intervalMs: number;
  /** Monotonic milliseconds. */
  clock?: () => number;
  /** Calls `tick` every `ms` until the returned function is called; injected by tests. */
  every?: (ms: number, tick: () => void) => () => void;
}

const realEvery = (ms: number, tick: () => void): (() => void) => {
  const timer = setInterval(tick, Math.max(ms, 50));
  timer.unref();
  return () => clearInterval(timer);
};

export function startHeartbeat(stream: Writable & { isTTY?: boolean }, label: string, opts: HeartbeatOptions): () => void {
  const clock = opts.clock ?? (() => performance.now());
  const started = clock();
  const tty = stream.isTTY === true;
  let drawn = false;
  const stop = (opts.every ?? realEvery)(opts.intervalMs, () => {
    const text = `${escapeText(label)}: still working, ${Math.round((clock() - started) / 1000)} s`;
    drawn = true;
    stream.write(tty ? `\r${text}\u001b[K` : `${text}\n`);
  });
  return () => {
    stop();
    if (tty && drawn) stream.write('\n');
  };
}

/** apply's recalculation with a heartbeat per merchant on the command's stderr. */
export function recalculationWithHeartbeat(ctx: Pick<CommandContext, 'io'>): RecalculateMembers {
  const intervalMs = intervalFromEnv(ctx.io.env);
  return async (q, merchant, version, now) => {
    const stop = startHeartbeat(ctx.io.stderr, `recalculating ${merchant}`, { intervalMs });
    try {
      return await recalculateMembers(q, merchant, version, now);
    } finally {
      stop();
    }
  };
}
