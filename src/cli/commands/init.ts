/** `tierform init [dir]`: scaffolds a program repository with CI workflows (SPEC §5). */
import { resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import type { CommandContext } from '../context.js';
import { flag, stringOption } from '../context.js';
import { UsageError } from '../errors.js';
import { packageVersion } from '../version.js';
import { scaffoldFiles, writeScaffold } from '../../init/scaffold.js';
import { run as printSchema } from './schema.js';

const USAGE = 'tierform init [dir] [--merchant <id>] [--subscription <plan>] [--timezone <zone>] [--currency <code>] [--force]';

export async function run(ctx: CommandContext): Promise<number> {
  if (ctx.positionals.length > 1) throw new UsageError(`init takes at most one directory, got ${ctx.positionals.length}`, USAGE);
  const dir = ctx.positionals[0] ?? '.';
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

/** The same text `tierform schema` prints, so the repository's schema matches this version. */
async function programSchema(ctx: CommandContext): Promise<string> {
  const stdout = new PassThrough();
  const chunks: Buffer[] = [];
  stdout.on('data', (c: Buffer) => chunks.push(c));
  await printSchema({ ...ctx, positionals: ['MembershipProgram'], io: { ...ctx.io, stdout } });
  return Buffer.concat(chunks).toString('utf8');
}
