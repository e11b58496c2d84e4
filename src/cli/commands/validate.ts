import type { CommandContext } from '../context.js';
import { stringOption } from '../context.js';
import { UsageError } from '../errors.js';
import { validateFiles } from '../../document/validateFiles.js';
import { loadRepoConfig } from '../../config/repoConfig.js';
import { renderDiagnosticsText } from '../../document/render/text.js';
import { packageVersion } from '../version.js';

const FORMATS = ['text', 'json', 'github', 'sarif', 'gitlab'] as const;
const USAGE = 'tierform validate [paths…] [--format text|json|github|sarif|gitlab] [--catalog <file>]';

export async function run(ctx: CommandContext): Promise<number> {
  const format = stringOption(ctx, 'format') ?? 'text';
  if (!(FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')}`, USAGE);
  const config = await loadRepoConfig(ctx.io.cwd);
  // The catalog comes from the command line or the repository config, never from a file beside
  // a program (a pull request could add one to raise its own caps).
  const catalogPath = stringOption(ctx, 'catalog') ?? config.catalog ?? undefined;
  const catalog = catalogPath ? await (await import('../../catalog/load.js')).loadCatalogFile(catalogPath, ctx.io.cwd, config.root) : undefined;
  const result = await validateFiles(ctx.positionals, { cwd: ctx.io.cwd, config, ...(catalog ? { catalog } : {}) });
  // The other formats are loaded only when asked for (start-up of the common case, text).
  const out =
    format === 'json' ? (await import('../../document/render/json.js')).renderDiagnosticsJson(result.reports)
    : format === 'github' ? (await import('../../document/render/github.js')).renderDiagnosticsGithub(result.reports)
    : format === 'sarif' ? (await import('../../document/render/sarif.js')).renderDiagnosticsSarif(result.reports, packageVersion())
    : format === 'gitlab' ? (await import('../../document/render/gitlab.js')).renderDiagnosticsGitlab(result.reports)
    : renderDiagnosticsText(result.reports, { color: ctx.color });
  ctx.io.stdout.write(out);
  return result.valid ? 0 : 1;
}
