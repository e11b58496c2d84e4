/** `validate --format json` (SPEC §5.1; additive changes only). */
import type { FileReport } from '../diagnostics.js';

export function renderDiagnosticsJson(reports: readonly FileReport[]): string {
  const out = {
    valid: reports.every((r) => r.valid),
    files: reports.map((r) => ({
      path: r.path,
      valid: r.valid,
      diagnostics: r.diagnostics.map((d) => ({ code: d.code, severity: d.severity, message: d.message, line: d.line, column: d.column, pointer: d.pointer })),
    })),
  };
  return JSON.stringify(out, null, 2) + '\n';
}
