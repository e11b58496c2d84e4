/**
 * The machine reports of `validate`: SARIF 2.1.0 checked against the OASIS schema (the copy
 * @microsoft/jest-sarif ships), every rule described from docs/troubleshooting.md; and the GitLab
 * Code Quality report.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import Ajv04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { validateFiles } from '../../src/document/validateFiles.js';
import { renderDiagnosticsSarif } from '../../src/document/render/sarif.js';
import { renderDiagnosticsGitlab } from '../../src/document/render/gitlab.js';
import { headingAnchor, parseTroubleshooting, TROUBLESHOOTING_URL } from '../../src/document/render/codeHelp.js';
import { runCli, ROOT } from '../helpers/cli.js';
import { testdir } from '../helpers/testdir.js';
import { scaffoldFiles } from '../../src/init/scaffold.js';

const require = createRequire(import.meta.url);
const SARIF_SCHEMA = join(require.resolve('@microsoft/jest-sarif/package.json'), '..', 'lib/schemas/sarif-2.1.0-rtm.5.json');
const PAGE = readFileSync(join(ROOT, 'docs/troubleshooting.md'), 'utf8');

interface Rule {
  id: string;
  shortDescription: { text: string };
  fullDescription: { text: string };
  help: { text: string; markdown: string };
  helpUri: string;
}

async function corpusReports() {
  return (await validateFiles(['test/corpus'], { cwd: ROOT })).reports;
}

describe('validate --format sarif', () => {
  it('passes the SARIF 2.1.0 schema', async () => {
    const ajv = new Ajv04.default({ allErrors: true, strict: false, unicodeRegExp: false });
    addFormats.default(ajv);
    const check = ajv.compile(JSON.parse(readFileSync(SARIF_SCHEMA, 'utf8')) as object);
    const sarif = JSON.parse(renderDiagnosticsSarif(await corpusReports(), '1.2.3')) as unknown;
    expect(check(sarif), JSON.stringify(check.errors, null, 2)).toBe(true);
    // The check is live: a result without a message is refused.
    const broken = JSON.parse(JSON.stringify(sarif)) as { runs: { results: { message?: unknown }[] }[] };
    delete broken.runs[0]!.results[0]!.message;
    expect(check(broken)).toBe(false);
  });

  it('describes every rule from its troubleshooting entry: one-line meaning, description, help and link', async () => {
    const reports = await corpusReports();
    const sarif = JSON.parse(renderDiagnosticsSarif(reports, '1.2.3')) as { runs: { tool: { driver: { rules: Rule[] } } }[] };
    const rules = sarif.runs[0]!.tool.driver.rules;
    const used = new Set(reports.flatMap((r) => r.diagnostics.map((d) => d.code)));
    expect(rules.map((r) => r.id).sort()).toEqual([...used].sort());
    expect(rules.length).toBeGreaterThan(10);
    const headings = new Set([...PAGE.matchAll(/^#{2,3} (.+)$/gm)].map((m) => headingAnchor(m[1]!)));
    const page = parseTroubleshooting(PAGE);
    for (const rule of rules) {
      const entry = page.get(rule.id)!;
      expect(entry, rule.id).toBeDefined();
      expect(rule.shortDescription.text, rule.id).not.toBe(rule.id);
      expect(rule.shortDescription.text, rule.id).not.toMatch(/\n/);
      expect(rule.fullDescription.text.startsWith(rule.shortDescription.text), rule.id).toBe(true);
      expect(rule.help.text, rule.id).toContain(entry.fix!);
      expect(rule.help.markdown, rule.id).toMatch(/\*\*Fix:\*\*/);
      const [base, anchor] = rule.helpUri.split('#');
      expect(base).toBe(TROUBLESHOOTING_URL);
      expect(headings.has(anchor!), `${rule.id}: #${anchor}`).toBe(true);
    }
  });

  it('reads a troubleshooting entry into its parts', () => {
    const page = parseTroubleshooting('## Area\n\n### `a.b`\nThe thing is wrong. It happens\nwhen `x` is set.\n**Example:** `error a.b: no`\n**Fix:** unset `x`.\n\n## Next\n');
    expect(page.get('a.b')).toEqual({
      code: 'a.b',
      summary: 'The thing is wrong.',
      meaning: 'The thing is wrong. It happens when x is set.',
      fix: 'unset x.',
      markdown: 'The thing is wrong. It happens\nwhen `x` is set.\n\n**Example:** `error a.b: no`\n\n**Fix:** unset `x`.',
      anchor: 'ab',
    });
  });
});

describe('validate --format gitlab (Code Quality)', () => {
  it('lists one issue per diagnostic with a stable fingerprint, path and line', async () => {
    const reports = await corpusReports();
    const issues = JSON.parse(renderDiagnosticsGitlab(reports)) as { description: string; check_name: string; fingerprint: string; severity: string; location: { path: string; lines: { begin: number } } }[];
    const diagnostics = reports.flatMap((r) => r.diagnostics.map((d) => ({ r, d })));
    expect(issues).toHaveLength(diagnostics.length);
    expect(new Set(issues.map((i) => i.fingerprint)).size).toBe(issues.length);
    issues.forEach((issue, n) => {
      const { r, d } = diagnostics[n]!;
      expect(issue).toEqual({ description: `${d.code}: ${d.message}`, check_name: d.code, fingerprint: expect.stringMatching(/^[0-9a-f]{64}$/), severity: 'major', location: { path: r.path, lines: { begin: d.line } } });
    });
    expect(renderDiagnosticsGitlab(reports)).toBe(renderDiagnosticsGitlab(await corpusReports()));
  });

  it('is a format of the CLI: an empty list and exit 0 for valid files', async () => {
    const t = await testdir();
    try {
      const program = scaffoldFiles({ merchant: 'acme', subscription: 'growth', timezone: 'UTC', currency: 'USD', version: '0', programSchema: '{}', now: new Date(0) })[0]!;
      await t.write({ [program.path]: program.content });
      const r = await runCli(['validate', 'programs', '--format', 'gitlab'], { cwd: t.dir });
      expect(r.stderr).toBe('');
      expect(JSON.parse(r.stdout)).toEqual([]);
      expect(r.code).toBe(0);
    } finally {
      await t.cleanup();
    }
  });
});
