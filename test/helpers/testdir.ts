/**
 * Fixture directories from an object: `{ 'programs/acme/program.yaml': {...} }` writes each file
 * under a fresh temporary directory. Objects are written as YAML, strings as they are.
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';

export type FileTree = Record<string, string | object>;

export interface TestDir {
  dir: string;
  /** Absolute path of a file inside the directory. */
  path(relative: string): string;
  /** Writes (or overwrites) files. */
  write(files: FileTree): Promise<void>;
  cleanup(): Promise<void>;
}

export async function testdir(files: FileTree = {}): Promise<TestDir> {
  const dir = await mkdtemp(join(tmpdir(), 'tierform-test-'));
  const t: TestDir = {
    dir,
    path: (relative) => join(dir, relative),
    write: async (more) => {
      for (const [relative, content] of Object.entries(more)) {
        const target = join(dir, relative);
        await mkdir(dirname(target), { recursive: true });
        await writeFile(target, typeof content === 'string' ? content : stringify(content));
      }
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
  await t.write(files);
  return t;
}
