/** `tierform members set-tier`: manual adjustment of members' tiers (SPEC v1.1 §3.10). */
import { resolve } from 'node:path';
import type { CommandContext } from '../context.js';
import { flag, stringOption } from '../context.js';
import { TierformError, UsageError } from '../errors.js';
import { escapeText } from '../../model/display.js';
import { openDbFromContext, lockTimeoutMsFromContext } from '../../store/open.js';
import { findLockHolder, lockMerchant, setLocalLockTimeout } from '../../store/merchantLock.js';
import { PgCode, pgErrorCode } from '../../store/db.js';
import { run as runStatement } from '../../store/statement.js';
import { readFileBounded } from '../../document/readBounded.js';
import { resolveActor } from '../provenance.js';
import { setMemberTiers, type TierSet, type TierSetting } from '../../members/setTier.js';
import { parseSettingsFile } from '../../members/settingsFile.js';

export const SET_TIER_USAGE =
  'tierform members set-tier <merchant> <member> <tier|basic> --reason <text> [--until <date>] [--no-grants] [--actor <name>] [--format text|json] | <merchant> --file <file> [--input-format csv|ndjson]';

/** A settings file is a few thousand lines at most; a bigger one is a mistake. */
const FILE_LIMIT = 16 * 1024 * 1024;

export async function runSetTier(ctx: CommandContext): Promise<number> {
  const format = stringOption(ctx, 'format') ?? 'text';
  if (format !== 'text' && format !== 'json') throw new UsageError('--format must be text or json', SET_TIER_USAGE);
  const settings = await readSettings(ctx);
  const merchant = ctx.positionals[0]!;
  const actor = resolveActor(ctx);
  const lockTimeoutMs = lockTimeoutMsFromContext(ctx, SET_TIER_USAGE);
  const db = await openDbFromContext(ctx, 'members set-tier');
  try {
    const done = await db
      .transaction(async (tx) => {
        // The merchant's lock, as apply and run-due take it: never interleaved with a recalculation.
        await runStatement(tx, setLocalLockTimeout(lockTimeoutMs));
        await runStatement(tx, lockMerchant(merchant));
        return setMemberTiers(tx, merchant, settings, ctx.now, actor, !flag(ctx, 'no-grants'));
      })
      .catch(async (err: unknown) => {
        if (pgErrorCode(err) !== PgCode.lockNotAvailable) throw err;
        const holder = await findLockHolder(db, merchant);
        const who = holder ? `process ${holder.pid}${holder.applicationName ? ` (${holder.applicationName})` : ''}` : 'another process';
        throw new TierformError('state.locked', `merchant ${merchant} is locked by ${who}; waited ${lockTimeoutMs / 1000} s`);
      });
    ctx.io.stdout.write(format === 'json' ? `${JSON.stringify({ merchant, actor, at: ctx.now.toISOString(), moves: done }, null, 2)}\n` : renderText(merchant, done));
    return 0;
  } finally {
    await db.close();
  }
}

async function readSettings(ctx: CommandContext): Promise<TierSetting[]> {
  const file = stringOption(ctx, 'file');
  const reason = stringOption(ctx, 'reason')?.trim() || null;
  const until = stringOption(ctx, 'until') ?? null;
  if (file === undefined) {
    if (ctx.positionals.length !== 3) throw new UsageError('members set-tier takes a merchant, a member and a tier (or basic), or a merchant and --file', SET_TIER_USAGE);
    if (reason === null) throw new UsageError('--reason <text> is required: say why the member is moved', SET_TIER_USAGE);
    const [, member, tier] = ctx.positionals as [string, string, string];
    return [{ member, tier, reason, until }];
  }
  if (ctx.positionals.length !== 1) throw new UsageError('with --file, members set-tier takes only the merchant', SET_TIER_USAGE);
  if (until !== null) throw new UsageError('with --file, each line gives its own until', SET_TIER_USAGE);
  const inputFormat = stringOption(ctx, 'input-format') ?? (/\.csv$/i.test(file) ? 'csv' : 'ndjson');
  if (inputFormat !== 'csv' && inputFormat !== 'ndjson') throw new UsageError('--input-format must be csv or ndjson', SET_TIER_USAGE);
  const read = await readFileBounded(resolve(ctx.io.cwd, file), { limit: FILE_LIMIT });
  if (!read.ok) throw new TierformError(read.code, `${file}: ${read.message}`);
  const parsed = parseSettingsFile(read.bytes.toString('utf8'), inputFormat, reason);
  if (parsed.problems.length > 0) {
    const lines = parsed.problems.map((p) => `${file}:${p.line}: ${p.message}`);
    throw new TierformError('members.file-invalid', `${lines.join('; ')}; nothing was changed`);
  }
  return parsed.settings.map((s) => ({ ...s, line: s.line }));
}

function renderText(merchant: string, done: TierSet[]): string {
  const name = (tier: string | null): string => tier ?? 'basic';
  const lines = done.map((d) => {
    const pin = d.pinnedUntil === null ? '' : `, pinned until ${d.pinnedUntil}`;
    const points = d.pointsGranted === null ? '' : `, ${d.pointsGranted} upgrade points granted`;
    return `  ${d.member}: ${name(d.from)} → ${name(d.to)} (manual${pin}${points})`;
  });
  return `${escapeText(`Merchant ${merchant}: ${done.length} member${done.length === 1 ? '' : 's'} set.`)}\n${lines.map(escapeText).join('\n')}\n`;
}
