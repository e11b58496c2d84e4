/** SARIF 2.1.0, for code-scanning dashboards. `ruleId` is the diagnostic code. */
import type { FileReport } from '../diagnostics.js';

export function renderDiagnosticsSarif(reports: readonly FileReport[], version: string): string {
  const codes = [...new Set(reports.flatMap((r) => r.diagnostics.map((d) => d.code)))].sort();
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'tierform',
            version,
            informationUri: 'https://github.com/tierform/tierform',
            rules: codes.map((id) => ({ id, shortDescription: { text: id }, helpUri: `https://github.com/tierform/tierform/blob/main/docs/troubleshooting.md#${id.replace(/\./g, '')}` })),
          },
        },
        results: reports.flatMap((r) =>
          r.diagnostics.map((d) => ({
            ruleId: d.code,
            ruleIndex: codes.indexOf(d.code),
            level: d.severity === 'error' ? 'error' : 'warning',
            message: { text: d.message },
            locations: [
              {
                physicalLocation: {
                  artifactLocation: { uri: r.path.split('\\').join('/') },
                  region: { startLine: d.line, startColumn: d.column },
                },
                logicalLocations: d.pointer ? [{ fullyQualifiedName: d.pointer, kind: 'member' }] : undefined,
              },
            ],
          })),
        ),
      },
    ],
  };
  return JSON.stringify(sarif, null, 2) + '\n';
}
