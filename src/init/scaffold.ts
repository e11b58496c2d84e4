/**
 * `tierform init`: the files of a program repository, checked before anything is written.
 * Either every file is written or none is: existing files are refused (unless forced) and the
 * starter program is validated first.
 */
import { constants } from 'node:fs';
import { lstat, mkdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { TierformError } from '../cli/errors.js';
import { defaultCatalog } from '../catalog/builtin.js';
import { checkDocument } from '../document/checkDocument.js';
import { applyWorkflow, dependabotConfig, driftWorkflow, pullRequestWorkflow, runDueWorkflow } from './github.js';
import { GITHUB_COMMENT_SCRIPT, GITHUB_DRIFT_SCRIPT, githubDriftIssueScript, githubPlanCommentScript } from './githubScripts.js';
import { GITLAB_DRIFT_SCRIPT, GITLAB_NOTE_SCRIPT, gitlabDriftScript, gitlabNoteScript, gitlabPipeline } from './gitlab.js';
import { PROGRAM_SCHEMA_PATH, renderProgram, starterShape, type ProgramOptions } from './program.js';
import { renderCatalog, renderReadme, renderRepositoryConfig } from './repository.js';
import { runDueCrons, type EvaluationSchedule } from './runDueCron.js';
import { canonicalize } from '../format/canonical.js';
import { DEFAULT_EVALUATION_CRON } from '../schedule/due.js';

export interface InitOptions extends ProgramOptions {
  /** The tierform version the workflows install. */
  version: string;
  /** The MembershipProgram JSON Schema, as `tierform schema` prints it. */
  programSchema: string;
  /** Where the year of evaluation fires that sets the run-due schedule starts (the command's now). */
  now: Date;
  /** The merchants' evaluation schedules (init --update); default: the starter program's. */
  evaluations?: readonly EvaluationSchedule[];
}

export interface ScaffoldFile {
  /** Relative to the repository root, with `/`. */
  path: string;
  content: string;
  /** Owned by tierform (schema copy, CI): `init --update` rewrites it; the others are the user's. */
  managed?: true;
}

const MERCHANT_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** Every file of the repository, in the order they are listed to the user. */
export function scaffoldFiles(o: InitOptions): ScaffoldFile[] {
  if (!MERCHANT_ID.test(o.merchant)) {
    throw new TierformError('init.invalid-option', `--merchant '${o.merchant}' is not a merchant id: lowercase letters, digits and dashes, starting with a letter or digit, at most 63 characters`);
  }
  const shape = starterShape(defaultCatalog, o.subscription);
  if (!shape) {
    const known = Object.keys(defaultCatalog.spec.subscriptions).join(', ');
    throw new TierformError('init.invalid-option', `--subscription '${o.subscription}' is not in the built-in catalog; use one of ${known}`);
  }
  const programPath = `programs/${o.merchant}/program.yaml`;
  // In the layout `tierform fmt` keeps, so a new repository passes `fmt --check`.
  const canonical = canonicalize(renderProgram(o, shape), { MembershipProgram: JSON.parse(o.programSchema) as Record<string, unknown> });
  if (!canonical.ok) throw new Error(`init: the starter program does not parse: ${canonical.message}`);
  const program = canonical.text;
  assertValid(programPath, program);
  // The starter program keeps the default evaluation cron, in its own time zone.
  const crons = runDueCrons(o.evaluations ?? [{ cron: DEFAULT_EVALUATION_CRON, timezone: o.timezone }], o.now);
  return [
    { path: programPath, content: program },
    { path: PROGRAM_SCHEMA_PATH, content: o.programSchema.endsWith('\n') ? o.programSchema : `${o.programSchema}\n`, managed: true },
    { path: 'tierform.yaml', content: renderRepositoryConfig() },
    { path: 'catalog.yaml', content: renderCatalog() },
    { path: 'README.md', content: renderReadme({ merchant: o.merchant, version: o.version, crons }) },
    { path: '.github/workflows/tierform-pull-request.yml', content: pullRequestWorkflow(o.version), managed: true },
    { path: '.github/workflows/tierform-apply.yml', content: applyWorkflow(o.version), managed: true },
    { path: '.github/workflows/tierform-drift.yml', content: driftWorkflow(o.version), managed: true },
    { path: '.github/workflows/tierform-run-due.yml', content: runDueWorkflow(o.version, crons), managed: true },
    // Not managed: a repository's Dependabot file usually lists other ecosystems too.
    { path: '.github/dependabot.yml', content: dependabotConfig() },
    { path: GITHUB_COMMENT_SCRIPT, content: githubPlanCommentScript(), managed: true },
    { path: GITHUB_DRIFT_SCRIPT, content: githubDriftIssueScript(), managed: true },
    { path: '.gitlab-ci.yml', content: gitlabPipeline(o.version, crons), managed: true },
    { path: GITLAB_NOTE_SCRIPT, content: gitlabNoteScript(), managed: true },
    { path: GITLAB_DRIFT_SCRIPT, content: gitlabDriftScript(), managed: true },
  ];
}

/** The options are the user's input: a time zone or currency the validator refuses is theirs to fix. */
function assertValid(path: string, text: string): void {
  const checked = checkDocument(path, Buffer.from(text, 'utf8'), defaultCatalog);
  if (checked.diagnostics.length === 0) return;
  const problems = checked.diagnostics.map((d) => `${d.code}: ${d.message}`).join('; ');
  throw new TierformError('init.invalid-option', `the program for these options would not validate (${problems}); check --timezone and --currency`);
}

/** Writes the files under `root`; refuses (writing nothing) when one exists, unless `force`. */
export async function writeScaffold(root: string, files: readonly ScaffoldFile[], force: boolean): Promise<{ created: string[]; overwritten: string[] }> {
  const rootInfo = await stat(root).catch(() => undefined);
  if (rootInfo && !rootInfo.isDirectory()) throw new TierformError('init.exists', `${root} exists and is not a directory; nothing was written`);
  // A link in the scaffold's place (a file or a folder on its way) would carry the write out of
  // the repository: refused before anything is written, and never followed while writing.
  for (const f of files) {
    const parts = f.path.split('/');
    for (let i = 1; i <= parts.length; i++) {
      const shown = parts.slice(0, i).join('/');
      const info = await lstat(join(root, shown)).catch(() => undefined);
      if (info?.isSymbolicLink()) throw new TierformError('init.symlink', `${shown} is a symbolic link; init never writes through a link; nothing was written`);
    }
  }
  const existing: string[] = [];
  for (const f of files) {
    const info = await stat(join(root, f.path)).catch(() => undefined);
    if (!info) continue;
    if (info.isDirectory()) throw new TierformError('init.exists', `${f.path} exists and is a directory; nothing was written`);
    if (!info.isFile()) throw new TierformError('init.exists', `${f.path} exists and is not a regular file (a pipe, socket or device); nothing was written`);
    existing.push(f.path);
  }
  if (existing.length > 0 && !force) {
    throw new TierformError('init.exists', `${existing.join(', ')} already exist${existing.length === 1 ? 's' : ''}; nothing was written (--force overwrites)`);
  }
  for (const f of files) {
    const target = join(root, f.path);
    await mkdir(dirname(target), { recursive: true });
    const flag = existing.includes(f.path) ? constants.O_WRONLY | constants.O_TRUNC | constants.O_NOFOLLOW : constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL;
    await writeFile(target, f.content, { flag });
  }
  return { created: files.map((f) => f.path).filter((p) => !existing.includes(p)), overwritten: existing };
}
