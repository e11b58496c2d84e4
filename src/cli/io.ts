import type { Readable, Writable } from 'node:stream';

/** Everything a command may touch of the outside world, injected so tests run the CLI in-process. */
export interface CliIO {
  stdin: Readable;
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  cwd: string;
}

const guarded = new WeakSet<object>();

/**
 * A reader that closes its end early (`tierform apply … | head -1`) makes the next write fail
 * with EPIPE, which Node raises as an uncaught error: the process would exit 1 after the work
 * was committed, and a CI retry would apply again. Output nobody reads is not a failure, so
 * EPIPE on stdout and stderr is ignored here, once for the whole CLI, and the exit code stays
 * the one the command's work earned. Other write errors keep Node's default behaviour.
 */
export function ignoreClosedPipes(io: CliIO): void {
  for (const stream of [io.stdout, io.stderr]) {
    if (guarded.has(stream)) continue;
    guarded.add(stream);
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') return;
      throw err;
    });
  }
}
