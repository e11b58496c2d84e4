import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { testDbUrlForSubprocess, type SubprocessDb } from '../helpers/db.js';

const NOW = ['--now', '2026-03-01T00:00:00Z'];

const premium = `apiVersion: tierform.dev/v1
kind: PlanCatalog
metadata: { name: premium-platform }
spec:
  switchLimit: { count: 5, windowHours: 24 }
  policies:
    lockInRequiresSingleOrder: false
    minValidity: { months: 1 }
  subscriptions:
    premium:    { levels: { maxTiers: 3, customRules: true }, paid: { maxPlans: 2 } }
    enterprise: { levels: { maxTiers: 5, customRules: true }, paid: { maxPlans: 2 } }
`;

let target: SubprocessDb;
let dir: string;
beforeAll(async () => {
  target = await testDbUrlForSubprocess();
  dir = await mkdtemp(join(tmpdir(), 'tierform-catalog-'));
  await writeFile(join(dir, 'premium.yaml'), premium);
  await writeFile(join(dir, 'program.yaml'), 'apiVersion: tierform.dev/v1\nkind: MembershipProgram\nmetadata: { merchant: x }\nspec: {}\n');
});
afterAll(async () => {
  await target.cleanup();
  await rm(dir, { recursive: true, force: true });
});

const cli = (...argv: string[]) => runCli([...argv, ...target.args, ...NOW], { cwd: dir });

describe('db migrate, catalog and merchant commands', () => {
  it('db migrate applies the migrations once', async () => {
    const first = await cli('db', 'migrate', '--format', 'json');
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout).applied[0]).toBe('0001_live_state');
    const again = await cli('db', 'migrate');
    expect(again).toMatchObject({ code: 0 });
    expect(again.stdout).toContain('up to date');
  });

  it('catalog show prints the built-in default before any apply', async () => {
    const shown = await cli('catalog', 'show', '--format', 'json');
    expect(shown.code).toBe(0);
    expect(Object.keys(JSON.parse(shown.stdout).spec.subscriptions)).toEqual(['lite', 'starter', 'growth', 'pro']);
    const yaml = await cli('catalog', 'show');
    expect(yaml.stdout).toContain('kind: PlanCatalog');
  });

  it('merchant set records a subscription of the live catalog and refuses others', async () => {
    expect((await cli('merchant', 'set', 'acme', '--subscription', 'growth')).code).toBe(0);
    const unknown = await cli('merchant', 'set', 'acme', '--subscription', 'premium');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('caps.subscription');
    expect((await cli('merchant', 'set', 'Not_An_Id', '--subscription', 'growth')).code).toBe(1);
    expect((await cli('merchant', 'set', 'acme')).code).toBe(1);
  });

  it('catalog apply refuses a catalog that drops a held subscription, then stores it', async () => {
    const refused = await cli('catalog', 'apply', 'premium.yaml');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('caps.subscription');
    expect(refused.stderr).toContain('acme');

    // Move the merchant to a subscription both catalogs lack? It must be in the live one: use a
    // catalog that keeps growth beside premium first.
    await writeFile(join(dir, 'both.yaml'), premium.replace('  subscriptions:\n', '  subscriptions:\n    growth: { levels: { maxTiers: 3, customRules: true }, paid: { maxPlans: 2 } }\n'));
    expect((await cli('catalog', 'apply', 'both.yaml')).code).toBe(0);
    expect((await cli('merchant', 'set', 'acme', '--subscription', 'premium')).code).toBe(0);
    const applied = await cli('catalog', 'apply', 'premium.yaml');
    expect(applied.code).toBe(0);
    const shown = JSON.parse((await cli('catalog', 'show', '--format', 'json')).stdout);
    expect(shown.metadata.name).toBe('premium-platform');
  });

  it('catalog apply refuses a file that is not a PlanCatalog', async () => {
    const res = await cli('catalog', 'apply', 'program.yaml');
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/error [a-z.-]+:/);
  });

  it('--no-migrate: a writing command refuses a database without the schema instead of creating it', async () => {
    const fresh = await testDbUrlForSubprocess();
    try {
      const res = await runCli(['catalog', 'apply', 'premium.yaml', ...fresh.args, '--no-migrate'], { cwd: dir });
      expect(res.code).toBe(1);
      expect(res.stderr).toContain('db.schema-missing');
    } finally {
      await fresh.cleanup();
    }
  });
});
