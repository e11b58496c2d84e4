/** Compiler-style diagnostics (`path:line:column: error code: message`), clickable in editors. */
import type { FileReport } from '../diagnostics.js';
import { escapeText, formatCount } from '../../model/display.js';

export function renderDiagnosticsText(reports: readonly FileReport[], opts: { color?: boolean } = {}): string {
  const red = (s: string) => (opts.color ? `\x1b[31m${s}\x1b[0m` : s);
  const green = (s: string) => (opts.color ? `\x1b[32m${s}\x1b[0m` : s);
  const lines: string[] = [];
  let errors = 0;
  for (const r of reports) {
    for (const d of r.diagnostics) {
      if (d.severity === 'error') errors += 1;
      lines.push(`${escapeText(r.path)}:${d.line}:${d.column}: ${d.severity === 'error' ? red('error') : 'warning'} ${d.code}: ${escapeText(d.message)}`);
    }
  }
  const files = reports.length;
  const bad = reports.filter((r) => !r.valid).length;
  if (files === 0) lines.push('no program files found');
  else if (errors === 0) lines.push(green(`${formatCount(files)} file${files === 1 ? '' : 's'} valid`));
  else lines.push(`${formatCount(errors)} error${errors === 1 ? '' : 's'} in ${formatCount(bad)} of ${formatCount(files)} file${files === 1 ? '' : 's'}`);
  return lines.join('\n') + '\n';
}
