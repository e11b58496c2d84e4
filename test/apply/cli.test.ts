import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PassThrough, Readable } from 'node:stream';
import { readFile } from 'node:fs/promises';
import { runBin, runCli, type CliResult } from '../helpers/cli.js';
import { testDbUrlForSubprocess, type SubprocessDb } from '../helpers/db.js';
import { testdir, type TestDir } from '../helpers/testdir.js';
import { main } from '../../src/cli/main.js';
import { program, type ProgramOptions } from './fixtures.js';

const dirs: TestDir[] = [];
const dbs: SubprocessDb[] = [];
afterAll(async () => {
  for (const d of dirs) await d.cleanup();
  for (const d of dbs) await d.cleanup();
});

/** A program repository and an empty database; `cli` runs tierform in it, in-process. */
async function workspace(merchant: string, o: ProgramOptions = {}): Promise<{
  dir: TestDir;
  db: SubprocessDb;
  cli: (...argv: string[]) => Promise<CliResult>;
  write: (o: ProgramOptions) => Promise<void>;
}> {
  const db = await testDbUrlForSubprocess();
  dbs.push(db);
  // Read commands (plan, status) never create the schema: create it as a deploy step would.
  const migrated = await runCli(['db', 'migrate', ...db.args]);
  if (migrated.code !== 0) throw new Error(migrated.stderr);
  const dir = await testdir({ [`programs/${merchant}/program.yaml`]: program({ merchant, ...o }) });
  dirs.push(dir);
  return {
    dir,
    db,
    cli: (...argv) => runCli([...argv, ...db.args], { cwd: dir.dir }),
    write: (more) => dir.write({ [`programs/${merchant}/program.yaml`]: program({ merchant, ...more }) }),
  };
}

const at = (hours: number): string => new Date(Date.parse('2026-03-01T00:00:00Z') + hours * 3_600_000).toISOString();

describe('plan, apply, history, status', () => {
  it('creates, plans noop, plans exactly an edit, applies a saved plan, and keeps the history', async () => {
    const w = await workspace('acme');
    expect((await w.cli('plan', '--detailed-exitcode', '--now', at(0))).code).toBe(2);
    const created = await w.cli('apply', '--auto-approve', '--actor', 'alice', '--source-ref', 'c0ffee', '--now', at(0));
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    expect(created.stdout).toContain('acme: applied version 1');

    const noop = await w.cli('plan', '--detailed-exitcode', '--now', at(1));
    expect(noop.code).toBe(0);

    await w.write({ silverAmount: 650, bronzeName: 'Bronze Club' });
    const json = await w.cli('plan', '--format', 'json', '--detailed-exitcode', '--now', at(1));
    expect(json.code).toBe(2);
    const plan = JSON.parse(json.stdout) as { formatVersion: number; merchants: { merchant: string; action: string; baseVersion: number; changes: { pointer: string; before: unknown; after: unknown }[] }[] };
    expect(plan.formatVersion).toBe(1);
    expect(plan.merchants).toHaveLength(1);
    expect(plan.merchants[0]).toMatchObject({ merchant: 'acme', action: 'update', baseVersion: 1 });
    expect(plan.merchants[0]!.changes.map((c) => [c.pointer, c.before, c.after]).sort()).toEqual([
      ['/spec/levels/tiers/0/name', 'Bronze', 'Bronze Club'],
      ['/spec/levels/tiers/1/threshold/amount', 500, 650],
    ]);

    const saved = await w.cli('plan', '--out', 'plan.json', '--now', at(1));
    expect(saved.code).toBe(0);
    expect(JSON.parse(await readFile(w.dir.path('plan.json'), 'utf8'))).toMatchObject({ formatVersion: 1 });
    const applied = await w.cli('apply', 'plan.json', '--actor', 'bob', '--source-ref', 'beef', '--now', at(2));
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain('acme: applied version 2');

    const history = await w.cli('history', 'acme', '--format', 'json');
    expect(history.code).toBe(0);
    expect(JSON.parse(history.stdout)).toEqual([
      { version: 1, status: 'retired', hash: expect.stringMatching(/^[0-9a-f]{64}$/), sourceRef: 'c0ffee', actor: 'alice', appliedAt: at(0), effectiveAt: at(0) },
      { version: 2, status: 'active', hash: expect.stringMatching(/^[0-9a-f]{64}$/), sourceRef: 'beef', actor: 'bob', appliedAt: at(2), effectiveAt: at(2) },
    ]);
    expect((await w.cli('history', 'acme')).stdout).toMatch(/version\s+status/);

    const status = await w.cli('status', 'acme', '--format', 'json', '--now', at(2));
    expect(JSON.parse(status.stdout)).toEqual({
      merchant: 'acme',
      activeVersion: 2,
      pendingVersion: null,
      pendingAt: null,
      type: 'levels',
      enabled: true,
      subscription: 'growth',
      switches: { used: 1, limit: 5 },
      members: { bronze: 0, silver: 0, basic: 0 },
      paid: {},
      overCap: [],
      lastRunDue: null,
      runDueStale: false,
    });
    const all = await w.cli('status', '--format', 'json', '--now', at(2));
    expect((JSON.parse(all.stdout) as unknown[]).length).toBe(1);

    // The saved plan was applied: applying it again is refused as stale, and nothing changes.
    const stale = await w.cli('apply', 'plan.json', '--now', at(3));
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain('plan.stale');
    expect(JSON.parse((await w.cli('history', 'acme', '--format', 'json')).stdout)).toHaveLength(2);
  });

  it('exits 1 from plan on invalid files and on plan errors (--detailed-exitcode too)', async () => {
    const w = await workspace('bad');
    await w.dir.write({ 'programs/bad/program.yaml': 'apiVersion: tierform.dev/v1\nkind: MembershipProgram\nmetadata: {}\n' });
    const invalid = await w.cli('plan', '--detailed-exitcode');
    expect(invalid.code).toBe(1);
    expect(invalid.stdout).toContain('schema.required');

    await w.write({});
    expect((await w.cli('apply', '--auto-approve', '--now', at(0))).code).toBe(0);
    await w.write({ subscription: 'pro' });
    const mismatch = await w.cli('plan', '--detailed-exitcode', '--format', 'json', '--now', at(1));
    expect(mismatch.code).toBe(1);
    expect(JSON.parse(mismatch.stdout).merchants[0].errors.map((e: { code: string }) => e.code)).toContain('plan.subscription-mismatch');
    const refused = await w.cli('apply', '--auto-approve', '--now', at(1));
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('plan.subscription-mismatch');
    expect(JSON.parse((await w.cli('history', 'bad', '--format', 'json')).stdout)).toHaveLength(1);
  });

  it('refuses to apply without approval when no terminal is attached, and accepts a typed yes', async () => {
    const w = await workspace('gate');
    const refused = await w.cli('apply', '--now', at(0));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('--auto-approve');
    expect((await w.cli('status', '--format', 'json')).stdout.trim()).toBe('[]');

    const stdin = Object.assign(Readable.from(['yes\n']), { isTTY: true });
    const stdout = new PassThrough();
    const chunks: Buffer[] = [];
    stdout.on('data', (c: Buffer) => chunks.push(c));
    const code = await main(['apply', '--now', at(0), ...w.db.args], { stdin, stdout, stderr: new PassThrough(), env: {}, cwd: w.dir.dir });
    expect(code).toBe(0);
    expect(Buffer.concat(chunks).toString()).toContain("Only 'yes' will be accepted");
    expect(Buffer.concat(chunks).toString()).toContain('applied version 1');
  });

  it('allows five type switches in 24 h, refuses the sixth with the next allowed instant, allows it after', async () => {
    const w = await workspace('flip');
    const types = ['levels', 'paid', 'levels', 'paid', 'levels'] as const;
    for (const [i, type] of types.entries()) {
      await w.write({ type });
      const r = await w.cli('apply', '--auto-approve', '--now', at(i));
      expect(r.code, r.stderr + r.stdout).toBe(0);
    }
    await w.write({ type: 'paid' });
    const sixth = await w.cli('apply', '--auto-approve', '--now', at(5));
    expect(sixth.code).toBe(1);
    expect(sixth.stdout).toContain('plan.switch-limit');
    expect(sixth.stdout).toContain(at(24).replace('.000Z', ''));
    const after = await w.cli('apply', '--auto-approve', '--now', at(24));
    expect(after.code).toBe(0);
    const status = JSON.parse((await w.cli('status', 'flip', '--format', 'json', '--now', at(24))).stdout);
    expect(status).toMatchObject({ type: 'paid', activeVersion: 6, switches: { used: 5, limit: 5 } });
  });

  it('exports a program that validates and plans to noop; rolls back through the plan', async () => {
    const w = await workspace('shop');
    expect((await w.cli('apply', '--auto-approve', '--now', at(0))).code).toBe(0);
    await w.write({ silverAmount: 750 });
    expect((await w.cli('apply', '--auto-approve', '--now', at(1))).code).toBe(0);

    const exported = await w.cli('export', 'shop');
    expect(exported.code).toBe(0);
    expect(exported.stdout.startsWith('# yaml-language-server: $schema=')).toBe(true);
    await w.dir.write({ 'programs/shop/program.yaml': exported.stdout });
    const validated = await runCli(['validate'], { cwd: w.dir.dir });
    expect(validated.code, validated.stdout).toBe(0);
    const plan = await w.cli('plan', '--detailed-exitcode', '--now', at(2));
    expect(plan.code, plan.stdout).toBe(0);

    const rollback = await w.cli('rollback', 'shop', '--to', '1', '--auto-approve', '--now', at(2));
    expect(rollback.code, rollback.stderr).toBe(0);
    expect(rollback.stdout).toContain('applied version 3');
    const history = JSON.parse((await w.cli('history', 'shop', '--format', 'json')).stdout) as { hash: string; status: string }[];
    expect(history.map((h) => h.status)).toEqual(['retired', 'retired', 'active']);
    expect(history[2]!.hash).toBe(history[0]!.hash);
  });
});

describe('the built CLI as a subprocess', () => {
  let w: Awaited<ReturnType<typeof workspace>>;
  beforeAll(async () => {
    w = await workspace('proc');
  });

  it('plans, applies and reports status', async () => {
    const env = { GITHUB_ACTOR: 'ci-bot', GITHUB_SHA: 'deadbeef' };
    const plan = await runBin(['plan', '--detailed-exitcode', '--now', at(0), ...w.db.args], { cwd: w.dir.dir, env });
    expect(plan.code, plan.stderr).toBe(2);
    const apply = await runBin(['apply', '--auto-approve', '--now', at(0), ...w.db.args], { cwd: w.dir.dir, env });
    expect(apply.code, apply.stderr).toBe(0);
    const history = await runBin(['history', 'proc', '--format', 'json', ...w.db.args], { cwd: w.dir.dir });
    expect(JSON.parse(history.stdout)[0]).toMatchObject({ actor: 'ci-bot', sourceRef: 'deadbeef' });
    const again = await runBin(['plan', '--detailed-exitcode', '--now', at(1), ...w.db.args], { cwd: w.dir.dir });
    expect(again.code).toBe(0);
  });
});
