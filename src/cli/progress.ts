/**
 * A progress bar for long commands (import, recalculation, evaluation), drawn on stderr only
 * when stderr is a terminal; on a pipe or a file it draws nothing. Redraws are throttled by
 * position (every 1/200 of the total) and by time, so calling update() per row is cheap.
 *
 *   const bar = createProgress(ctx.io.stderr);
 *   bar.start(fileSize, 'importing orders');
 *   bar.update(bytesRead);
 *   bar.done();
 */
import { formatCount } from '../model/display.js';
import type { Writable } from 'node:stream';

export interface Progress {
  /**
   * Begins a bar of `total` units (undefined: unknown, the position alone is shown). `unit`
   * says how a position reads without a total: a count (default) or bytes.
   */
  start(total: number | undefined, label: string, unit?: 'count' | 'bytes'): void;
  /** Sets the position (units done so far). */
  update(done: number): void;
  /** Draws the final state and moves to the next line. */
  done(): void;
}

const WIDTH = 30;
const REDRAW_MS = 100;

export function createProgress(stream: Writable & { isTTY?: boolean }): Progress {
  if (stream.isTTY !== true) return { start() {}, update() {}, done() {} };
  let total: number | undefined;
  let label = '';
  let unit: 'count' | 'bytes' = 'count';
  let position = 0;
  let drawnAt = -Infinity;
  let drawnPosition = -1;
  let active = false;

  const draw = (): void => {
    drawnAt = performance.now();
    drawnPosition = position;
    let line: string;
    if (total !== undefined && total > 0) {
      const ratio = Math.min(1, position / total);
      const filled = Math.round(ratio * WIDTH);
      line = `${label} [${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}] ${(ratio * 100).toFixed(0).padStart(3)}%`;
    } else {
      line = `${label} ${unit === 'bytes' ? formatBytes(position) : formatCount(position)}`;
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
      if (performance.now() - drawnAt < REDRAW_MS) return;
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
