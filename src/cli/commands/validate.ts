import type { CommandContext } from '../context.js';
import { stringOption } from '../context.js';
import { UsageError } from '../errors.js';
import { validateFiles } from '../../document/validateFiles.js';
import { loadCatalogFile } from '../../catalog/load.js';
import { renderDiagnosticsText } from '../../document/render/text.js';
import { renderDiagnosticsJson } from '../../document/render/json.js';
import { renderDiagnosticsGithub } from '../../document/render/github.js';
import { renderDiagnosticsSarif } from '../../document/render/sarif.js';
import { renderDiagnosticsGitlab } from '../../document/render/gitlab.js';
import { packageVersion } from '../version.js';

const FORMATS = ['text', 'json', 'github', 'sarif', 'gitlab'] as const;
const USAGE = 'tierform validate [paths…] [--format text|json|github|sarif|gitlab] [--catalog <file>]';

export async function run(ctx: CommandContext): Promise<number> {
  const format = stringOption(ctx, 'format') ?? 'text';
  if (!(FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}`, USAGE);
  const catalogPath = stringOption(ctx, 'catalog');
  const catalog = catalogPath ? await loadCatalogFile(catalogPath, ctx.io.cwd) : undefined;
  const paths = ctx.positionals.length > 0 ? ctx.positionals : ['programs'];
  const result = await validateFiles(paths, { cwd: ctx.io.cwd, ...(catalog ? { catalog } : {}) });
  const out =
    format === 'json' ? renderDiagnosticsJson(result.reports)
    : format === 'github' ? renderDiagnosticsGithub(result.reports)
    : format === 'sarif' ? renderDiagnosticsSarif(result.reports, packageVersion())
    : format === 'gitlab' ? renderDiagnosticsGitlab(result.reports)
    : renderDiagnosticsText(result.reports, { color: ctx.color });
  ctx.io.stdout.write(out);
  return result.valid ? 0 : 1;
}
