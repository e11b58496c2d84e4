import { describe, expect, it } from 'vitest';
import { readFile, readdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ROOT } from '../helpers/cli.js';

/** The pages this suite owns: the guide, the command reference, the troubleshooting page. */
async function pages(): Promise<string[]> {
  const guide = (await readdir(join(ROOT, 'docs/guide'))).filter((f) => f.endsWith('.md')).map((f) => `docs/guide/${f}`);
  return [...guide, 'docs/commands.md', 'docs/troubleshooting.md'];
}

describe('links in the guide and reference pages', () => {
  it('point at files that exist', async () => {
    const broken: string[] = [];
    const list = await pages();
    expect(list.length).toBeGreaterThan(8);
    for (const page of list) {
      const text = await readFile(join(ROOT, page), 'utf8');
      for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = m[1]!.split('#')[0]!;
        if (target === '' || /^[a-z]+:/.test(target)) continue;
        const exists = await stat(join(ROOT, dirname(page), target)).then(() => true, () => false);
        if (!exists) broken.push(`${page}: ${m[1]}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('the guide index links every guide page', async () => {
    const index = await readFile(join(ROOT, 'docs/guide/README.md'), 'utf8');
    const guide = (await readdir(join(ROOT, 'docs/guide'))).filter((f) => f.endsWith('.md') && f !== 'README.md');
    for (const f of guide) expect(index, f).toContain(`](${f})`);
  });
});
