/**
 * A program repository in a temporary git working tree, with the built CLI run in it as a
 * subprocess against a fresh database (the test server's when TIERFORM_TEST_DATABASE_URL is
 * set, else an embedded data directory outside the repository).
 */
import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { expect } from 'vitest';
import { runBin, type CliResult } from '../helpers/cli.js';
import { testDbUrlForSubprocess, type SubprocessDb } from '../helpers/db.js';
import { testdir, type TestDir } from '../helpers/testdir.js';

export interface GitRepo {
  dir: TestDir;
  db: SubprocessDb;
  /** Runs `tierform <argv> <database args>` in the repository. */
  cli: (...argv: string[]) => Promise<CliResult>;
  /** Like cli, and asserts exit 0 (showing stderr when not). */
  ok: (...argv: string[]) => Promise<CliResult>;
  git: (...argv: string[]) => string;
  /** `git add -A && git commit`; returns the new HEAD sha. */
  commit: (message: string) => string;
  read: (relative: string) => Promise<string>;
  /** A text edit: replaces `from`, which must occur exactly once, by `to`. */
  edit: (relative: string, from: string, to: string) => Promise<void>;
  cleanup: () => Promise<void>;
}

export async function gitRepo(): Promise<GitRepo> {
  const db = await testDbUrlForSubprocess();
  const dir = await testdir();
  const cli = (...argv: string[]): Promise<CliResult> => runBin([...argv, ...db.args], { cwd: dir.dir });
  const git = (...argv: string[]): string => execFileSync('git', argv, { cwd: dir.dir, encoding: 'utf8', env: { PATH: process.env.PATH, HOME: dir.dir } }).trim();
  const read = (relative: string): Promise<string> => readFile(dir.path(relative), 'utf8');
  return {
    dir,
    db,
    cli,
    ok: async (...argv) => {
      const r = await cli(...argv);
      expect(r.code, `tierform ${argv.join(' ')}\n${r.stderr}`).toBe(0);
      return r;
    },
    git,
    commit: (message) => {
      git('add', '-A');
      git('commit', '-q', '-m', message);
      return git('rev-parse', 'HEAD');
    },
    read,
    edit: async (relative, from, to) => {
      const text = await read(relative);
      expect(text.split(from).length - 1, `"${from}" occurs once in ${relative}`).toBe(1);
      await writeFile(dir.path(relative), text.replace(from, to));
    },
    cleanup: async () => {
      await dir.cleanup();
      await db.cleanup();
    },
  };
}

/** The 1-based line of the first occurrence of `needle` in `text`. */
export function lineOf(text: string, needle: string): number {
  const at = text.indexOf(needle);
  expect(at, `"${needle}" is in the text`).toBeGreaterThanOrEqual(0);
  return text.slice(0, at).split('\n').length;
}
