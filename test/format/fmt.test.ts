/**
 * `tierform fmt` and `export --into`: the canonical layout (schema key order) with every comment
 * kept; a file written back from the live state keeps what people wrote around the values.
 */
import { afterAll, describe, expect, it, vi } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { canonicalize } from '../../src/format/canonical.js';
import { mergeInto } from '../../src/format/mergeInto.js';
import { runCli, ROOT } from '../helpers/cli.js';
import { testdir, type TestDir } from '../helpers/testdir.js';
import { workspace, type Workspace } from '../schedule/fixtures.js';

vi.setConfig({ testTimeout: 300_000 });

const SCHEMAS = { MembershipProgram: JSON.parse(readFileSync(join(ROOT, 'schemas/membership-program.schema.json'), 'utf8')) as Record<string, unknown> };
const comments = (text: string): string[] => [...text.matchAll(/#.*$/gm)].map((m) => m[0]);

const SHUFFLED = `# yaml-language-server: $schema=../../schemas/membership-program.schema.json
# acme's program
kind: MembershipProgram
spec:
  levels:
    tiers:
      - name: Gold   # shown on the card
        threshold: {orders: 2, amount: 1000}
        id: gold
    # how members move up
    upgrade:
        window: lifetime
        basis: accumulated
  type: levels
  x-note: kept after the known keys
metadata: {currency: USD, merchant: acme, subscription: growth, timezone: UTC}
apiVersion: tierform.dev/v1
`;

describe('the canonical layout', () => {
  it('orders keys as the schema lists them, keeps every comment and the top comments on top, and is stable', () => {
    const out = canonicalize(SHUFFLED, SCHEMAS);
    if (!out.ok) throw new Error(out.message);
    expect(out.text.split('\n').slice(0, 4)).toEqual([
      '# yaml-language-server: $schema=../../schemas/membership-program.schema.json',
      "# acme's program",
      'apiVersion: tierform.dev/v1',
      'kind: MembershipProgram',
    ]);
    expect(out.text).toContain('metadata: { merchant: acme, subscription: growth, timezone: UTC, currency: USD }');
    expect(out.text).toMatch(/spec:\n  type: levels\n  levels:\n    # how members move up\n    upgrade:\n      basis: accumulated\n      window: lifetime\n    tiers:\n      - id: gold\n        name: Gold # shown on the card\n        threshold: \{ amount: 1000, orders: 2 \}\n  x-note: kept after the known keys\n/);
    expect(comments(out.text).sort()).toEqual(comments(SHUFFLED).sort());
    expect(parse(out.text)).toEqual(parse(SHUFFLED));
    const again = canonicalize(out.text, SCHEMAS);
    expect(again).toEqual(out);
  });

  it('reports a file that is not YAML with its line', () => {
    expect(canonicalize('a: [1,\nb: 2\n', SCHEMAS)).toMatchObject({ ok: false, line: expect.any(Number) });
  });
});

describe('writing values into an existing file', () => {
  it('keeps comments and quoting of kept keys, matches tiers by id, drops removed keys and adds new ones', () => {
    const existing = `# acme
apiVersion: tierform.dev/v1
kind: MembershipProgram
metadata:
  merchant: acme # the shop
  subscription: growth
  timezone: "UTC"
  currency: USD
spec:
  type: levels
  levels:
    tiers:
      - id: silver # entry tier
        name: Silver
        threshold: { amount: 200 }
      - id: gold # the best
        name: Gold
        threshold: { amount: 1000 }
        card: { color: "#d4af37" }
`;
    const value = {
      apiVersion: 'tierform.dev/v1',
      kind: 'MembershipProgram',
      metadata: { merchant: 'acme', subscription: 'growth', timezone: 'UTC', currency: 'USD' },
      spec: { type: 'levels', levels: { tiers: [{ id: 'gold', name: 'Gold', threshold: { amount: 1500 } }, { id: 'platinum', name: 'Platinum', threshold: { amount: 5000 } }] } },
    };
    const out = mergeInto(existing, value, SCHEMAS);
    if (!out.ok) throw new Error(out.message);
    expect(parse(out.text)).toEqual(value);
    expect(out.text).toContain('# acme\n');
    expect(out.text).toContain('merchant: acme # the shop');
    expect(out.text).toContain('timezone: "UTC"');
    expect(out.text).toContain('- id: gold # the best');
    expect(out.text).toContain('threshold: { amount: 1500 }');
    expect(out.text).not.toContain('entry tier');
    expect(out.text).not.toContain('card');
    expect(canonicalize(out.text, SCHEMAS)).toEqual(out);
  });
});

describe('tierform fmt (command line)', () => {
  const dirs: TestDir[] = [];
  afterAll(async () => {
    for (const d of dirs) await d.cleanup();
  });

  it('--check lists the files that would change and writes nothing; fmt rewrites them; then --check passes', async () => {
    const formatted = canonicalize(SHUFFLED, SCHEMAS);
    if (!formatted.ok) throw new Error(formatted.message);
    const t = await testdir({ 'programs/acme/program.yaml': SHUFFLED, 'programs/zeta/program.yaml': formatted.text.replace(/acme/g, 'zeta') });
    dirs.push(t);
    const check = await runCli(['fmt', '--check'], { cwd: t.dir });
    expect(check.code).toBe(1);
    expect(check.stdout).toBe('programs/acme/program.yaml\n1 of 2 files would be reformatted (run tierform fmt)\n');
    expect(readFileSync(t.path('programs/acme/program.yaml'), 'utf8')).toBe(SHUFFLED);
    const fmt = await runCli(['fmt', 'programs'], { cwd: t.dir });
    expect(fmt.code).toBe(0);
    expect(fmt.stdout).toBe('formatted programs/acme/program.yaml\n');
    expect(readFileSync(t.path('programs/acme/program.yaml'), 'utf8')).toBe(formatted.text);
    expect((await runCli(['fmt', '--check'], { cwd: t.dir })).code).toBe(0);

    await t.write({ 'programs/bad.yaml': 'a: [1,\n' });
    const bad = await runCli(['fmt'], { cwd: t.dir });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/^programs\/bad\.yaml:\d+:\d+: error yaml\.syntax: .*\nnothing was written\n$/);
  });
});

describe('export --into after a rollback', () => {
  let w: Workspace;
  afterAll(async () => {
    await w?.cleanup();
  });

  it('writes the live version into the file, keeping its comments, so the repository plans no change', async () => {
    w = await workspace({ acme: {} });
    const file = 'programs/acme/program.yaml';
    const v1 = readFileSync(w.dir.path(file), 'utf8');
    await w.ok('apply', '--auto-approve', '--now', '2026-03-01T00:00:00Z');
    // Version 2: a comment added and a threshold raised, then rolled back to version 1.
    const v2Value = parse(v1) as { spec: { levels: { tiers: { threshold: { amount: number } }[] } } };
    v2Value.spec.levels.tiers[0]!.threshold.amount += 1;
    const v2Text = canonicalize(`# acme: reviewed by the loyalty team\n${stringify(v2Value)}`, SCHEMAS);
    if (!v2Text.ok) throw new Error(v2Text.message);
    await w.dir.write({ [file]: v2Text.text });
    await w.ok('apply', '--auto-approve', '--now', '2026-03-02T00:00:00Z');
    await w.ok('rollback', 'acme', '--to', '1', '--auto-approve', '--now', '2026-03-03T00:00:00Z');

    const exported = await w.ok('export', 'acme', '--into', file);
    expect(exported.stdout).toBe(`wrote version 3 of acme into ${file}\n`);
    const text = readFileSync(w.dir.path(file), 'utf8');
    expect(text).toMatch(/^# acme: reviewed by the loyalty team\n/);
    expect(parse(text)).toEqual(parse(v1));
    const plan = await w.cli('plan', '--detailed-exitcode', '--now', '2026-03-03T01:00:00Z');
    expect(plan.code, plan.stdout + plan.stderr).toBe(0);
  });
});
