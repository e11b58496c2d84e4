#!/usr/bin/env node
// Thin launcher: the compiled CLI owns argument parsing and exit codes.
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv.slice(2), {
  // process.stdin is built on first use (a stream over the descriptor); most commands never read it.
  get stdin() {
    return process.stdin;
  },
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
});
