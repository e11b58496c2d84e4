/**
 * Paid notifications: `paidStart` and `renewal` for the purchases an import brings (written by
 * the import, in its transaction), `expiry` for memberships that ended (written by the
 * evaluation that performs the paid grants). In paid messages `{tier.name}` and `{tier.benefits}`
 * are the plan's name and benefits (in a paid program the plan is the member's level);
 * `{plan.name}` is the plan's name and `{expiresAt}` the membership's end.
 */
import type { Queryable } from '../store/db.js';
import { insertedCount } from '../store/statement.js';
import { loadVersionPaidRules } from '../engine/paid/plans.js';
import { programRulesText } from './programRules.js';
import { deliverAfterSql, instantSql, Params, plansOf, sendAtOf, templateSql, templatesOf, zoneOf } from './render.js';

async function paidContext(
  q: Queryable,
  merchant: string,
  version: number,
): Promise<{ templates: Record<string, string | undefined>; timezone: string; plans: string; sendAt: string | undefined; rules: string }> {
  const loaded = await loadVersionPaidRules(q, merchant, version);
  const { timezone, currency } = zoneOf(loaded.document);
  const plans = JSON.stringify(plansOf([...loaded.plans.values()].map((p) => p.definition), currency));
  return { templates: templatesOf(loaded.document), timezone, plans, sendAt: sendAtOf(loaded.document), rules: programRulesText(loaded.document) };
}

function paidMessage(template: string, params: Params, ctx: { plans: string; timezone: string; rules: string }): string {
  const { plans, timezone } = ctx;
  const plansParam = params.once(plans);
  const tz = params.once(timezone);
  const planName = (): string => `coalesce(${plansParam()}::jsonb -> pm.plan_id ->> 'name', pm.plan_id)`;
  return templateSql(
    template,
    {
      'member.name': () => 'coalesce(m.name, m.member_id)',
      'member.id': () => 'm.member_id',
      'tier.name': planName,
      'tier.benefits': () => `${plansParam()}::jsonb -> pm.plan_id ->> 'benefits'`,
      'plan.name': planName,
      expiresAt: () => instantSql('pm.expires_at', tz()),
      'program.rules': () => params.bind(ctx.rules),
    },
    params,
  );
}

/**
 * One `paidStart` or `renewal` row per paid purchase stamped with `importSeq` whose period has
 * not ended by `now` (importing history does not announce memberships long over). Key
 * `purchase:<id>`: a purchase is announced once, whatever later imports do to it.
 */
export async function enqueuePurchaseNotifications(
  q: Queryable,
  merchant: string,
  importSeq: string,
  now: Date,
  version: number,
): Promise<{ enqueued: number }> {
  const ctx = await paidContext(q, merchant, version);
  let enqueued = 0;
  for (const [event, kind] of [['paidStart', 'start'], ['renewal', 'renewal']] as const) {
    const template = ctx.templates[event];
    if (template === undefined) continue;
    const params = new Params([merchant, importSeq, now, version, kind]);
    const message = paidMessage(template, params, ctx);
    const deliverAfter = deliverAfterSql('$3::timestamptz', ctx.sendAt, ctx.timezone, params);
    enqueued += await insertedCount(
      q,
      `INSERT INTO outbox (merchant_id, idempotency_key, event, member_id, message, payload, version, created_at, deliver_after)
       SELECT pp.merchant_id, 'purchase:' || pp.purchase_id, '${event}', pp.member_id, ${message},
              jsonb_build_object('purchase', pp.purchase_id, 'plan', pm.plan_id, 'startsAt', pp.starts_at,
                                 'since', pm.since, 'expiresAt', pm.expires_at),
              $4::integer, $3::timestamptz, ${deliverAfter}
         FROM paid_periods pp
         JOIN purchases pu ON pu.merchant_id = pp.merchant_id AND pu.purchase_id = pp.purchase_id
         JOIN paid_memberships pm ON pm.merchant_id = pp.merchant_id AND pm.member_id = pp.member_id AND pm.membership_id = pp.membership_id
         JOIN members m ON m.merchant_id = pp.merchant_id AND m.member_id = pp.member_id
        WHERE pp.merchant_id = $1 AND pu.import_seq = $2::bigint AND pp.kind = $5::text
          AND pp.starts_at < pp.ends_at AND pp.ends_at > $3::timestamptz
       ON CONFLICT (merchant_id, idempotency_key) DO NOTHING`,
      params.values,
    );
  }
  return { enqueued };
}

/**
 * One `expiry` row per membership that ended by `at` without another starting at its end, and
 * that was still running when its member's purchases were last imported (so importing history
 * announces no old expiries). Key `expiry:<membership>:<end in ms>`. Each ended membership is
 * looked at by one evaluation only (`expiry_done`), so old memberships cost nothing.
 */
export async function enqueuePaidExpiries(q: Queryable, merchant: string, at: Date, version: number): Promise<{ enqueued: number }> {
  const ctx = await paidContext(q, merchant, version);
  const template = ctx.templates.expiry;
  let enqueued = 0;
  if (template !== undefined) {
    const params = new Params([merchant, at, version]);
    const message = paidMessage(template, params, ctx);
    const deliverAfter = deliverAfterSql('$2::timestamptz', ctx.sendAt, ctx.timezone, params);
    enqueued = await insertedCount(
      q,
      `INSERT INTO outbox (merchant_id, idempotency_key, event, member_id, message, payload, version, created_at, deliver_after)
       SELECT pm.merchant_id, 'expiry:' || pm.membership_id || ':' || (extract(epoch FROM pm.expires_at) * 1000)::bigint,
              'expiry', pm.member_id, ${message},
              jsonb_build_object('plan', pm.plan_id, 'since', pm.since, 'expiresAt', pm.expires_at),
              $3::integer, $2::timestamptz, ${deliverAfter}
         FROM paid_memberships pm
         JOIN members m ON m.merchant_id = pm.merchant_id AND m.member_id = pm.member_id
        WHERE pm.merchant_id = $1 AND NOT pm.expiry_done AND pm.expires_at <= $2::timestamptz
          AND pm.since < pm.expires_at AND NOT pm.continued
          AND pm.expires_at > (SELECT max(pu.imported_at) FROM purchases pu WHERE pu.merchant_id = pm.merchant_id AND pu.member_id = pm.member_id)
       ON CONFLICT (merchant_id, idempotency_key) DO NOTHING`,
      params.values,
    );
  }
  await q.query('UPDATE paid_memberships SET expiry_done = true WHERE merchant_id = $1 AND NOT expiry_done AND expires_at <= $2', [merchant, at]);
  return { enqueued };
}
