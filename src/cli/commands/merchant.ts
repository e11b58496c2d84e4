/** `tierform merchant set <merchant> --subscription <plan>` (SPEC §4.6). */
import { escapeText, escapeTextKeepingLineBreaks } from '../../model/display.js';
import type { CommandContext } from '../context.js';
import { flag, stringOption } from '../context.js';
import { TierformError, UsageError } from '../errors.js';
import { openDbFromContext, lockTimeoutMsFromContext } from '../../store/open.js';
import { getLiveCatalog, subscriptionNames } from '../../store/catalogStore.js';
import { setSubscription } from '../../store/merchantStore.js';
import { findLockHolder, lockMerchant, setLocalLockTimeout } from '../../store/merchantLock.js';
import { PgCode, pgErrorCode, type Queryable } from '../../store/db.js';
import { run as runStatement } from '../../store/statement.js';
import { insertSubscriptionChange } from '../../store/merchantStore.js';
import { readSnapshot } from '../../store/snapshot.js';
import { overCap, type OverCap } from '../../catalog/overCap.js';
import { resolveActor } from '../provenance.js';

export const SET_USAGE = 'tierform merchant set <merchant> --subscription <plan> [--allow-over-cap --reason <text>] [--actor <name>]';

const MERCHANT_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

export async function runSet(ctx: CommandContext): Promise<number> {
  if (ctx.positionals.length !== 1) throw new UsageError('merchant set takes one merchant id', SET_USAGE);
  const merchant = ctx.positionals[0]!;
  if (!MERCHANT_ID.test(merchant)) throw new UsageError(`merchant ids look like [a-z0-9][a-z0-9-]{0,62} (got '${merchant}')`, SET_USAGE);
  const subscription = stringOption(ctx, 'subscription');
  if (!subscription) throw new UsageError('--subscription <plan> is required', SET_USAGE);
  const allowOverCap = flag(ctx, 'allow-over-cap');
  const reason = stringOption(ctx, 'reason')?.trim() || null;
  // Going over the caps is a platform decision: it is recorded with who made it and why.
  if (allowOverCap && reason === null) throw new UsageError('--allow-over-cap needs --reason <text>: why the program may stay over the caps', SET_USAGE);
  const actor = resolveActor(ctx);
  const lockTimeoutMs = lockTimeoutMsFromContext(ctx, SET_USAGE);

  const db = await openDbFromContext(ctx, 'merchant set');
  try {
    const result = await db.transaction(async (tx): Promise<{ created: boolean; previous: string | null; over: OverCap[] }> => {
      // Serialized with applies of this merchant, which read the subscription they enforce.
      await runStatement(tx, setLocalLockTimeout(lockTimeoutMs));
      await runStatement(tx, lockMerchant(merchant));
      const names = subscriptionNames(await getLiveCatalog(tx));
      if (!names.includes(subscription)) {
        throw new TierformError('caps.subscription', `subscription '${subscription}' is not in the live catalog (${names.join(', ')})`);
      }
      const over = await programOverCap(tx, merchant, subscription);
      if (over.length > 0 && !allowOverCap) {
        throw new TierformError(
          'merchant.over-cap',
          `the program of ${merchant} exceeds the caps of subscription '${subscription}':\n${over.map((c) => `  - ${c.message} (${c.code})`).join('\n')}\n` +
            `bring the program within the caps first, or pass --allow-over-cap --reason <text> (plans stay refused until the file fits)`,
        );
      }
      const set = await setSubscription(tx, merchant, subscription, ctx.now);
      if (set.previous !== subscription) {
        await runStatement(tx, insertSubscriptionChange({ merchant, at: ctx.now, from: set.previous, to: subscription, actor, reason, overCap: over }));
      }
      return { ...set, over };
    }).catch(async (err: unknown) => {
      if (pgErrorCode(err) !== PgCode.lockNotAvailable) throw err;
      const holder = await findLockHolder(db, merchant);
      const who = holder ? `process ${holder.pid}${holder.applicationName ? ` (${holder.applicationName})` : ''}${holder.since ? ` since ${holder.since}` : ''}` : 'another process';
      throw new TierformError('state.locked', `merchant ${merchant} is locked by ${who}; waited ${lockTimeoutMs / 1000} s`);
    });
    const what = result.created
      ? `created with subscription ${subscription}`
      : result.previous === subscription
        ? `already on subscription ${subscription}`
        : `subscription ${result.previous} → ${subscription}`;
    ctx.io.stdout.write(`Merchant ${escapeText(merchant)}: ${escapeText(what)}.\n`);
    if (result.over.length > 0) {
      const listed = result.over.map((c) => `  - ${c.message} (${c.code})`).join('\n');
      ctx.io.stdout.write(`${escapeTextKeepingLineBreaks(`Over the caps of ${subscription}, allowed by ${actor} (${reason ?? ''}):\n${listed}`)}\n`);
    }
    return 0;
  } finally {
    await db.close();
  }
}

/** What the merchant's active and pending programs exceed under `subscription` (nothing when it has none). */
async function programOverCap(tx: Queryable, merchant: string, subscription: string): Promise<OverCap[]> {
  const snapshot = await readSnapshot(tx, { merchants: [merchant] });
  const live = snapshot.merchants.get(merchant);
  const found: OverCap[] = [];
  for (const [label, version] of [['active', live?.active], ['pending', live?.pending]] as const) {
    if (!version) continue;
    for (const c of overCap(version.document, snapshot.catalog, subscription)) {
      found.push({ code: c.code, message: `${label} version ${version.version}: ${c.message}` });
    }
  }
  return found;
}
