import type { Readable, Writable } from 'node:stream';

/** Everything a command may touch of the outside world, injected so tests run the CLI in-process. */
export interface CliIO {
  stdin: Readable;
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  cwd: string;
}
