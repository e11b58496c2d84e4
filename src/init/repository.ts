/** The repository-level files `tierform init` writes: the merchants' README and tierform.yaml. */

export function renderRepositoryConfig(): string {
  return `# tierform repository configuration, read by \`tierform plan\` from the repository root.
guardrails:
  # A plan fails (plan.guardrail) when its impact would demote more members than this:
  # a number of members (maxDowngrades: 50) or a share of them as a string ("5%").
  # Shipping a bigger downgrade takes a reviewed change of this line.
  maxDowngrades: "5%"
`;
}

export function renderReadme(o: { merchant: string; version: string }): string {
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
   many members would move between tiers.
4. When a reviewer approves and you merge, CI applies exactly that change.

Want the change to start later, say at the start of next month? Set
\`effective: { mode: scheduled, at: 2027-01-01T00:00:00+00:00 }\` (an instant with an offset).
Members are recalculated at that instant; until then the current rules stay in force.

## What CI does

| when | what | where |
| --- | --- | --- |
| every pull request | \`tierform validate\`: errors appear as annotations on the changed lines | all pull requests, forks included |
| every pull request | \`tierform plan\`: one comment with the plan, updated on every push | branches of this repository (forks get no database secret) |
| merge to main | \`tierform plan --out plan.json\`, then \`tierform apply plan.json\`, recording the commit and who merged | |
| every 15 minutes | \`tierform run-due\`: scheduled changes whose time has come, daily member evaluations | |

Workflows: \`.github/workflows/tierform-*.yml\` (GitHub Actions) or \`.gitlab-ci.yml\` (GitLab; delete
the one you do not use). They need the secret \`TIERFORM_DATABASE_URL\` (the PostgreSQL
connection string of the live state); GitLab also needs \`TIERFORM_GITLAB_TOKEN\` to post the
plan note, and a pipeline schedule for \`run-due\`. Create the database schema once, before the
first pull request (pull-request plans run with \`--no-migrate\`, so a pull request never changes
the database; merges migrate it when a new tierform version needs it):

\`\`\`sh
TIERFORM_DATABASE_URL=postgres://… npx tierform@${o.version} db migrate
\`\`\`

To upgrade tierform, change \`TIERFORM_VERSION\` in the workflows. When the new version brings
database migrations, that pull request's plan reports \`db.schema-behind\`; the apply after
the merge migrates the database, and later plans work again.

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
