/**
 * SARIF 2.1.0, for code-scanning dashboards. `ruleId` is the diagnostic code; each rule carries
 * its one-line meaning, its description, help (text and markdown) and a link to its
 * troubleshooting entry, all from docs/troubleshooting.md.
 */
import type { FileReport } from '../diagnostics.js';
import { codeHelp, TROUBLESHOOTING_URL } from './codeHelp.js';

export function renderDiagnosticsSarif(reports: readonly FileReport[], version: string): string {
  const codes = [...new Set(reports.flatMap((r) => r.diagnostics.map((d) => d.code)))].sort();
  const help = codeHelp();
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'tierform',
            version,
            semanticVersion: version,
            informationUri: 'https://github.com/tierform/tierform',
            rules: codes.map((id) => {
              const h = help.get(id);
              const anchor = h?.anchor ?? id.replace(/[^a-z0-9_-]/gi, '').toLowerCase();
              return {
                id,
                shortDescription: { text: h?.summary ?? id },
                fullDescription: { text: h?.meaning ?? id },
                help: {
                  text: h ? `${h.meaning}${h.fix ? `\nFix: ${h.fix}` : ''}` : `See ${TROUBLESHOOTING_URL}#${anchor}`,
                  markdown: h ? h.markdown : `See [${id}](${TROUBLESHOOTING_URL}#${anchor}).`,
                },
                helpUri: `${TROUBLESHOOTING_URL}#${anchor}`,
                defaultConfiguration: { level: 'error' },
              };
            }),
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
