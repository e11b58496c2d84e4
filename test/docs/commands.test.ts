import { describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT } from '../helpers/cli.js';
import { generatedDocs, renderCommandsReference } from '../../scripts/gen-docs.js';
import { commands, globalOptions } from '../../src/cli/registry.js';

describe('generated documentation', () => {
  it.each(['docs/commands.md', 'docs/guide/fields.md'])('%s matches what `npm run docs` generates', async (path) => {
    const doc = (await generatedDocs()).find((d) => d.path === path)!;
    const committed = await readFile(join(ROOT, path), 'utf8').catch(() => '(missing)');
    expect(committed, `${path} is stale: run \`npm run docs\` and commit the result`).toBe(doc.content);
  });

  it('lists every command with its usage and every option of the command table', () => {
    const text = renderCommandsReference(commands, globalOptions);
    for (const c of commands) {
      expect(text).toContain(`## tierform ${c.name}\n`);
      expect(text).toContain(c.usage);
      for (const name of Object.keys(c.options ?? {})) expect(text).toContain(`--${name}`);
    }
    for (const name of Object.keys(globalOptions)) expect(text).toContain(`\`--${name}`);
  });

  it('gives every schema field a row with its meaning', async () => {
    const fields = (await generatedDocs()).find((d) => d.path === 'docs/guide/fields.md')!.content;
    for (const field of ['metadata.merchant', 'spec.effective.existingMembers', 'spec.levels.tiers[].threshold.amount', 'spec.paid.plans[].benefits[].grant.every.months', 'spec.subscriptions.<name>.levels.maxTiers']) {
      expect(fields).toMatch(new RegExp(`\\| \`${field.replace(/[.[\]<>]/g, '\\$&')}\` \\|[^\\n]*\\| [A-Za-z{][^|\\n]+ \\|\\n`));
    }
  });
});
