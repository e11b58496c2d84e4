/**
 * `tierform demo`: the guided tour (README's first command). On a fresh embedded database under
 * .tierform/demo it runs the real commands a team would run — validate, plan, apply, import,
 * evaluate, a threshold change scheduled for later with its impact and its simulation over the
 * last week, run-due before and after the instant — printing each command before its output.
 * Time is driven with --now, so the story is the same on every run; the directory is recreated
 * each time.
 */
import { escapeText, formatCount } from '../../model/display.js';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { CommandContext } from '../context.js';
import { stringOption } from '../context.js';
import { TierformError, UsageError } from '../errors.js';
import { main } from '../main.js';
import { demoData, NEW_MEMBER, newMemberLine, programYaml } from '../../demo/data.js';
import { openDb } from '../../store/open.js';

export const USAGE = 'tierform demo [--members <n>]';

const DEFAULT_MEMBERS = 20_000;
const T0 = '2026-12-01T10:00:00-05:00';
const PROPOSED = '2026-12-01T11:00:00-05:00';
const TAKES_EFFECT = '2027-01-01T00:00:00-05:00';
const BEFORE = '2026-12-31T23:00:00-05:00';
const AFTER = '2027-01-01T00:05:00-05:00';
/** A support agent's manual adjustment the next morning, pinned for a quarter. */
const ADJUSTED = '2027-01-01T09:30:00-05:00';
const PIN_UNTIL = '2027-04-01';
/** The week before the proposal, replayed by simulate (a longer range costs one evaluation a day). */
const SIMULATE_FROM = '2026-11-24';
const SIMULATE_TO = '2026-11-30';

export async function run(ctx: CommandContext): Promise<number> {
  if (ctx.positionals.length > 0) throw new UsageError('demo takes no arguments', USAGE);
  const membersText = stringOption(ctx, 'members');
  const MEMBERS = membersText === undefined ? DEFAULT_MEMBERS : Number(membersText);
  if (!Number.isSafeInteger(MEMBERS) || MEMBERS < 1) throw new UsageError('--members must be a positive whole number', USAGE);
  const started = performance.now();
  const out = ctx.io.stdout;
  const home = join(ctx.io.cwd, '.tierform', 'demo');
  const repo = join(home, 'repo');
  const dataDir = join(home, 'db');
  const programFile = join(repo, 'programs', 'demo-shop', 'program.yaml');

  const say = (text: string): void => void out.write(`${text}\n`);
  const step = (n: number, title: string, why: string): void => {
    say(`\n━━ ${n}. ${title}`);
    say(`   ${why}`);
  };
  const tierform = async (args: string[], cwd = repo): Promise<void> => {
    say(`\n$ tierform ${args.join(' ')}`);
    const code = await main([...args, '--data-dir', dataDir, '--no-color'], { ...ctx.io, cwd });
    if (code !== 0) throw new TierformError('demo.step-failed', `'tierform ${args.join(' ')}' exited with ${code}; the demo stops here`);
  };

  // A fresh database and workspace every time: a second run tells the same story.
  await rm(home, { recursive: true, force: true });
  await mkdir(join(repo, 'programs', 'demo-shop'), { recursive: true });
  const data = demoData(MEMBERS, new Date(T0));
  await writeFile(join(home, 'members.ndjson'), `${data.members.join('\n')}\n`);
  await writeFile(join(home, 'orders.ndjson'), `${data.orders.join('\n')}\n`);
  await writeFile(join(home, 'new-member.ndjson'), `${newMemberLine()}\n`);
  await writeFile(programFile, programYaml({ silverThreshold: 500 }));

  say('tierform demo — a membership program kept as code, on an embedded database.');
  say(`Workspace: ${relative(ctx.io.cwd, home) || '.'} (recreated on every run). Time is simulated with --now.`);

  if (existsSync(join(ctx.io.cwd, 'programs'))) {
    step(1, 'Validate the example programs', 'What CI runs on every pull request: offline, no database, every error with file:line:column.');
    await tierform(['validate', 'programs/'], ctx.io.cwd);
  } else {
    step(1, 'Validate a program', 'What CI runs on every pull request: offline, no database, every error with file:line:column.');
    await tierform(['validate', 'programs/']);
  }

  step(2, 'Plan the demo shop', 'programs/demo-shop/program.yaml: Bronze from $200, Silver from $500, Gold from $1,500 spent in 12 months.');
  // Read commands never create a database (SPEC §4.7): create the demo's own first.
  await tierform(['db', 'init']);
  await tierform(['plan', 'programs/', '--now', T0]);

  step(3, 'Apply it', 'After review and merge, CI applies the plan. Each applied version is kept with its source and actor.');
  await tierform(['apply', 'programs/', '--auto-approve', '--now', T0, '--actor', 'demo', '--source-ref', 'demo-1']);

  step(4, 'Import members and orders', `${formatCount(MEMBERS)} members and ${formatCount(data.orders.length)} orders from NDJSON, all-or-nothing, through COPY.`);
  await tierform(['import', 'members', '../members.ndjson']);
  await tierform(['import', 'orders', '../orders.ndjson']);

  step(5, 'Evaluate every member', 'The daily evaluation puts each member in the tier their last 12 months of spend reach.');
  await tierform(['evaluate', 'demo-shop', '--now', T0]);
  await tierform(['status', 'demo-shop', '--now', T0]);
  await tierform(['members', 'list', 'demo-shop', '--tier', 'gold', '--limit', '5']);

  step(
    6,
    'Propose a change that takes effect later',
    `A pull request raises Silver to $700 from ${TAKES_EFFECT}. The plan shows who would move, computed on today's data; ` +
      'the simulation replays the last week day by day under both programs, on a copy that is thrown away.',
  );
  await writeFile(programFile, programYaml({ silverThreshold: 700, scheduledAt: TAKES_EFFECT }));
  await tierform(['plan', 'programs/', '--now', PROPOSED]);
  await tierform(['simulate', 'programs/', '--from', SIMULATE_FROM, '--to', SIMULATE_TO, '--now', PROPOSED]);

  step(7, 'Merge it', 'Applied now, recorded as pending; existing members keep their levels until the instant.');
  await tierform(['apply', 'programs/', '--auto-approve', '--now', PROPOSED, '--actor', 'demo', '--source-ref', 'demo-2']);
  await tierform(['schedule', 'list', '--now', PROPOSED]);

  step(8, 'Run what is due, an hour before', 'run-due (from a CI cron or `tierform scheduler`) runs the daily evaluation; the change is not due yet. A member who signed up meanwhile is welcomed once: the welcome gifts and a join message with the rules they join under.');
  await tierform(['import', 'members', '../new-member.ndjson', '--now', NEW_MEMBER.joinedAt]);
  await tierform(['run-due', '--now', BEFORE]);
  await tierform(['members', 'show', 'demo-shop', NEW_MEMBER.id, '--now', BEFORE]);
  const greeting = await joinMessage(dataDir, ctx, NEW_MEMBER.id);
  if (greeting) say(`\n   The join message waiting in the outbox (tierform outbox list): ${escapeText(greeting)}`);

  step(9, 'Run what is due, just after', 'Now the pending version takes effect: every member is recalculated, exactly once.');
  await tierform(['run-due', '--now', AFTER]);
  await tierform(['run-due', '--now', AFTER]);

  step(10, 'The result', 'Members per tier after the change, the version history, and one member who moved — and why they hold their tier now.');
  await tierform(['status', 'demo-shop', '--now', AFTER]);
  await tierform(['history', 'demo-shop']);
  const moved = await aMovedMember(dataDir, ctx);
  if (moved) {
    await tierform(['members', 'show', 'demo-shop', moved, '--now', AFTER]);
    await tierform(['members', 'explain', 'demo-shop', moved, '--now', AFTER]);

    step(11, 'Adjust a member by hand', 'Support restores the member to silver for a quarter after a complaint: recorded with reason and actor, pinned so no evaluation undoes it before the date.');
    await tierform(['members', 'set-tier', 'demo-shop', moved, 'silver', '--reason', 'goodwill after a late delivery', '--until', PIN_UNTIL, '--actor', 'support', '--now', ADJUSTED]);
    await tierform(['members', 'show', 'demo-shop', moved, '--now', ADJUSTED]);
  }

  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  say(`\n━━ Done in ${seconds} s. Try next:`);
  say(`   tierform members list demo-shop --tier silver --data-dir ${relative(ctx.io.cwd, dataDir)}`);
  say(`   tierform plan ${relative(ctx.io.cwd, join(repo, 'programs'))} --format markdown --data-dir ${relative(ctx.io.cwd, dataDir)}`);
  say(`   tierform init my-program-repo        # a program repository with CI workflows`);
  say(`   tierform validate programs/ --format github`);
  say('   docs/guide/README.md                  # the user guide');
  return 0;
}

/** A member the scheduled change demoted, to show their standing and history. */
async function aMovedMember(dataDir: string, ctx: CommandContext): Promise<string | null> {
  const db = await openDb({ dataDir, env: ctx.io.env, cwd: ctx.io.cwd, migrate: false, lockTimeoutMs: 10_000, command: 'demo' });
  try {
    const { rows } = await db.query<{ member_id: string }>(
      `SELECT member_id FROM member_history WHERE merchant_id = 'demo-shop' AND reason = 'rule_change' ORDER BY member_id LIMIT 1`,
    );
    return rows[0]?.member_id ?? null;
  } finally {
    await db.close();
  }
}

/** The join message the evaluation queued for `member`, to show what a new member receives. */
async function joinMessage(dataDir: string, ctx: CommandContext, member: string): Promise<string | null> {
  const db = await openDb({ dataDir, env: ctx.io.env, cwd: ctx.io.cwd, migrate: false, lockTimeoutMs: 10_000, command: 'demo' });
  try {
    const { rows } = await db.query<{ message: string }>(`SELECT message FROM outbox WHERE merchant_id = 'demo-shop' AND idempotency_key = $1`, [`join:${member}`]);
    return rows[0]?.message ?? null;
  } finally {
    await db.close();
  }
}
