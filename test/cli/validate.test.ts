import { describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBin, runCli, ROOT } from '../helpers/cli.js';

const valid = readFileSync(join(ROOT, 'test/corpus/valid.yaml'), 'utf8');

describe('tierform validate', () => {
  it('passes on the example programs (the default path is programs/)', async () => {
    const r = await runCli(['validate']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/files? valid/);
    expect(r.code).toBe(0);
  });

  it('exits 1 and reports every diagnostic of a file, not just the first', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tierform-validate-'));
    const broken = valid
      .replace('currency: USD', 'currency: USX')
      .replace('Europe/Berlin', 'Mars/Olympus')
      .replace('threshold: { amount: 500 }', 'thresold: { amount: 500 }');
    writeFileSync(join(dir, 'p.yaml'), broken);
    const r = await runCli(['validate', 'p.yaml', '--format', 'json'], { cwd: dir });
    expect(r.code).toBe(1);
    const codes = (JSON.parse(r.stdout) as { files: { diagnostics: { code: string }[] }[] }).files[0]!.diagnostics.map((d) => d.code);
    expect(codes).toEqual(expect.arrayContaining(['currency.code', 'time.zone', 'schema.additional-property']));
  });

  it('suggests the known name for a misspelt property', async () => {
    const r = await runCli(['validate', 'test/corpus/unknown-key.yaml']);
    expect(r.stdout).toContain("did you mean 'threshold'");
  });

  it('reports a missing path as a diagnostic and exits 1', async () => {
    const r = await runCli(['validate', 'no/such/dir']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('no/such/dir:1:1: error file.unreadable');
  });

  it('checks caps against --catalog', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tierform-catalog-'));
    mkdirSync(join(dir, 'p'));
    writeFileSync(join(dir, 'p/program.yaml'), valid.replace('subscription: growth', 'subscription: o2o'));
    const builtin = await runCli(['validate', 'p'], { cwd: dir });
    expect(builtin.code).toBe(1);
    expect(builtin.stdout).toContain('caps.subscription');
    const second = await runCli(['validate', 'p', '--catalog', join(ROOT, 'examples/second-platform/catalog.yaml')], { cwd: dir });
    expect(second.stdout).not.toContain('caps.subscription');
    expect(second.code).toBe(0);
  });

  it('checks the second platform example against the catalog its tierform.yaml names', async () => {
    const r = await runCli(['validate'], { cwd: join(ROOT, 'examples/second-platform') });
    expect(r.stdout).toContain('1 file valid');
    expect(r.code).toBe(0);
    // Without that catalog the same program is refused: the config, not a file beside it, decides.
    const bare = await runCli(['validate', 'examples/second-platform/programs']);
    expect(bare.stdout).toContain('caps.subscription');
  });

  it('rejects an unknown --format with the usage line', async () => {
    const r = await runCli(['validate', '--format', 'xml']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('usage: tierform validate');
  });

  it('runs as a real process without loading a database driver', async () => {
    const r = await runBin(['validate', 'test/corpus/valid.yaml'], {
      env: { NODE_OPTIONS: `--import ${join(ROOT, 'test/helpers/forbid-db-drivers.mjs')}` },
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });
});
