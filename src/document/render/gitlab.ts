/**
 * GitLab Code Quality report (a JSON array of issues), for merge-request widgets:
 * `tierform validate --format gitlab > gl-code-quality-report.json` with
 * `artifacts: reports: codequality:`. The fingerprint is stable for the same problem at the
 * same place, so GitLab can tell new problems from fixed ones.
 */
import { createHash } from 'node:crypto';
import type { FileReport } from '../diagnostics.js';

export function renderDiagnosticsGitlab(reports: readonly FileReport[]): string {
  const issues = reports.flatMap((r) =>
    r.diagnostics.map((d) => {
      const path = r.path.split('\\').join('/');
      return {
        description: `${d.code}: ${d.message}`,
        check_name: d.code,
        fingerprint: createHash('sha256').update(`${path}\0${d.code}\0${d.pointer ?? ''}\0${d.line}\0${d.message}`).digest('hex'),
        severity: d.severity === 'error' ? 'major' : 'minor',
        location: { path, lines: { begin: d.line } },
      };
    }),
  );
  return JSON.stringify(issues, null, 2) + '\n';
}
