/** The repository-level files `tierform init` writes: the README, tierform.yaml and catalog.yaml. */
import { stringify } from 'yaml';
import { defaultCatalog } from '../catalog/builtin.js';
import { APPLY_ENVIRONMENT, SCHEDULE_ENVIRONMENT } from './github.js';

/** The platform's catalog, which `validate` checks subscription caps against in CI. */
export function renderCatalog(): string {
  return `# The platform's plan catalog: the caps of each subscription. CI validates programs against
# this file as it is on the default branch, so a pull request cannot raise its own caps. Keep it
# equal to the live catalog (tierform catalog show); the platform changes that with
# tierform catalog apply catalog.yaml. Review changes to it like code (CODEOWNERS).
${stringify(defaultCatalog)}`;
}

export function renderRepositoryConfig(): string {
  return `# tierform repository configuration, read by \`tierform plan\` from the repository root.
guardrails:
  # A plan fails (plan.guardrail) when its impact would demote more members than this:
  # a number of members (maxDowngrades: 50) or a share of them as a string ("5%").
  # Shipping a bigger downgrade takes a reviewed change of this line.
  maxDowngrades: "5%"
`;
}

export function renderReadme(o: { merchant: string; version: string; crons: readonly string[] }): string {
  const m = o.merchant;
  return `# Membership programs

This repository holds our membership programs as code. Each merchant's program — tier levels
or paid membership plans — is one file, \`programs/<merchant>/program.yaml\`. Nobody edits the
live program by hand: a merged pull request is the only way a change reaches members.
[tierform](https://www.npmjs.com/package/tierform) ${o.version} checks, plans and applies it.

## Change your program

1. Create a branch and edit \`programs/${m}/program.yaml\`. Editors with the YAML language server
   (VS Code's YAML extension, for example) complete and check it as you type: the first line
   of the file points them at \`schemas/membership-program.schema.json\`.
2. Check it before you push (no database needed):

   \`\`\`sh
   npx tierform@${o.version} validate programs/
   \`\`\`

3. Open a pull request. CI validates it and comments the **plan**: what would change and how
   many members would move between tiers. The comment names the commit and the tierform
   version it was computed with, and is replaced on every push; when validation fails it says
   the plan is **not current** instead of leaving the previous one up.
4. When a reviewer approves and you merge, CI plans the merge commit, shows that plan in the
   run summary, and — once someone allowed to approve the \`${APPLY_ENVIRONMENT}\`
   environment approves — applies exactly that saved plan. See "What is applied" below.

Want the change to start later, say at the start of next month? Set
\`effective: { mode: scheduled, at: 2027-01-01T00:00:00+00:00 }\` (an instant with an offset).
Members are recalculated at that instant; until then the current rules stay in force.

## What CI does

| when | what | credentials |
| --- | --- | --- |
| every pull request touching \`programs/**\`, \`tierform.yaml\` or \`catalog.yaml\` | \`tierform validate --catalog\` (the catalog of the default branch): errors as annotations on the changed lines; \`tierform fmt --check\` | none: forks included |
| same | \`tierform plan\`: one comment with the plan, edited on every push; a newer push cancels the older run | read-only (\`TIERFORM_PLAN_DATABASE_URL\`); branches of this repository only |
| merge to main | plan of the merge commit (run summary + artifact), then \`tierform apply plan.json\` in the protected environment \`${APPLY_ENVIRONMENT}\`, recording the commit and who merged | read-only to plan, writer to apply |
| daily | drift check: \`tierform plan --detailed-exitcode\`; exit 2 opens (or updates) one issue labelled \`tierform-drift\`, exit 0 closes it | read-only |
| ${o.crons.map((c) => `\`${c}\``).join(', ')} (UTC) | \`tierform run-due\`: daily member evaluations, scheduled changes whose time has come | writer, environment \`${SCHEDULE_ENVIRONMENT}\` |

Workflows: \`.github/workflows/tierform-*.yml\` and \`.github/tierform/\` (GitHub Actions), or
\`.gitlab-ci.yml\` and \`.gitlab/\` (GitLab); delete the ones you do not use. Every job runs
Node.js 26 (the Active LTS line); actions are pinned by commit SHA with the release in a comment.

### What is applied

The plan a reviewer sees on the pull request is computed on GitHub's test merge of the branch
into main. After the merge, CI plans the merge commit again, read-only, and keeps it as the
artifact \`tierform-plan-<sha>\`; the apply job applies that file and nothing else. The two plans
are the same when the branch was up to date with main when it merged (turn on "Require branches
to be up to date before merging") and nobody changed the live state in between. If they differ,
the difference is in the run summary the environment's reviewers read before approving. If the
live state changes between the merge commit's plan and the apply, \`apply\` refuses the saved
plan (\`plan.stale\`) and changes nothing: run the workflow again.

### Set up CI

- **Secrets.** \`TIERFORM_DATABASE_URL\`: the PostgreSQL connection string of the live state,
  with write access. Keep it as a secret of the environments \`${APPLY_ENVIRONMENT}\` (add
  required reviewers) and \`${SCHEDULE_ENVIRONMENT}\` (no reviewers; deployment branch main only),
  so only reviewed workflow code on main can read it. \`TIERFORM_PLAN_DATABASE_URL\`: a role that
  can only read tierform's schema (\`GRANT USAGE ON SCHEMA tierform\`, \`GRANT SELECT ON ALL TABLES
  IN SCHEMA tierform\`), as a repository secret, for pull-request plans and the drift check; when
  it is not set they fall back to \`TIERFORM_DATABASE_URL\`. On GitLab, make
  \`TIERFORM_DATABASE_URL\` protected and environment-scoped, and add \`TIERFORM_GITLAB_TOKEN\`
  (project access token, api scope) for the note and the drift issue.
- **GitLab schedules.** Two pipeline schedules with the variable \`TIERFORM_SCHEDULE\`:
  \`run-due\` (at the times in the table) and \`drift\` (daily).
- **Forks.** Pull requests from forks get no secrets: they are validated only. On GitLab,
  fork merge requests run validate only; plan jobs are \`interruptible\`.
- **The database schema.** Create it once, before the first pull request:

  \`\`\`sh
  TIERFORM_DATABASE_URL=postgres://… npx tierform@${o.version} db migrate
  \`\`\`

To upgrade tierform, change \`TIERFORM_VERSION\` in the workflows. When the new version brings
database migrations, that pull request's plan reports \`db.schema-behind\`; after the merge the
apply job (approved as usual) migrates the database, plans and applies; later plans work again.

### run-due: cheaper schedule, or a service

run-due is scheduled a few minutes after each merchant's daily evaluation (\`spec.evaluation.cron\`,
default \`0 3 * * *\` in the merchant's time zone, both sides of daylight-saving changes), instead of
every 15 minutes (about 2,900 billed minutes a month). A scheduled change (\`effective.at\`) takes
effect at the first run after its instant: add a cron line at that instant, or run the workflow by
hand, when it must be on time. When you add merchants with other crons, add their times.
To run it as a service instead, run \`tierform scheduler\` (it runs \`run-due\` on its own cron and
stops cleanly on SIGTERM) on a long-lived host with \`TIERFORM_DATABASE_URL\`, and delete the
run-due workflow. Either way, \`tierform status\` shows each merchant's last successful run and
warns when it is older than a day.

## Reading a plan comment

The comment starts with a count: merchants to create, to update, unchanged, unmanaged, errors.
Then one row per merchant that changes:

- **Action**: \`create\` (a new merchant), \`update\`, \`no changes\`, or \`unmanaged\` (in the
  database but not in this repository; never touched).
- **Changes**, one per changed value, each with a class: \`cosmetic\` (names, card looks),
  \`benefit\`, \`rule\` (anything that decides who holds which tier: thresholds, windows,
  validity, tier order), \`type_switch\` (levels ↔ paid), \`schedule\`, \`subscription\`.
- **Recalculation**: \`none\`, \`immediate\` (at merge), or \`scheduled\` at an instant.
- **Members up / down**: for a rule change, how many members would move, counted on today's data.
  Open the merchant's details for members per tier before and after.
- **Errors** stop the whole apply; the most common:
  - \`plan.switch-limit\`: too many switches between levels and paid in 24 hours; the comment
    says when the next one is allowed.
  - \`plan.pending-change\`: a scheduled change is waiting; cancel it or replace it on purpose.
  - \`plan.tier-not-empty\`: you removed a tier that still has members; set \`enabled: false\`
    first, merge, then remove it.
  - \`plan.subscription-mismatch\`: \`metadata.subscription\` differs from the platform's record;
    subscriptions are changed by the platform, not in this repository.
  - \`plan.guardrail\`: the change would demote more members than \`tierform.yaml\` allows.

## Guardrails

\`tierform.yaml\` sets \`guardrails.maxDowngrades\`. A plan that would demote more members than
that fails, so a mass downgrade needs a reviewed change of the limit in the same pull request.
`;
}
