/** `tierform merchant set <merchant> --subscription <plan>` (SPEC §4.6). */
import { escapeText } from '../../model/display.js';
import type { CommandContext } from '../context.js';
import { stringOption } from '../context.js';
import { TierformError, UsageError } from '../errors.js';
import { openDbFromContext, lockTimeoutMsFromContext } from '../../store/open.js';
import { getLiveCatalog, subscriptionNames } from '../../store/catalogStore.js';
import { setSubscription } from '../../store/merchantStore.js';
import { findLockHolder, lockMerchant, setLocalLockTimeout } from '../../store/merchantLock.js';
import { PgCode, pgErrorCode } from '../../store/db.js';
import { run as runStatement } from '../../store/statement.js';

export const SET_USAGE = 'tierform merchant set <merchant> --subscription <plan>';

const MERCHANT_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

export async function runSet(ctx: CommandContext): Promise<number> {
  if (ctx.positionals.length !== 1) throw new UsageError('merchant set takes one merchant id', SET_USAGE);
  const merchant = ctx.positionals[0]!;
  if (!MERCHANT_ID.test(merchant)) throw new UsageError(`merchant ids look like [a-z0-9][a-z0-9-]{0,62} (got '${merchant}')`, SET_USAGE);
  const subscription = stringOption(ctx, 'subscription');
  if (!subscription) throw new UsageError('--subscription <plan> is required', SET_USAGE);
  const lockTimeoutMs = lockTimeoutMsFromContext(ctx, SET_USAGE);

  const db = await openDbFromContext(ctx, 'merchant set');
  try {
    const result = await db.transaction(async (tx): Promise<{ created: boolean; previous: string | null }> => {
      // Serialized with applies of this merchant, which read the subscription they enforce.
      await runStatement(tx, setLocalLockTimeout(lockTimeoutMs));
      await runStatement(tx, lockMerchant(merchant));
      const names = subscriptionNames(await getLiveCatalog(tx));
      if (!names.includes(subscription)) {
        throw new TierformError('caps.subscription', `subscription '${subscription}' is not in the live catalog (${names.join(', ')})`);
      }
      return setSubscription(tx, merchant, subscription, ctx.now);
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
    return 0;
  } finally {
    await db.close();
  }
}
