/** GitHub Actions workflow commands: one annotation per diagnostic on the pull request. */
import type { FileReport } from '../diagnostics.js';
import { escapeTextKeepingLineBreaks } from '../../model/display.js';

// Workflow-command escaping: data escapes %, CR, LF; properties also escape ':' and ','. Other
// control, bidi and zero-width characters are made visible first (as in text output), so no
// value can start a line of the log — a line starting '::' is a command the runner executes.
const escapeData = (s: string) => escapeTextKeepingLineBreaks(s).replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
const escapeProperty = (s: string) => escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

export function renderDiagnosticsGithub(reports: readonly FileReport[]): string {
  const lines: string[] = [];
  for (const r of reports) {
    for (const d of r.diagnostics) {
      const level = d.severity === 'error' ? 'error' : 'warning';
      lines.push(`::${level} file=${escapeProperty(r.path)},line=${d.line},col=${d.column},title=${escapeProperty(d.code)}::${escapeData(d.message)}`);
    }
  }
  return lines.length > 0 ? lines.join('\n') + '\n' : '';
}
