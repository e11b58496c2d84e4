/**
 * The comment and issue scripts `init` writes, run as CI runs them (node, environment variables)
 * against a local mock of the GitHub and GitLab REST APIs.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdir, writeFile } from 'node:fs/promises';
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

    await node(script, ['invalid'], { ...env(), CI_COMMIT_SHA: '3333333333339999' });
    expect(forge.comments).toHaveLength(4);
    expect(forge.comments[3]!.body).toMatch(/^<!-- tierform-plan -->\n## tierform plan: not current\n[\s\S]*Validation failed on commit 333333333333/);
    expect(forge.calls.filter((c) => c.method === 'PUT')).toHaveLength(2);
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
