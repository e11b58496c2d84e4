/**
 * Saved plans are sealed and re-validated (SPEC §4.7). A hand-edited plan.json used to apply
 * whatever it held: seven tiers on a three-tier subscription, `cron: "garbage"`, another
 * merchant's program, `__proto__` keys, or crash with a stack trace on a wrong type. Each variant
 * below is resealed, so that what refuses it is the re-validation under the lock, not the seal.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { readFile, writeFile } from 'node:fs/promises';
import { runCli, type CliResult } from '../helpers/cli.js';
import { testDbUrlForSubprocess, type SubprocessDb } from '../helpers/db.js';
import { testdir, type TestDir } from '../helpers/testdir.js';
import { program } from './fixtures.js';
import { sealPlanValue } from '../../src/plan/seal.js';
import { defaultCatalog } from '../../src/catalog/builtin.js';

vi.setConfig({ testTimeout: 300_000 });

// Free-form edits of a JSON file, as an attacker makes them: typing each path would hide the point.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

const T0 = '2026-03-01T00:00:00.000Z';
const T1 = '2026-03-01T01:00:00.000Z';

let dir: TestDir;
let db: SubprocessDb;
let original: Json;
const cli = (...argv: string[]): Promise<CliResult> => runCli([...argv, ...db.args], { cwd: dir.dir });

beforeAll(async () => {
  db = await testDbUrlForSubprocess();
  dir = await testdir({ 'programs/acme/program.yaml': program({ merchant: 'acme' }) });
  const created = await cli('apply', '--auto-approve', '--now', T0);
  if (created.code !== 0) throw new Error(created.stderr);
  await dir.write({ 'programs/acme/program.yaml': program({ merchant: 'acme', silverAmount: 650 }) });
  const saved = await cli('plan', '--out', 'plan.json', '--max-downgrades', '60%', '--now', T1);
  if (saved.code !== 0) throw new Error(saved.stderr + saved.stdout);
  original = JSON.parse(await readFile(dir.path('plan.json'), 'utf8')) as Json;
}, 300_000);
afterAll(async () => {
  await dir?.cleanup();
  await db?.cleanup();
});

const copy = (): Json => JSON.parse(JSON.stringify(original)) as Json;
const entry = (plan: Json): Json => plan.merchants[0] as Json;
const doc = (plan: Json): Json => entry(plan).document as Json;

async function applyFile(plan: Json, reseal = true): Promise<CliResult> {
  await writeFile(dir.path('tampered.json'), JSON.stringify(reseal ? sealPlanValue(plan) : plan, null, 2));
  return cli('apply', 'tampered.json', '--now', T1);
}

function expectRefused(r: CliResult, code: string): void {
  expect(r.code, r.stdout + r.stderr).toBe(1);
  expect(r.stderr).toContain(`error ${code}`);
  expect(r.stderr + r.stdout).not.toMatch(/internal error|this is a bug|\n\s+at \S+ \(|TypeError|RangeError/);
}

const tier = (i: number): Json => ({ id: `t${i}`, name: `T${i}`, threshold: { amount: 1000 * (i + 1) } });

/** [what was done to the saved plan, the edit, the code apply refuses it with]. */
const variants: [string, (p: Json) => void, string][] = [
  ['seven tiers on a three-tier subscription', (p) => void (doc(p).spec.levels.tiers = Array.from({ length: 7 }, (_, i) => tier(i))), 'caps.max-tiers'],
  ["cron: 'garbage'", (p) => void (doc(p).spec.evaluation = { cron: 'garbage' }), 'cron.expression'],
  ['an unknown benefit type', (p) => void (doc(p).spec.levels.tiers[0].benefits = [{ type: 'free_money', amount: 5 }]), 'schema.enum'],
  ['a __proto__ key', (p) => void Object.defineProperty(doc(p).spec, '__proto__', { value: { polluted: true }, enumerable: true }), 'schema.additional-property'],
  ['tiers out of order', (p) => void (doc(p).spec.levels.tiers[1].threshold.amount = 50), 'tiers.order'],
  ['an unknown subscription', (p) => void (doc(p).metadata.subscription = 'platinum'), 'caps.subscription'],
  ['a missing field', (p) => void delete doc(p).spec.levels.tiers, 'schema.required'],
  ['a wrong type in the program', (p) => void (doc(p).spec.enabled = 'yes'), 'schema.type'],
  ['a wrong type in the entry', (p) => void (entry(p).baseVersion = '1'), 'plan.invalid'],
  ['an unknown action', (p) => void (entry(p).action = 'destroy'), 'plan.invalid'],
  ['no document', (p) => void (entry(p).document = null), 'plan.invalid'],
  ['a plan that is a list', (p) => void (p.merchants = { acme: entry(p) }), 'plan.invalid'],
  ["another merchant's program in acme's entry", (p) => void (doc(p).metadata.merchant = 'victim'), 'merchant.path-mismatch'],
  ["another merchant's program under its own path", (p) => {
    doc(p).metadata.merchant = 'victim';
    entry(p).path = 'programs/victim/program.yaml';
  }, 'plan.invalid'],
  ['an entry outside the --merchant the plan was made for', (p) => {
    p.options.merchant = 'acme';
    p.merchants.push({ ...entry(p), merchant: 'victim', action: 'create', baseVersion: null, path: 'programs/victim/program.yaml', document: { ...doc(p), metadata: { ...doc(p).metadata, merchant: 'victim' } } });
  }, 'plan.invalid'],
  ['two entries for one merchant', (p) => void p.merchants.push(entry(p)), 'plan.invalid'],
  ['a saved limit that is not a limit', (p) => void (p.options.maxDowngrades = 'lots'), 'plan.invalid'],
];

describe('apply plan.json re-validates each saved document under the lock', () => {
  it.each(variants)('refuses %s', async (_what, edit, code) => {
    const plan = copy();
    edit(plan);
    expectRefused(await applyFile(plan), code);
  });

  it('refuses an edit without a matching digest (plan.tampered), and a plan without one', async () => {
    const plan = copy();
    doc(plan).spec.levels.tiers[1].threshold.amount = 9000;
    expectRefused(await applyFile(plan, false), 'plan.tampered');
    const { digest: _gone, ...unsealed } = copy();
    expectRefused(await applyFile(unsealed, false), 'plan.invalid');
    expectRefused(await applyFile({ ...copy(), formatVersion: 2 }), 'plan.invalid');
  });

  it('refuses a plan saved before the platform lowered a cap, with the code a file gets', async () => {
    const lowered = JSON.parse(JSON.stringify(defaultCatalog)) as Json;
    lowered.spec.subscriptions.growth.levels.maxTiers = 1;
    await dir.write({ 'lowered.yaml': lowered, 'default.yaml': defaultCatalog });
    expect((await cli('catalog', 'apply', 'lowered.yaml')).code).toBe(0);
    expectRefused(await cli('apply', 'plan.json', '--now', T1), 'caps.max-tiers');
    expect((await cli('catalog', 'apply', 'default.yaml')).code).toBe(0);
  });

  it('changed nothing for any refused plan, and applies the untouched one (reformatted) with its saved options', async () => {
    expect(JSON.parse((await cli('history', 'acme', '--format', 'json')).stdout)).toHaveLength(1);
    expect((await cli('status', 'victim', '--format', 'json')).code).toBe(1);
    // Whitespace and key order are not content: the seal holds.
    const reordered = Object.fromEntries(Object.entries(copy()).reverse());
    await writeFile(dir.path('reformatted.json'), JSON.stringify(reordered, null, 4));
    const conflicting = await cli('apply', 'reformatted.json', '--max-downgrades', '0', '--now', T1);
    expect(conflicting.code).toBe(1);
    expect(conflicting.stderr).toContain('was saved with --max-downgrades 60%');
    const applied = await cli('apply', 'reformatted.json', '--now', T1);
    expect(applied.stderr).toBe('');
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain('acme: applied version 2');
  });
});

describe('tierform show <planfile>', () => {
  it('renders the saved plan exactly as plan printed it, in each format, and refuses a tampered one', async () => {
    const shop = await testdir({ 'programs/shop/program.yaml': program({ merchant: 'shop' }) });
    try {
      const run = (...argv: string[]): Promise<CliResult> => runCli([...argv, ...db.args], { cwd: shop.dir });
      for (const format of ['text', 'markdown', 'json']) {
        const planned = await run('plan', '--format', format, '--out', 'saved.json', '--merchant', 'shop', '--now', T1);
        expect(planned.code).toBe(0);
        const shown = await run('show', 'saved.json', '--format', format);
        expect(shown.stderr).toBe('');
        expect(shown.code).toBe(0);
        // plan names its database first (text only); show reads a file, not a database.
        expect(shown.stdout).toBe(planned.stdout.replace(/^target: .*\n/, ''));
      }
      const saved = JSON.parse(await readFile(shop.path('saved.json'), 'utf8')) as Json;
      expect(saved.options).toEqual({ paths: ['programs'], merchant: 'shop', supersede: false, maxDowngrades: null, maxDowngradesSource: null });
      expect(saved.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(Object.keys(saved)).toEqual(['formatVersion', 'createdAt', 'options', 'merchants', 'digest']);

      saved.merchants[0].changes = [];
      await writeFile(shop.path('saved.json'), JSON.stringify(saved));
      expectRefused(await run('show', 'saved.json'), 'plan.tampered');
      expectRefused(await run('show', 'missing.json'), 'plan.invalid');
    } finally {
      await shop.cleanup();
    }
  });
});
