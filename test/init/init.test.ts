import { afterEach, describe, expect, it } from 'vitest';
import { readFile, readdir, writeFile, mkdir } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parse } from 'yaml';
import { runCli, ROOT } from '../helpers/cli.js';
import { testdir, type TestDir } from '../helpers/testdir.js';
import { testDbUrlForSubprocess } from '../helpers/db.js';
import { commands, findCommand, globalOptions } from '../../src/cli/registry.js';
import { invocationsIn, workflowCommands } from './workflows.js';

const dirs: TestDir[] = [];
async function fresh(): Promise<TestDir> {
  const t = await testdir();
  dirs.push(t);
  return t;
}
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((t) => t.cleanup()));
});

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out.push(relative(dir, join(e.parentPath, e.name)));
  }
  return out.sort();
}

const WORKFLOWS = ['.github/workflows/tierform-pull-request.yml', '.github/workflows/tierform-apply.yml', '.github/workflows/tierform-run-due.yml', '.gitlab-ci.yml'];

describe('tierform init', () => {
  it('scaffolds a repository whose program validates with the built-in catalog', async () => {
    const t = await fresh();
    const r = await runCli(['init', 'repo'], { cwd: t.dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const root = t.path('repo');
    expect(await filesUnder(root)).toEqual(
      [
        '.github/workflows/tierform-apply.yml',
        '.github/workflows/tierform-pull-request.yml',
        '.github/workflows/tierform-run-due.yml',
        '.gitlab-ci.yml',
        '.gitlab/tierform-plan-note.mjs',
        'README.md',
        'programs/my-shop/program.yaml',
        'schemas/membership-program.schema.json',
        'tierform.yaml',
      ].sort(),
    );
    for (const p of ['programs/my-shop/program.yaml', 'README.md', 'tierform.yaml']) expect(r.stdout).toContain(p);
    expect(r.stdout).toMatch(/Next steps/);

    const v = await runCli(['validate', 'programs/', '--format', 'json'], { cwd: root });
    expect(JSON.parse(v.stdout)).toMatchObject({ valid: true, files: [{ path: 'programs/my-shop/program.yaml', valid: true }] });
    expect(v.code).toBe(0);
  });

  it('starts the program with a modeline pointing at the schema it wrote, the one `tierform schema` prints', async () => {
    const t = await fresh();
    expect((await runCli(['init'], { cwd: t.dir })).code).toBe(0);
    const program = await readFile(t.path('programs/my-shop/program.yaml'), 'utf8');
    const modeline = /^# yaml-language-server: \$schema=(\S+)\n/.exec(program);
    expect(modeline).not.toBeNull();
    const schemaPath = join(t.path('programs/my-shop'), modeline![1]!);
    const printed = await runCli(['schema']);
    expect(await readFile(schemaPath, 'utf8')).toBe(printed.stdout);
  });

  it.each([
    ['lite', 'paid'],
    ['starter', 'levels'],
    ['growth', 'levels'],
    ['pro', 'levels'],
  ])('fits the caps of subscription %s (a %s program) and takes the metadata options', async (subscription, type) => {
    const t = await fresh();
    const r = await runCli(['init', '--merchant', 'kyoto-tea', '--subscription', subscription, '--timezone', 'Asia/Tokyo', '--currency', 'JPY'], { cwd: t.dir });
    expect(r.code).toBe(0);
    const doc = parse(await readFile(t.path('programs/kyoto-tea/program.yaml'), 'utf8')) as { metadata: object; spec: { type: string } };
    expect(doc.metadata).toEqual({ merchant: 'kyoto-tea', subscription, timezone: 'Asia/Tokyo', currency: 'JPY' });
    expect(doc.spec.type).toBe(type);
    const v = await runCli(['validate', 'programs/'], { cwd: t.dir });
    expect(v.stdout).toBe('1 file valid\n');
    expect(v.code).toBe(0);
  });

  it('refuses options that would give an invalid program, writing nothing', async () => {
    const t = await fresh();
    for (const args of [['--subscription', 'platinum'], ['--timezone', 'Mars/Olympus'], ['--currency', 'XYZ'], ['--merchant', '../escape']]) {
      const r = await runCli(['init', ...args], { cwd: t.dir });
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toMatch(/^error init\.invalid-option: /);
      expect(await filesUnder(t.dir)).toEqual([]);
    }
  });

  it('refuses to overwrite an existing file, names it and writes nothing', async () => {
    const t = await fresh();
    await t.write({ 'README.md': '# ours\n' });
    const r = await runCli(['init'], { cwd: t.dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error init\.exists: .*README\.md/);
    expect(await filesUnder(t.dir)).toEqual(['README.md']);
    expect(await readFile(t.path('README.md'), 'utf8')).toBe('# ours\n');
  });

  it('refuses a second init in the same directory, and --force rewrites every file', async () => {
    const t = await fresh();
    expect((await runCli(['init'], { cwd: t.dir })).code).toBe(0);
    await writeFile(t.path('tierform.yaml'), 'guardrails: { maxDowngrades: 1 }\n');
    const again = await runCli(['init'], { cwd: t.dir });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/init\.exists/);
    expect(await readFile(t.path('tierform.yaml'), 'utf8')).toBe('guardrails: { maxDowngrades: 1 }\n');

    const forced = await runCli(['init', '--force'], { cwd: t.dir });
    expect(forced.code).toBe(0);
    expect(forced.stdout).toMatch(/overwritten\s+tierform\.yaml/);
    expect(await readFile(t.path('tierform.yaml'), 'utf8')).toMatch(/maxDowngrades: "5%"/);
  });

  it('refuses a target that is a file, even with --force', async () => {
    const t = await fresh();
    await t.write({ 'repo': 'not a directory\n' });
    const r = await runCli(['init', 'repo', '--force'], { cwd: t.dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error init\.exists: .*repo exists and is not a directory/);
    expect(await filesUnder(t.dir)).toEqual(['repo']);
  });

  it('keeps files it does not write, with or without --force', async () => {
    const t = await fresh();
    await mkdir(t.path('programs/other'), { recursive: true });
    await writeFile(t.path('programs/other/notes.txt'), 'keep me\n');
    expect((await runCli(['init', '--force'], { cwd: t.dir })).code).toBe(0);
    expect(await readFile(t.path('programs/other/notes.txt'), 'utf8')).toBe('keep me\n');
  });

  it('writes tierform.yaml with guardrails.maxDowngrades as a number or an "N%" string', async () => {
    const t = await fresh();
    await runCli(['init'], { cwd: t.dir });
    const config = parse(await readFile(t.path('tierform.yaml'), 'utf8')) as { guardrails: { maxDowngrades: unknown } };
    const limit = config.guardrails.maxDowngrades;
    expect(typeof limit === 'number' || (typeof limit === 'string' && /^\d+(\.\d+)?%$/.test(limit))).toBe(true);
  });
});

describe('generated CI workflows', () => {
  async function scaffolded(): Promise<TestDir> {
    const t = await fresh();
    expect((await runCli(['init'], { cwd: t.dir })).code).toBe(0);
    return t;
  }

  it('parse as YAML', async () => {
    const t = await scaffolded();
    for (const p of [...WORKFLOWS, 'tierform.yaml']) {
      expect(() => parse(readFileSyncText(t.path(p))), p).not.toThrow();
    }
  });

  it('call only commands and options the CLI defines', async () => {
    const t = await scaffolded();
    const seen = new Set<string>();
    for (const p of WORKFLOWS) {
      const lines = workflowCommands(p, parse(readFileSyncText(t.path(p))));
      for (const inv of lines.flatMap(invocationsIn)) {
        const found = findCommand(inv.words);
        expect(found, `${p}: tierform ${inv.words.join(' ')}`).toBeDefined();
        const spec = found!.spec;
        seen.add(spec.name);
        for (const option of inv.options) {
          const known = Object.prototype.hasOwnProperty.call(globalOptions, option) || Object.prototype.hasOwnProperty.call(spec.options ?? {}, option);
          expect(known, `${p}: tierform ${spec.name} --${option}`).toBe(true);
        }
      }
    }
    // The workflows do the job described in the README: validate, plan, apply, run-due.
    expect([...seen].sort()).toEqual(['apply', 'plan', 'run-due', 'validate']);
    expect(commands.map((c) => c.name)).toEqual(expect.arrayContaining([...seen]));
  });

  it('are read the way the check above needs: commands, options, redirections and quoting', () => {
    const inv = invocationsIn('set +e\nFOO=1 tierform plan programs/ --format markdown --bogus=1 > plan.md || echo "$?" > failed\nnpm i -g "tierform@1"\n# tierform nothing');
    expect(inv).toEqual([{ words: ['plan', 'programs/'], options: ['format', 'bogus'], argv: ['plan', 'programs/', '--format', 'markdown', '--bogus=1'], text: 'FOO=1 tierform plan programs/ --format markdown --bogus=1 > plan.md' }]);
  });

  it('validate with annotations, comment the plan in place, apply the saved plan with provenance, and read the secret', async () => {
    const t = await scaffolded();
    const pr = readFileSyncText(t.path('.github/workflows/tierform-pull-request.yml'));
    expect(pr).toMatch(/tierform validate programs\/ --format github/);
    expect(pr).toMatch(/--format markdown/);
    expect(pr).toContain('<!-- tierform-plan -->');
    expect(pr).toMatch(/updateComment/);
    const apply = readFileSyncText(t.path('.github/workflows/tierform-apply.yml'));
    expect(apply).toMatch(/tierform plan programs\/ --out plan\.json\n[\s\S]*tierform apply plan\.json --source-ref "\$GITHUB_SHA" --actor "\$GITHUB_ACTOR"/);
    const gitlab = readFileSyncText(t.path('.gitlab-ci.yml'));
    expect(gitlab).toMatch(/tierform apply plan\.json --source-ref "\$CI_COMMIT_SHA" --actor "\$GITLAB_USER_LOGIN"/);
    for (const p of WORKFLOWS) {
      const text = readFileSyncText(t.path(p));
      expect(text, p).toContain('TIERFORM_DATABASE_URL');
      expect(text, p).toContain(`TIERFORM_VERSION: "${pkgVersion()}"`);
    }
    const runDue = parse(readFileSyncText(t.path('.github/workflows/tierform-run-due.yml'))) as { on: { schedule: { cron: string }[] }; env: Record<string, string> };
    expect(runDue.on.schedule[0]!.cron).toMatch(/^\S+ \S+ \S+ \S+ \S+$/);
    expect(runDue.env.TIERFORM_DATABASE_URL).toBe('${{ secrets.TIERFORM_DATABASE_URL }}');
  });

  it('post the plan as one GitHub comment: edited in place when the marker is found, created otherwise', async () => {
    const t = await scaffolded();
    const doc = parse(readFileSyncText(t.path('.github/workflows/tierform-pull-request.yml'))) as { jobs: { plan: { steps: { uses?: string; with?: { script?: string } }[] } } };
    const script = doc.jobs.plan.steps.find((s) => s.uses?.startsWith('actions/github-script'))!.with!.script!;
    const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (...args: string[]) => (...a: unknown[]) => Promise<void>;
    const run = new AsyncFunction('require', 'context', 'github', script);

    async function post(existing: { id: number; user: { type: string }; body: string }[], files: Record<string, string>) {
      const calls: { method: string; args: Record<string, unknown> }[] = [];
      const github = {
        paginate: async (_fn: unknown, args: Record<string, unknown>) => (calls.push({ method: 'list', args }), existing),
        rest: {
          issues: {
            listComments: () => undefined,
            updateComment: async (args: Record<string, unknown>) => void calls.push({ method: 'update', args }),
            createComment: async (args: Record<string, unknown>) => void calls.push({ method: 'create', args }),
          },
        },
      };
      const fakeRequire = () => ({ readFileSync: (p: string) => files[p] ?? '' });
      await run(fakeRequire, { repo: { owner: 'o', repo: 'r' }, issue: { number: 12 } }, github);
      return calls;
    }

    const plan = '## tierform plan\n\n**1** to create\n';
    const edited = await post(
      [
        { id: 1, user: { type: 'User' }, body: 'looks good <!-- tierform-plan -->' },
        { id: 2, user: { type: 'Bot' }, body: '<!-- tierform-plan -->\n## tierform plan\nold' },
      ],
      { 'plan.md': plan },
    );
    expect(edited.map((c) => c.method)).toEqual(['list', 'update']);
    expect(edited[1]!.args).toEqual({ owner: 'o', repo: 'r', comment_id: 2, body: `<!-- tierform-plan -->\n${plan}` });

    const created = await post([], { 'plan.md': 'programs/a.yaml:1:1: error yaml.syntax: bad\n', 'plan.err': 'error state.locked: busy\n' });
    expect(created.map((c) => c.method)).toEqual(['list', 'create']);
    expect(created[1]!.args.issue_number).toBe(12);
    expect(created[1]!.args.body).toMatch(/^<!-- tierform-plan -->\n## tierform plan failed\n\n```\nprograms\/a\.yaml.*\nerror state\.locked: busy\n```\n$/);
  });

  it('post the plan as one GitLab note through the notes API: PUT when the marker is found, POST otherwise', async () => {
    const t = await scaffolded();
    await t.write({
      'plan.md': '## tierform plan\n\nnew\n',
      'stub-fetch.mjs': `import { appendFileSync } from 'node:fs';
const notes = JSON.parse(process.env.STUB_NOTES);
globalThis.fetch = async (url, opts = {}) => {
  appendFileSync(process.env.STUB_LOG, JSON.stringify({ url, method: opts.method, headers: opts.headers, body: opts.body ?? null }) + '\\n');
  const page = new URL(url).searchParams.get('page');
  const list = page === '1' ? notes.slice(0, 1) : page === '2' ? notes.slice(1) : [];
  return { ok: true, status: 200, json: async () => list, text: async () => '', headers: { get: () => (page === '1' && notes.length > 1 ? '2' : '') } };
};
`,
    });
    async function note(existing: { id: number; body: string }[], log: string) {
      execFileSync(process.execPath, ['--import', t.path('stub-fetch.mjs'), t.path('.gitlab/tierform-plan-note.mjs'), 'plan.md'], {
        cwd: t.dir,
        env: {
          PATH: process.env.PATH,
          STUB_NOTES: JSON.stringify(existing),
          STUB_LOG: t.path(log),
          CI_API_V4_URL: 'https://gitlab.example/api/v4',
          CI_PROJECT_ID: '42',
          CI_MERGE_REQUEST_IID: '7',
          TIERFORM_GITLAB_TOKEN: 'secret',
        },
      });
      return readFileSyncText(t.path(log)).trim().split('\n').map((l) => JSON.parse(l) as { url: string; method: string; headers: Record<string, string>; body: string | null });
    }
    const base = 'https://gitlab.example/api/v4/projects/42/merge_requests/7/notes';
    const edited = await note([{ id: 3, body: 'a reviewer' }, { id: 5, body: '<!-- tierform-plan -->\nold' }], 'edit.log');
    expect(edited.map((c) => `${c.method} ${c.url}`)).toEqual([`GET ${base}?per_page=100&page=1`, `GET ${base}?per_page=100&page=2`, `PUT ${base}/5`]);
    expect(edited[2]!.headers['PRIVATE-TOKEN']).toBe('secret');
    expect(JSON.parse(edited[2]!.body!)).toEqual({ body: '<!-- tierform-plan -->\n## tierform plan\n\nnew\n' });

    const created = await note([{ id: 3, body: 'a reviewer' }], 'create.log');
    expect(created.map((c) => c.method)).toEqual(['GET', 'POST']);
    expect(created[1]!.url).toBe(base);
  });

  it('ship a GitLab note script that is valid JavaScript and looks for the marker', async () => {
    const t = await scaffolded();
    const script = t.path('.gitlab/tierform-plan-note.mjs');
    expect(() => execFileSync(process.execPath, ['--check', script])).not.toThrow();
    const text = readFileSyncText(script);
    expect(text).toContain('<!-- tierform-plan -->');
    expect(text).toMatch(/'PUT'/);
  });
});

describe('the generated workflows, run against a database', () => {
  const env: Record<string, string> = { GITHUB_SHA: 'c0ffee1', GITHUB_ACTOR: 'octocat' };
  const expand = (argv: string[]): string[] => argv.map((a) => a.replace(/\$\{?([A-Z_]+)\}?/g, (_, name: string) => env[name] ?? ''));

  it('plan on the pull request, then plan --out and apply the saved plan on merge, recording commit and actor', async () => {
    const t = await fresh();
    expect((await runCli(['init'], { cwd: t.dir })).code).toBe(0);
    const db = await testDbUrlForSubprocess();
    try {
      const now = ['--now', '2026-03-01T00:00:00Z'];
      const steps = (p: string) => workflowCommands(p, parse(readFileSyncText(t.path(p)))).flatMap(invocationsIn);
      // The setup step of the README: the schema is created once, before the first pull request.
      expect((await runCli(['db', 'migrate', ...db.args], { cwd: t.dir })).code).toBe(0);
      const prPlan = steps('.github/workflows/tierform-pull-request.yml').find((i) => i.words[0] === 'plan')!;
      const planned = await runCli([...expand(prPlan.argv), ...db.args, ...now], { cwd: t.dir });
      expect(planned.stderr).not.toMatch(/error/);
      expect(planned.code).toBe(0);
      expect(planned.stdout).toMatch(/^## tierform plan/);
      expect(planned.stdout).toMatch(/my-shop/);

      const onMerge = steps('.github/workflows/tierform-apply.yml');
      expect(onMerge.map((i) => i.words[0])).toEqual(['validate', 'plan', 'apply']);
      for (const inv of onMerge) {
        const r = await runCli([...expand(inv.argv), ...db.args, ...now], { cwd: t.dir });
        expect(r.code, `${inv.text}\n${r.stderr}`).toBe(0);
      }
      const history = await runCli(['history', 'my-shop', '--format', 'json', ...db.args], { cwd: t.dir });
      expect(JSON.parse(history.stdout)).toMatchObject([{ version: 1, status: 'active', sourceRef: 'c0ffee1', actor: 'octocat' }]);
    } finally {
      await db.cleanup();
    }
  }, 180_000);
});

function readFileSyncText(path: string): string {
  return readFileSync(path, 'utf8');
}

function pkgVersion(): string {
  return (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}
