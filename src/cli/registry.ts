/**
 * The command table: names, usage and options of every command. It is the single source for
 * argument parsing, `--help` and the generated command reference. Command bodies are loaded
 * lazily so `validate` never loads a database driver.
 */
import type { CommandContext } from './context.js';

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  description: string;
  /** Shown in help as the value placeholder. */
  value?: string;
}

export interface CommandSpec {
  /** One or two words: `validate`, `schedule list`. */
  name: string;
  summary: string;
  usage: string;
  options?: Record<string, OptionSpec>;
  /** Command lines shown by `--help` and in the group's help. */
  examples?: string[];
  load: () => Promise<{ run: (ctx: CommandContext) => Promise<number> }>;
}

export const globalOptions: Record<string, OptionSpec> = {
  db: { type: 'string', value: 'url', description: 'PostgreSQL connection string (else TIERFORM_DATABASE_URL; else the embedded database; DATABASE_URL is not read)' },
  'data-dir': { type: 'string', value: 'dir', description: 'embedded database location (default ./.tierform/db); wins over the environment; needed in CI' },
  schema: { type: 'string', value: 'name', description: "the PostgreSQL schema of tierform's tables (default tierform)" },
  'no-embedded': { type: 'boolean', description: 'never fall back to the embedded database (as when CI is set): db.not-configured unless --db, TIERFORM_DATABASE_URL or --data-dir' },
  now: { type: 'string', value: 'instant', description: 'the current instant, ISO 8601 with offset (default: the clock)' },
  'lock-timeout': { type: 'string', value: 'seconds', description: "how long to wait for a merchant's lock or the embedded database (default 10)" },
  format: { type: 'string', value: 'fmt', description: 'output format (per command)' },
  'no-color': { type: 'boolean', description: 'no colour in output (also NO_COLOR)' },
  'no-migrate': { type: 'boolean', description: 'a writing command refuses (db.schema-behind) instead of migrating; read commands never migrate' },
  help: { type: 'boolean', short: 'h', description: 'show help' },
  version: { type: 'boolean', short: 'v', description: 'print the version' },
};

/** What each group of two-word commands is for, in `tierform <group> --help`. */
export const groupSummaries: Record<string, string> = {
  schedule: 'pending take-effect-later changes',
  outbox: 'notifications waiting for a sender',
  catalog: "the platform's plan catalog",
  merchant: "merchants' subscriptions",
  import: 'orders, members, purchases and points from NDJSON or CSV',
  db: 'the database itself',
  members: "members' standing",
};

export const commands: CommandSpec[] = [
  {
    name: 'validate',
    summary: 'validate program files offline (no database, no network)',
    usage: 'tierform validate [paths…] [--format text|json|github|sarif|gitlab] [--catalog <file>]',
    options: {
      catalog: { type: 'string', value: 'file', description: 'the PlanCatalog to check caps against (default: the built-in one)' },
    },
    load: () => import('./commands/validate.js'),
  },
  {
    name: 'schema',
    summary: 'print a JSON Schema, for editors',
    usage: 'tierform schema [MembershipProgram|PlanCatalog]',
    load: () => import('./commands/schema.js'),
  },
  {
    name: 'plan',
    summary: 'show what apply would change, per merchant',
    usage: 'tierform plan [paths…] [--format text|markdown|json] [--out <file>] [--detailed-exitcode] [--merchant <id>] [--supersede] [--max-downgrades <n|p%>] [--movers <file>]',
    options: {
      out: { type: 'string', value: 'file', description: 'also save the plan as JSON, to apply exactly it later (tierform apply <file>)' },
      'detailed-exitcode': { type: 'boolean', description: 'exit 0 when nothing changes, 2 when something does (1 on errors)' },
      merchant: { type: 'string', value: 'id', description: 'plan only this merchant' },
      supersede: { type: 'boolean', description: 'let a rule change replace a pending (scheduled) version' },
      'max-downgrades': { type: 'string', value: 'n|p%', description: 'fail (plan.guardrail) when a rule change would demote more members than this (else guardrails.maxDowngrades in tierform.yaml)' },
      movers: { type: 'string', value: 'file', description: 'write the members the change would move as CSV: merchant,member,from,to,reason' },
    },
    load: () => import('./commands/plan.js'),
  },
  {
    name: 'show',
    summary: 'render a saved plan as plan printed it (its seal checked first)',
    usage: 'tierform show <planfile> [--format text|markdown|json]',
    load: () => import('./commands/show.js'),
  },
  {
    name: 'apply',
    summary: 'apply program files or a saved plan to the live state',
    usage: 'tierform apply [paths… | planfile.json] [--auto-approve] [--supersede] [--source-ref <ref>] [--actor <name>] [--lock-timeout <seconds>] [--max-downgrades <n|p%>]',
    options: {
      'auto-approve': { type: 'boolean', description: "apply without asking for 'yes'" },
      supersede: { type: 'boolean', description: 'let a rule change replace a pending (scheduled) version' },
      'source-ref': { type: 'string', value: 'ref', description: 'recorded with each version (else GITHUB_SHA, CI_COMMIT_SHA, git HEAD)' },
      actor: { type: 'string', value: 'name', description: 'recorded with each version (else GITHUB_ACTOR, else the OS user)' },
      merchant: { type: 'string', value: 'id', description: 'apply only this merchant (program paths only)' },
      'max-downgrades': { type: 'string', value: 'n|p%', description: 'refuse (plan.guardrail) a rule change that would demote more members than this (else guardrails.maxDowngrades in tierform.yaml)' },
    },
    load: () => import('./commands/apply.js'),
  },
  {
    name: 'status',
    summary: 'active and pending versions, type, switches used, members per tier',
    usage: 'tierform status [merchant] [--format text|json]',
    load: () => import('./commands/status.js'),
  },
  {
    name: 'history',
    summary: "list a merchant's applied versions",
    usage: 'tierform history <merchant> [--format text|json]',
    load: () => import('./commands/history.js'),
  },
  {
    name: 'rollback',
    summary: 'propose an earlier version as a new version: a plan (impact, guardrail, --out) applied with every rule',
    usage:
      'tierform rollback <merchant> --to <n> [--format text|markdown|json] [--out <file>] [--detailed-exitcode] [--max-downgrades <n|p%>] [--auto-approve] [--supersede] [--actor <name>] [--source-ref <ref>]',
    options: {
      to: { type: 'string', value: 'n', description: 'the version to bring back' },
      out: { type: 'string', value: 'file', description: 'save the rollback plan as JSON instead of applying it (then: tierform apply <file>)' },
      'detailed-exitcode': { type: 'boolean', description: 'exit 0 when nothing changes, 2 when the rollback changes something (1 on errors)' },
      'max-downgrades': { type: 'string', value: 'n|p%', description: 'refuse (plan.guardrail) a rollback that would demote more members than this (else guardrails.maxDowngrades in tierform.yaml)' },
      'auto-approve': { type: 'boolean', description: "roll back without asking for 'yes'" },
      supersede: { type: 'boolean', description: 'let the rollback replace a pending (scheduled) version' },
      'source-ref': { type: 'string', value: 'ref', description: 'recorded with the new version (else GITHUB_SHA, CI_COMMIT_SHA, git HEAD)' },
      actor: { type: 'string', value: 'name', description: 'recorded with the new version (else GITHUB_ACTOR, else the OS user)' },
    },
    load: () => import('./commands/rollback.js'),
  },
  {
    name: 'export',
    summary: 'print the active version as a program file, or write it into an existing one keeping its comments',
    usage: 'tierform export <merchant> [--into <file>]',
    options: {
      into: { type: 'string', value: 'file', description: 'update this program file in place: comments, quoting and item order by id are kept (created when missing)' },
    },
    load: () => import('./commands/export.js'),
  },
  {
    name: 'fmt',
    summary: 'rewrite YAML files in the canonical layout (schema key order), comments kept',
    usage: 'tierform fmt [paths…] [--check]',
    options: {
      check: { type: 'boolean', description: 'write nothing; exit 1 listing the files that would change' },
    },
    load: () => import('./commands/fmt.js'),
  },
  {
    name: 'catalog apply',
    summary: "store a PlanCatalog as the platform's live catalog",
    usage: 'tierform catalog apply <file>',
    examples: ['tierform catalog apply catalog.yaml'],
    load: () => import('./commands/catalog.js').then((m) => ({ run: m.runApply })),
  },
  {
    name: 'catalog show',
    summary: 'print the live catalog (the built-in default until one is applied)',
    usage: 'tierform catalog show [--format yaml|json]',
    examples: ['tierform catalog show --format json'],
    load: () => import('./commands/catalog.js').then((m) => ({ run: m.runShow })),
  },
  {
    name: 'merchant set',
    summary: "record a merchant's subscription (creates the merchant)",
    usage: 'tierform merchant set <merchant> --subscription <plan> [--allow-over-cap --reason <text>] [--actor <name>]',
    options: {
      subscription: { type: 'string', value: 'plan', description: 'a subscription of the live catalog' },
      'allow-over-cap': { type: 'boolean', description: 'record the subscription even though the active program exceeds its caps (merchant.over-cap)' },
      reason: { type: 'string', value: 'text', description: 'why the program may stay over the caps (required with --allow-over-cap)' },
      actor: { type: 'string', value: 'name', description: 'recorded with the change (else GITHUB_ACTOR, else the OS user)' },
    },
    examples: ['tierform merchant set acme --subscription growth'],
    load: () => import('./commands/merchant.js').then((m) => ({ run: m.runSet })),
  },
  {
    name: 'import orders',
    summary: 'import orders (NDJSON or CSV): all-or-nothing, streamed through COPY',
    usage: 'tierform import orders <file|-> [--input-format ndjson|csv] [--format text|json]',
    options: {
      'input-format': { type: 'string', value: 'fmt', description: 'ndjson or csv (default: by the file extension; ndjson for -)' },
    },
    examples: ['tierform import orders orders.ndjson', 'gunzip -c orders.csv.gz | tierform import orders - --input-format csv'],
    load: () => import('./commands/import.js').then((m) => ({ run: m.runOrders })),
  },
  {
    name: 'import members',
    summary: 'import members (NDJSON or CSV): all-or-nothing, streamed through COPY',
    usage: 'tierform import members <file|-> [--input-format ndjson|csv] [--format text|json]',
    options: {
      'input-format': { type: 'string', value: 'fmt', description: 'ndjson or csv (default: by the file extension; ndjson for -)' },
    },
    examples: ['tierform import members members.csv'],
    load: () => import('./commands/import.js').then((m) => ({ run: m.runMembers })),
  },
  {
    name: 'import purchases',
    summary: 'import paid-plan purchases (NDJSON or CSV): all-or-nothing, streamed through COPY',
    usage: 'tierform import purchases <file|-> [--input-format ndjson|csv] [--format text|json]',
    options: {
      'input-format': { type: 'string', value: 'fmt', description: 'ndjson or csv (default: by the file extension; ndjson for -)' },
    },
    examples: ['tierform import purchases purchases.ndjson --format json'],
    load: () => import('./commands/import.js').then((m) => ({ run: m.runPurchases })),
  },
  {
    name: 'import points',
    summary: 'import points-ledger entries (NDJSON or CSV), append-only: all-or-nothing, streamed through COPY',
    usage: 'tierform import points <file|-> [--input-format ndjson|csv] [--format text|json]',
    options: {
      'input-format': { type: 'string', value: 'fmt', description: 'ndjson or csv (default: by the file extension; ndjson for -)' },
    },
    examples: ['tierform import points points.ndjson', 'tierform import points ledger.csv --format json'],
    load: () => import('./commands/import.js').then((m) => ({ run: m.runPoints })),
  },
  {
    name: 'evaluate',
    summary: "run one daily evaluation of a merchant's members now (upgrades, expiries, refunds, grants)",
    usage: 'tierform evaluate <merchant> [--format text|json]',
    load: () => import('./commands/evaluate.js'),
  },
  {
    name: 'simulate',
    summary: 'replay the daily evaluations over the stored history under the proposed programs and the active ones, side by side (writes nothing)',
    usage: 'tierform simulate [paths…] --from <date> --to <date> [--merchant <id>] [--format text|json|markdown]',
    options: {
      from: { type: 'string', value: 'date', description: 'the first local date replayed: members are derived at its start under each program' },
      to: { type: 'string', value: 'date', description: 'the last local date replayed (at most today in the merchant\'s zone)' },
      merchant: { type: 'string', value: 'id', description: 'simulate only this merchant' },
    },
    examples: ['tierform simulate programs/acme --from 2026-01-01 --to 2026-06-30 --format markdown'],
    load: () => import('./commands/simulate.js'),
  },
  {
    name: 'recalc',
    summary: "recalculate every member of a merchant under the active version (--dry-run: show the impact only)",
    usage: 'tierform recalc <merchant> [--dry-run] [--format text|json]',
    options: {
      'dry-run': { type: 'boolean', description: 'show before/after counts and transitions; write nothing' },
    },
    load: () => import('./commands/recalc.js'),
  },
  {
    name: 'members show',
    summary: "a member's standing: tier, validity, paid period, entitlements, grants, history",
    usage: 'tierform members show <merchant> <member> [--format text|json]',
    examples: ['tierform members show acme m-1001'],
    load: () => import('./commands/members.js').then((m) => ({ run: m.runShow })),
  },
  {
    name: 'members list',
    summary: "a merchant's members and their tiers",
    usage: 'tierform members list <merchant> [--tier <id|basic>] [--limit <n>] [--format text|json]',
    options: {
      tier: { type: 'string', value: 'id', description: 'only members of this tier (basic: members without one)' },
      limit: { type: 'string', value: 'n', description: 'at most n members (default 100)' },
    },
    examples: ['tierform members list acme --tier gold --limit 20'],
    load: () => import('./commands/members.js').then((m) => ({ run: m.runList })),
  },
  {
    name: 'members explain',
    summary: 'why a member holds their tier at --now: the window, the orders that count and those left out, each threshold, what is missing, the expiry, a pending version',
    usage: 'tierform members explain <merchant> <member> [--now <instant>] [--format text|json]',
    examples: ['tierform members explain acme m-1001', 'tierform members explain acme m-1001 --now 2027-01-15T09:00:00+08:00 --format json'],
    load: () => import('./commands/members-explain.js'),
  },
  {
    name: 'members set-tier',
    summary: "set members' tiers by hand (SPEC §3.10): history reason manual, optionally pinned until a date",
    usage:
      'tierform members set-tier <merchant> <member> <tier|basic> --reason <text> [--until <date>] [--no-grants] [--actor <name>] [--format text|json] | <merchant> --file <file> [--input-format csv|ndjson]',
    options: {
      reason: { type: 'string', value: 'text', description: 'why the member is moved (recorded in the history); with --file, the default for lines without one' },
      until: { type: 'string', value: 'date', description: "pin the level: no evaluation or recalculation moves the member before this local date starts (required with downgrade.mode recompute)" },
      'no-grants': { type: 'boolean', description: 'a move up grants no one-time benefits (upgrade_points)' },
      actor: { type: 'string', value: 'name', description: 'recorded with the move (else GITHUB_ACTOR, else the OS user)' },
      file: { type: 'string', value: 'file', description: 'CSV (header row) or NDJSON, one member a line: member, tier, reason, until; all or nothing' },
      'input-format': { type: 'string', value: 'fmt', description: 'csv or ndjson (default: by the file extension)' },
    },
    examples: [
      'tierform members set-tier acme m-1001 gold --reason "order cancelled after the upgrade, kept as agreed" --until 2027-01-01',
      'tierform members set-tier acme --file adjustments.csv --actor support-team',
    ],
    load: () => import('./commands/set-tier.js').then((m) => ({ run: m.runSetTier })),
  },
  {
    name: 'run-due',
    summary: 'run every due scheduled recalculation and daily evaluation, exactly once',
    usage: 'tierform run-due [--now <instant>] [--batch-size <n>] [--format text|json]',
    options: {
      'batch-size': { type: 'string', value: 'n', description: 'members per committed batch of a run (default 100,000)' },
    },
    load: () => import('./commands/run-due.js'),
  },
  {
    name: 'scheduler',
    summary: 'long-running: run-due on a cron schedule; stops cleanly on SIGTERM',
    usage: "tierform scheduler [--cron '<expr>'] [--batch-size <n>]",
    options: {
      cron: { type: 'string', value: 'expr', description: "when to run run-due (default '* * * * *', every minute); it also runs once at start" },
      'batch-size': { type: 'string', value: 'n', description: 'members per committed batch of a run (default 100,000)' },
    },
    load: () => import('./commands/scheduler.js'),
  },
  {
    name: 'schedule list',
    summary: 'pending take-effect-later changes',
    usage: 'tierform schedule list [--format text|json]',
    examples: ['tierform schedule list --format json'],
    load: () => import('./commands/schedule.js').then((m) => ({ run: m.runList })),
  },
  {
    name: 'schedule cancel',
    summary: "drop a merchant's pending change",
    usage: 'tierform schedule cancel <merchant> [--actor <name>] [--format text|json]',
    options: {
      actor: { type: 'string', value: 'name', description: 'recorded as who cancelled (else GITHUB_ACTOR, else the OS user)' },
    },
    examples: ['tierform schedule cancel acme --actor alice'],
    load: () => import('./commands/schedule.js').then((m) => ({ run: m.runCancel })),
  },
  {
    name: 'outbox list',
    summary: 'notifications waiting to be sent, oldest first, a page at a time',
    usage: 'tierform outbox list [merchant] [--all] [--limit <n>] [--after <id>] [--format text|json]',
    options: {
      all: { type: 'boolean', description: 'also the notifications not released yet (notifications.sendAt later than --now)' },
      limit: { type: 'string', value: 'n', description: 'at most n notifications, oldest first (default 100)' },
      after: { type: 'string', value: 'id', description: 'only notifications with a larger id (the next page: the id the last page said)' },
    },
    examples: ['tierform outbox list acme --limit 500', 'tierform outbox list --after 1200 --format json'],
    load: () => import('./commands/outbox.js').then((m) => ({ run: m.runList })),
  },
  {
    name: 'outbox ack',
    summary: 'mark notifications as sent',
    usage: 'tierform outbox ack <merchant> <id…>',
    examples: ['tierform outbox ack acme 1201 1202'],
    load: () => import('./commands/outbox.js').then((m) => ({ run: m.runAck })),
  },
  {
    name: 'init',
    summary: 'scaffold a program repository with CI workflows',
    usage: 'tierform init [dir] [--merchant <id>] [--subscription <plan>] [--timezone <zone>] [--currency <code>] [--force | --update]',
    options: {
      merchant: { type: 'string', value: 'id', description: 'the first merchant: programs/<id>/program.yaml (default my-shop)' },
      subscription: { type: 'string', value: 'plan', description: "the merchant's subscription in the built-in catalog (default growth)" },
      timezone: { type: 'string', value: 'zone', description: "the merchant's IANA time zone (default UTC)" },
      currency: { type: 'string', value: 'code', description: "the merchant's ISO 4217 currency (default USD)" },
      force: { type: 'boolean', description: 'overwrite files that already exist' },
      update: { type: 'boolean', description: "rewrite only tierform's own files (schema copy, CI) for this version and the merchants' evaluation crons; programs, README, tierform.yaml and catalog.yaml are left alone" },
    },
    load: () => import('./commands/init.js'),
  },
  {
    name: 'demo',
    summary: 'the guided tour on an embedded database',
    usage: 'tierform demo [--members <n>]',
    options: {
      members: { type: 'string', value: 'n', description: 'how many members the demo shop has (default 20000)' },
    },
    load: () => import('./commands/demo.js'),
  },
  {
    name: 'db migrate',
    summary: 'apply pending schema migrations',
    usage: 'tierform db migrate [--format text|json]',
    examples: ['tierform --db postgres://tierform@db:5432/loyalty db migrate'],
    load: () => import('./commands/db-migrate.js'),
  },
  {
    name: 'db init',
    summary: 'create the database (embedded directory or server schema); --force moves a damaged embedded one aside',
    usage: 'tierform db init [--force]',
    options: {
      force: { type: 'boolean', description: 'embedded only: move the existing (damaged) directory aside as <dir>.damaged-<instant> and start a new one' },
    },
    load: () => import('./commands/db-init.js'),
  },
  {
    name: 'db check',
    summary: "verify tierform's tables and indexes (full reads, index against heap, amcheck); changes nothing",
    usage: 'tierform db check [--format text|json]',
    load: () => import('./commands/db-check.js'),
  },
];

export function findCommand(words: string[]): { spec: CommandSpec; consumed: number } | undefined {
  const two = words.slice(0, 2).join(' ');
  const byTwo = commands.find((c) => c.name === two);
  if (byTwo) return { spec: byTwo, consumed: 2 };
  const byOne = commands.find((c) => c.name === words[0]);
  return byOne ? { spec: byOne, consumed: 1 } : undefined;
}
