/** `tierform init [dir]`: scaffolds a program repository with CI workflows (SPEC §5). */
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { parse } from 'yaml';
import { PassThrough } from 'node:stream';
import type { CommandContext } from '../context.js';
import { flag, stringOption } from '../context.js';
import { UsageError } from '../errors.js';
import { packageVersion } from '../version.js';
import { scaffoldFiles, writeScaffold, type ScaffoldFile } from '../../init/scaffold.js';
import { expandPaths } from '../../document/files.js';
import { DEFAULT_EVALUATION_CRON } from '../../schedule/due.js';
import type { EvaluationSchedule } from '../../init/runDueCron.js';
import { run as printSchema } from './schema.js';

const USAGE = 'tierform init [dir] [--merchant <id>] [--subscription <plan>] [--timezone <zone>] [--currency <code>] [--force | --update]';

export async function run(ctx: CommandContext): Promise<number> {
  if (ctx.positionals.length > 1) throw new UsageError(`init takes at most one directory, got ${ctx.positionals.length}`, USAGE);
  const dir = ctx.positionals[0] ?? '.';
  if (flag(ctx, 'update')) {
    if (flag(ctx, 'force')) throw new UsageError('--update and --force do not go together', USAGE);
    return update(ctx, dir);
  }
  const merchant = stringOption(ctx, 'merchant') ?? 'my-shop';
  const files = scaffoldFiles({
    merchant,
    subscription: stringOption(ctx, 'subscription') ?? 'growth',
    timezone: stringOption(ctx, 'timezone') ?? 'UTC',
    currency: stringOption(ctx, 'currency') ?? 'USD',
    version: packageVersion(),
    programSchema: await programSchema(ctx),
    now: ctx.now,
  });
  const { created, overwritten } = await writeScaffold(resolve(ctx.io.cwd, dir), files, flag(ctx, 'force'));

  const out = ctx.io.stdout;
  out.write(`Initialized a tierform repository in ${dir}\n\n`);
  for (const p of created) out.write(`  created      ${p}\n`);
  for (const p of overwritten) out.write(`  overwritten  ${p}\n`);
  const cd = dir === '.' ? '' : `cd ${dir} && `;
  out.write(`
Next steps:
  1. Edit programs/${merchant}/program.yaml, then check it: ${cd}tierform validate programs/
  2. Keep the CI of your forge: .github/workflows/ (GitHub Actions) or .gitlab-ci.yml and
     .gitlab/ (GitLab); delete the other.
  3. Add the secrets (README, "Set up CI"): TIERFORM_DATABASE_URL (writer, in the protected
     environments tierform-production and tierform-scheduled), TIERFORM_PLAN_DATABASE_URL
     (read-only, for plans); on GitLab also TIERFORM_GITLAB_TOKEN and two pipeline schedules.
  4. Create the database schema once (pull-request plans never migrate it):
     TIERFORM_DATABASE_URL=postgres://… npx tierform@${packageVersion()} db migrate
  5. Set the demotion guardrail in tierform.yaml, commit, and open a pull request.
`);
  return 0;
}

/**
 * `init --update`: tierform's own files for this version — the schema copy the modelines point
 * at, the workflows and their scripts — with run-due scheduled after every merchant's evaluation.
 */
async function update(ctx: CommandContext, dir: string): Promise<number> {
  const root = resolve(ctx.io.cwd, dir);
  const evaluations = await evaluationSchedules(root);
  const files = scaffoldFiles({
    merchant: 'my-shop',
    subscription: 'growth',
    timezone: 'UTC',
    currency: 'USD',
    version: packageVersion(),
    programSchema: await programSchema(ctx),
    now: ctx.now,
    ...(evaluations.length > 0 ? { evaluations } : {}),
  }).filter((f): f is ScaffoldFile & { managed: true } => f.managed === true);
  const out = ctx.io.stdout;
  for (const f of files) {
    const target = join(root, f.path);
    const before = await readFile(target, 'utf8').catch(() => undefined);
    if (before === f.content) continue;
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, f.content);
    out.write(`  ${before === undefined ? 'created ' : 'updated '}  ${f.path}\n`);
  }
  out.write(`tierform's files in ${dir} are those of tierform ${packageVersion()}; review the diff and commit it.\n`);
  return 0;
}

/** Each program's evaluation cron and zone; files that do not read as programs are skipped (validate reports them). */
async function evaluationSchedules(root: string): Promise<EvaluationSchedule[]> {
  const { files } = await expandPaths(['programs'], root);
  const out: EvaluationSchedule[] = [];
  for (const f of files) {
    try {
      const doc = parse(await readFile(f.absolute, 'utf8')) as { kind?: unknown; metadata?: { timezone?: unknown }; spec?: { evaluation?: { cron?: unknown } } };
      if (doc?.kind !== 'MembershipProgram' || typeof doc.metadata?.timezone !== 'string') continue;
      const cron = doc.spec?.evaluation?.cron;
      out.push({ cron: typeof cron === 'string' ? cron : DEFAULT_EVALUATION_CRON, timezone: doc.metadata.timezone });
    } catch {
      continue;
    }
  }
  return out;
}

/** The same text `tierform schema` prints, so the repository's schema matches this version. */
async function programSchema(ctx: CommandContext): Promise<string> {
  const stdout = new PassThrough();
  const chunks: Buffer[] = [];
  stdout.on('data', (c: Buffer) => chunks.push(c));
  await printSchema({ ...ctx, positionals: ['MembershipProgram'], io: { ...ctx.io, stdout } });
  return Buffer.concat(chunks).toString('utf8');
}
