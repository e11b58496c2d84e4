/**
 * Progress of long commands (import, recalculation, evaluation) on stderr. On a terminal, a bar
 * redrawn in place; on a pipe or a file (CI logs), one plain line every interval (default 10 s),
 * `recalculating acme: 410,000/1,000,000 members, 41%`, and a last line when done if any was
 * printed — so short work stays silent and long work never looks hung. Updates are cheap:
 * calling update() per row only compares numbers.
 *
 *   const bar = progressFor(ctx);
 *   bar.start(fileSize, 'importing orders', 'bytes');
 *   bar.update(bytesRead);
 *   bar.done();
 */
import type { Writable } from 'node:stream';
import type { CommandContext } from './context.js';
import { UsageError } from './errors.js';
import { escapeText, formatCount, formatPercent } from '../model/display.js';

/** What a position counts: members (`410,000/1,000,000 members`), bytes, or plain units. */
export type ProgressUnit = 'count' | 'members' | 'bytes';

export interface Progress {
  /**
   * Begins a bar of `total` units (undefined: unknown, the position alone is shown). Calling it
   * again with the same label only updates the total.
   */
  start(total: number | undefined, label: string, unit?: ProgressUnit): void;
  /** Sets the position (units done so far). */
  update(done: number): void;
  /** Draws the final state (on a terminal, then a new line). */
  done(): void;
}

export interface ProgressOptions {
  /** Milliseconds between lines on a pipe (default 10 000). */
  intervalMs?: number;
  /** Monotonic milliseconds; injected so tests need not wait. */
  clock?: () => number;
}

export const DEFAULT_INTERVAL_MS = 10_000;
/** Documented in docs/guide/operating.md: seconds between progress lines on a pipe. */
export const INTERVAL_ENV = 'TIERFORM_PROGRESS_INTERVAL';

const WIDTH = 30;
const REDRAW_MS = 100;

export function createProgress(stream: Writable & { isTTY?: boolean }, opts: ProgressOptions = {}): Progress {
  const clock = opts.clock ?? (() => performance.now());
  return stream.isTTY === true ? terminalBar(stream, clock) : logLines(stream, clock, opts.intervalMs ?? DEFAULT_INTERVAL_MS);
}

/** The command's progress on its stderr, the interval taken from TIERFORM_PROGRESS_INTERVAL. */
export function progressFor(ctx: Pick<CommandContext, 'io'>): Progress {
  return createProgress(ctx.io.stderr, { intervalMs: intervalFromEnv(ctx.io.env) });
}

export function intervalFromEnv(env: NodeJS.ProcessEnv): number {
  const text = env[INTERVAL_ENV];
  if (text === undefined || text === '') return DEFAULT_INTERVAL_MS;
  const seconds = /^\d+(\.\d+)?$/.test(text) ? Number(text) : NaN;
  if (!Number.isFinite(seconds) || seconds > 86_400) {
    throw new UsageError(`${INTERVAL_ENV} must be a number of seconds from 0 to 86400 (got '${text}')`, `${INTERVAL_ENV}=<seconds> tierform <command>`);
  }
  return seconds * 1000;
}

/** `410,000/1,000,000 members, 41%`, `12.0 MiB/40.0 MiB, 30%`, or the position alone. */
export function describePosition(done: number, total: number | undefined, unit: ProgressUnit): string {
  const amount = (n: number): string => (unit === 'bytes' ? formatBytes(n) : formatCount(n));
  const noun = unit === 'members' ? ' members' : '';
  if (total === undefined || total <= 0) return `${amount(done)}${noun}`;
  return `${amount(done)}/${amount(total)}${noun}, ${formatPercent(done, total)}`;
}

function logLines(stream: Writable, clock: () => number, intervalMs: number): Progress {
  let total: number | undefined;
  let label = '';
  let unit: ProgressUnit = 'count';
  let position = 0;
  let lastLineAt = 0;
  let printed = false;
  let active = false;
  const line = (): void => {
    lastLineAt = clock();
    printed = true;
    stream.write(`${escapeText(label)}: ${describePosition(position, total, unit)}\n`);
  };
  return {
    start(t, l, u = 'count') {
      const same = active && l === label;
      total = t;
      unit = u;
      if (same) return;
      label = l;
      position = 0;
      printed = false;
      active = true;
      lastLineAt = clock();
    },
    update(n) {
      if (!active) return;
      position = n;
      if (clock() - lastLineAt >= intervalMs) line();
    },
    done() {
      if (!active) return;
      if (printed) {
        if (total !== undefined) position = Math.max(position, total);
        line();
      }
      active = false;
    },
  };
}

function terminalBar(stream: Writable, clock: () => number): Progress {
  let total: number | undefined;
  let label = '';
  let unit: ProgressUnit = 'count';
  let position = 0;
  let drawnAt = -Infinity;
  let drawnPosition = -1;
  let active = false;

  const draw = (): void => {
    drawnAt = clock();
    drawnPosition = position;
    let line: string;
    if (total !== undefined && total > 0) {
      const ratio = Math.min(1, position / total);
      const filled = Math.round(ratio * WIDTH);
      line = `${escapeText(label)} [${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}] ${formatPercent(position, total).padStart(4)}`;
    } else {
      line = `${escapeText(label)} ${describePosition(position, undefined, unit)}`;
    }
    stream.write(`\r${line}\u001b[K`);
  };

  return {
    start(t, l, u = 'count') {
      total = t;
      label = l;
      unit = u;
      position = 0;
      active = true;
      draw();
    },
    update(n) {
      if (!active) return;
      position = n;
      const step = total !== undefined && total > 0 ? total / 200 : 0;
      if (position - drawnPosition < step || position === drawnPosition) return;
      if (clock() - drawnAt < REDRAW_MS) return;
      draw();
    },
    done() {
      if (!active) return;
      if (total !== undefined) position = Math.max(position, total);
      draw();
      stream.write('\n');
      active = false;
    },
  };
}

function formatBytes(n: number): string {
  if (n >= 2 ** 30) return `${(n / 2 ** 30).toFixed(1)} GiB`;
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(1)} MiB`;
  if (n >= 2 ** 10) return `${(n / 2 ** 10).toFixed(0)} KiB`;
  return `${n} B`;
}
