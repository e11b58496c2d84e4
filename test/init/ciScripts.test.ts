/**
 * The comment and issue scripts `init` writes, run as CI runs them (node, environment variables)
 * against a local mock of the GitHub and GitLab REST APIs.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { dirname, join } from 'node:path';
import { testdir, type TestDir } from '../helpers/testdir.js';
import { scaffoldFiles } from '../../src/init/scaffold.js';
import { PAGE, startMockForge, type MockForge } from './mockForge.js';

const run = promisify(execFile);
let t: TestDir;
let forge: MockForge | undefined;

beforeEach(async () => {
  t = await testdir();
  for (const f of scaffoldFiles({ merchant: 'my-shop', subscription: 'growth', timezone: 'UTC', currency: 'USD', version: '9.9.9', programSchema: '{}', now: new Date('2026-11-29T00:00:00Z') })) {
    await mkdir(dirname(join(t.dir, f.path)), { recursive: true });
    await writeFile(join(t.dir, f.path), f.content);
  }
});
afterEach(async () => {
  await forge?.close();
  forge = undefined;
  await t.cleanup();
});

async function node(script: string, args: string[], env: Record<string, string>): Promise<void> {
  await run(process.execPath, [script, ...args], { cwd: t.dir, env: { PATH: process.env.PATH ?? '', ...env } });
}

const PLAN = '## tierform plan\n\n**1** to update\n';

describe('GitHub: the plan comment (.github/tierform/plan-comment.mjs)', () => {
  const env = (commit: string) => ({
    GITHUB_API_URL: forge!.url,
    GITHUB_REPOSITORY: 'o/r',
    GITHUB_TOKEN: 't0ken',
    TIERFORM_PR: '12',
    TIERFORM_COMMIT: commit,
    TIERFORM_VERSION: '9.9.9',
    TIERFORM_RUN_URL: 'https://github.example/o/r/actions/runs/5',
  });
  const comment = (state: string, commit: string) => node(join(t.dir, '.github/tierform/plan-comment.mjs'), [state, 'plan.md', 'plan.err'], env(commit));

  it('creates one comment, edits it in place on the next push, and replaces it with "not current" when validation fails', async () => {
    forge = await startMockForge('github');
    // People's comments come first, over more than one page; one quotes the marker.
    forge.comments.push({ id: 1, body: 'LGTM', user: { type: 'User' } }, { id: 2, body: 'what is <!-- tierform-plan --> ?', user: { type: 'User' } }, { id: 3, body: 'ok', user: { type: 'User' } });
    await t.write({ 'plan.md': PLAN, 'plan.err': '' });

    await comment('plan', 'aaaaaaaaaaaa1111');
    expect(forge.comments).toHaveLength(4);
    const ours = forge.comments[3]!;
    expect(ours.body).toBe(`<!-- tierform-plan -->\n${PLAN}\n---\n<sub>Commit aaaaaaaaaaaa · tierform 9.9.9 · [workflow run](https://github.example/o/r/actions/runs/5)</sub>\n`);

    await t.write({ 'plan.md': '## tierform plan\n\n**2** to update\n' });
    await comment('plan', 'bbbbbbbbbbbb2222');
    expect(forge.comments).toHaveLength(4);
    expect(forge.comments[3]!.id).toBe(ours.id);
    expect(forge.comments[3]!.body).toMatch(/\*\*2\*\* to update[\s\S]*Commit bbbbbbbbbbbb/);
    expect(forge.comments[1]!.body).toBe('what is <!-- tierform-plan --> ?');
    // The listing followed the Link header to the page holding the comment.
    expect(forge.calls.filter((c) => c.method === 'GET').length).toBeGreaterThan(1);

    await comment('invalid', 'cccccccccccc3333');
    expect(forge.comments).toHaveLength(4);
    const stale = forge.comments[3]!.body;
    expect(stale).toMatch(/^<!-- tierform-plan -->\n## tierform plan: not current\n/);
    expect(stale).toContain('Validation failed on commit cccccccccccc');
    expect(stale).not.toContain('to update');
    expect(forge.calls.every((c) => c.auth === 'Bearer t0ken')).toBe(true);
  });

  it('shows a refused plan as text under "plan failed", with its errors', async () => {
    forge = await startMockForge('github');
    await t.write({ 'plan.md': '', 'plan.err': 'error state.locked: busy\n' });
    await comment('plan', 'dddddddddddd');
    expect(forge.comments[0]!.body).toMatch(/^<!-- tierform-plan -->\n## tierform plan failed\n\n```\nerror state\.locked: busy\n```\n/);
  });

  it('fails (exit non-zero) when the API refuses, so the job shows it', async () => {
    forge = await startMockForge('github');
    await t.write({ 'plan.md': PLAN });
    const e = await node(join(t.dir, '.github/tierform/plan-comment.mjs'), ['plan'], { ...env('e'), GITHUB_TOKEN: 'wrong' }).catch((err: { code: number; stderr: string }) => err);
    expect(e).toMatchObject({ code: 1 });
    expect((e as { stderr: string }).stderr).toMatch(/401/);
  });
});

const SIMULATION = '### Simulation over the stored history\n\n#### `my-shop`\n\n| date | bronze (current → proposed) |\n';

describe('GitHub: the simulation under the plan comment', () => {
  const env = {
    GITHUB_REPOSITORY: 'o/r',
    GITHUB_TOKEN: 't0ken',
    TIERFORM_PR: '12',
    TIERFORM_COMMIT: 'aaaaaaaaaaaa1111',
    TIERFORM_VERSION: '9.9.9',
  };
  const comment = () => node(join(t.dir, '.github/tierform/plan-comment.mjs'), ['plan', 'plan.md', 'plan.err', 'simulation.md', 'simulation.err'], { ...env, GITHUB_API_URL: forge!.url });

  it('shows the simulation under the plan, then what stopped another merchant\'s, then the footer', async () => {
    forge = await startMockForge('github');
    await t.write({ 'plan.md': PLAN, 'plan.err': '', 'simulation.md': SIMULATION, 'simulation.err': 'error state.unknown-merchant: merchant x has no active program version\n' });
    await comment();
    const body = forge.comments[0]!.body;
    expect(body.startsWith(`<!-- tierform-plan -->\n${PLAN}\n${SIMULATION}\n### Simulation not available\n\n\`\`\`\nerror state.unknown-merchant:`)).toBe(true);
    expect(body).toMatch(/```\n\n---\n<sub>Commit aaaaaaaaaaaa/);
  });

  it('leaves a simulation too long for a comment to the job log, and shows the plan alone when there is none', async () => {
    forge = await startMockForge('github');
    await t.write({ 'plan.md': PLAN, 'plan.err': '', 'simulation.md': SIMULATION + '| x |\n'.repeat(12_000), 'simulation.err': '' });
    await comment();
    expect(forge.comments[0]!.body).toContain('too long for this comment: read it in the job log');
    expect(forge.comments[0]!.body).not.toContain('| x |');
    await t.write({ 'simulation.md': '', 'simulation.err': '' });
    await comment();
    expect(forge.comments[0]!.body).toBe(`<!-- tierform-plan -->\n${PLAN}\n---\n<sub>Commit aaaaaaaaaaaa · tierform 9.9.9</sub>\n`);
  });
});

describe('the simulation step of the generated pipelines', () => {
  /** A `tierform` on PATH that records its arguments: the step's shell is what is tested here. */
  async function fakeTierform(): Promise<string> {
    const bin = join(t.dir, 'fake-bin');
    await mkdir(bin, { recursive: true });
    await writeFile(join(bin, 'tierform'), '#!/bin/sh\necho "tierform $*"\necho "simulated $4" >&2\n');
    await chmod(join(bin, 'tierform'), 0o755);
    return bin;
  }

  const plan = {
    formatVersion: 1,
    merchants: [
      { merchant: 'acme', action: 'update', changes: [{ class: 'rule' }, { class: 'benefit' }] },
      { merchant: 'globex', action: 'update', changes: [{ class: 'benefit' }] },
      { merchant: 'newco', action: 'create', changes: [{ class: 'rule' }] },
      { merchant: 'initech', action: 'update', changes: [{ class: 'type_switch' }] },
    ],
  };

  async function runStep(script: string, days: string): Promise<{ md: string; err: string }> {
    const bin = await fakeTierform();
    await run('bash', ['-e', '-c', script], { cwd: t.dir, env: { PATH: `${bin}:${process.env.PATH ?? ''}`, TIERFORM_SIMULATE_DAYS: days } });
    return { md: await readFile(join(t.dir, 'simulation.md'), 'utf8'), err: await readFile(join(t.dir, 'simulation.err'), 'utf8') };
  }

  const day = (offset: number): string => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

  it('GitHub: simulates each updated merchant whose rules change, over the configured days up to yesterday', async () => {
    const doc = parse(await readFile(join(t.dir, '.github/workflows/tierform-pull-request.yml'), 'utf8')) as {
      jobs: { plan: { steps: { name?: string; run?: string; env?: Record<string, string> }[] } };
    };
    const step = doc.jobs.plan.steps.find((s) => s.name === 'Simulate the rule changes over the stored history')!;
    await t.write({ 'plan.json': JSON.stringify(plan) });
    const { md, err } = await runStep(step.run!, step.env!.TIERFORM_SIMULATE_DAYS!);
    const from = md.match(/--from (\S+)/)?.[1];
    // The clock may pass midnight between the step and this line.
    expect([day(-90), day(-91)]).toContain(from);
    expect(md.trim().split('\n')).toEqual([
      `tierform simulate programs/ --merchant acme --from ${from} --to ${md.match(/--to (\S+)/)?.[1]} --format markdown --no-migrate`,
      expect.stringContaining('--merchant initech'),
    ]);
    expect([day(-1), day(-2)]).toContain(md.match(/--to (\S+)/)?.[1]);
    expect(err).toBe('simulated acme\nsimulated initech\n');
    // The comment job is handed both files.
    expect(JSON.stringify(doc)).toContain('plan.md plan.err simulation.md simulation.err');
  });

  it('GitHub: without a saved plan (the plan failed) nothing is simulated', async () => {
    const doc = parse(await readFile(join(t.dir, '.github/workflows/tierform-pull-request.yml'), 'utf8')) as {
      jobs: { plan: { steps: { name?: string; run?: string }[] } };
    };
    const step = doc.jobs.plan.steps.find((s) => s.name === 'Simulate the rule changes over the stored history')!;
    expect(await runStep(step.run!, '30')).toEqual({ md: '', err: '' });
  });

  it('GitLab: the merge-request plan job runs the same step and hands the note both files', async () => {
    const doc = parse(await readFile(join(t.dir, '.gitlab-ci.yml'), 'utf8')) as Record<string, { script?: string[]; variables?: Record<string, string> }>;
    const job = doc['tierform-plan']!;
    const step = job.script!.find((line) => line.includes('tierform simulate'))!;
    await t.write({ 'plan.json': JSON.stringify(plan) });
    const { md } = await runStep(step, job.variables!.TIERFORM_SIMULATE_DAYS!);
    expect(md).toContain('--merchant acme');
    expect(md).not.toContain('globex');
    expect(md).not.toContain('newco');
    expect(job.script!.at(-2)).toMatch(/tierform-plan-note\.mjs plan plan\.md plan\.err simulation\.md simulation\.err$/);
  });
});

describe('GitHub: the drift issue (.github/tierform/drift-issue.mjs)', () => {
  it('opens one issue on drift, updates it on the next drift, closes it when clean', async () => {
    forge = await startMockForge('github');
    for (let n = 1; n <= PAGE + 1; n++) forge.issues.push({ number: n, title: `other ${n}`, body: 'unrelated', state: 'open', labels: [], comments: [] });
    const env = { GITHUB_API_URL: forge.url, GITHUB_REPOSITORY: 'o/r', GITHUB_TOKEN: 't0ken', TIERFORM_COMMIT: 'abcdef1234567890', TIERFORM_VERSION: '9.9.9' };
    const script = join(t.dir, '.github/tierform/drift-issue.mjs');

    await t.write({ 'drift.md': '## tierform plan\n\nacme: update\n' });
    await node(script, ['drift', 'drift.md'], env);
    const drift = forge.issues.filter((i) => i.body.includes('<!-- tierform-drift -->'));
    expect(drift).toHaveLength(1);
    expect(drift[0]).toMatchObject({ state: 'open', labels: ['tierform-drift'] });
    expect(drift[0]!.body).toMatch(/commit abcdef123456 \(tierform 9\.9\.9\)[\s\S]*acme: update/);

    await t.write({ 'drift.md': '## tierform plan\n\nacme: update, globex: update\n' });
    await node(script, ['drift', 'drift.md'], env);
    expect(forge.issues.filter((i) => i.body.includes('<!-- tierform-drift -->'))).toHaveLength(1);
    expect(drift[0]!.body).toContain('globex');

    await node(script, ['clean'], env);
    expect(drift[0]!.state).toBe('closed');
    expect(drift[0]!.comments).toEqual([expect.stringMatching(/matches the repository again/)]);
    expect(forge.issues.filter((i) => i.state === 'open')).toHaveLength(PAGE + 1);

    // Clean with nothing open: no call writes anything.
    const before = forge.calls.length;
    await node(script, ['clean'], env);
    expect(forge.calls.slice(before).every((c) => c.method === 'GET')).toBe(true);
  });
});

describe('GitLab: the plan note and the drift issue', () => {
  const env = () => ({ CI_API_V4_URL: `${forge!.url}/api/v4`, CI_PROJECT_ID: '42', CI_MERGE_REQUEST_IID: '7', TIERFORM_GITLAB_TOKEN: 't0ken', TIERFORM_VERSION: '9.9.9' });

  it('creates one note, edits it in place, and replaces it with "not current" when validation fails', async () => {
    forge = await startMockForge('gitlab');
    forge.comments.push({ id: 1, body: 'a reviewer', user: { type: 'User' } }, { id: 2, body: 'another', user: { type: 'User' } }, { id: 3, body: 'third', user: { type: 'User' } });
    const script = join(t.dir, '.gitlab/tierform-plan-note.mjs');
    await t.write({ 'plan.md': PLAN, 'plan.err': '' });
    await node(script, ['plan', 'plan.md', 'plan.err'], { ...env(), CI_COMMIT_SHA: '1111111111119999' });
    expect(forge.comments).toHaveLength(4);
    const id = forge.comments[3]!.id;
    expect(forge.comments[3]!.body).toMatch(/^<!-- tierform-plan -->\n## tierform plan\n[\s\S]*Commit 111111111111 · tierform 9\.9\.9/);

    await t.write({ 'plan.md': '## tierform plan\n\n**3** to update\n' });
    await node(script, ['plan', 'plan.md', 'plan.err'], { ...env(), CI_COMMIT_SHA: '2222222222229999' });
    expect(forge.comments).toHaveLength(4);
    expect(forge.comments[3]).toMatchObject({ id, body: expect.stringMatching(/\*\*3\*\* to update[\s\S]*Commit 222222222222/) });

    await t.write({ 'simulation.md': SIMULATION });
    await node(script, ['plan', 'plan.md', 'plan.err', 'simulation.md', 'simulation.err'], { ...env(), CI_COMMIT_SHA: '2222222222229999' });
    expect(forge.comments[3]!.body).toContain(`**3** to update\n\n${SIMULATION}\n---`);

    await node(script, ['invalid'], { ...env(), CI_COMMIT_SHA: '3333333333339999' });
    expect(forge.comments).toHaveLength(4);
    expect(forge.comments[3]!.body).toMatch(/^<!-- tierform-plan -->\n## tierform plan: not current\n[\s\S]*Validation failed on commit 333333333333/);
    expect(forge.calls.filter((c) => c.method === 'PUT')).toHaveLength(3);
  });

  it('opens, updates and closes one drift issue', async () => {
    forge = await startMockForge('gitlab');
    const script = join(t.dir, '.gitlab/tierform-drift-issue.mjs');
    await t.write({ 'drift.md': 'acme: update\n' });
    await node(script, ['drift', 'drift.md'], { ...env(), CI_COMMIT_SHA: 'feedfacecafe0000' });
    await node(script, ['drift', 'drift.md'], { ...env(), CI_COMMIT_SHA: 'feedfacecafe1111' });
    expect(forge.issues).toHaveLength(1);
    expect(forge.issues[0]).toMatchObject({ state: 'open', labels: ['tierform-drift'] });
    expect(forge.issues[0]!.body).toMatch(/commit feedfacecafe \(tierform 9\.9\.9\)[\s\S]*acme: update/);
    await node(script, ['clean'], { ...env(), CI_COMMIT_SHA: 'feedfacecafe2222' });
    expect(forge.issues[0]!.state).toBe('closed');
    expect(forge.issues[0]!.comments).toHaveLength(1);
  });
});
