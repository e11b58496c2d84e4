/**
 * The join message (SPEC §3.9, v1.1): one `join` row per member the evaluation has just welcomed
 * (members.welcomed_at = the evaluation's instant) who joined inside the join era. Key
 * `join:<member>`, so a member is greeted once whatever runs again. The message is written at the
 * evaluation's instant and released like every other message (notifications.sendAt).
 *
 * In the join message `{tier.name}`/`{tier.benefits}` are the member's tier as it stands before
 * this evaluation judges them (basic for a new member), `{plan.name}` their running paid plan,
 * `{program.rules}` the version's rules (src/outbox/programRules.ts).
 */
import type { Queryable } from '../store/db.js';
import { insertedCount } from '../store/statement.js';
import { loadVersionPaidRules } from '../engine/paid/plans.js';
import { programRulesText } from './programRules.js';
import { deliverAfterSql, instantSql, Params, plansOf, sendAtOf, templateSql, tiersOf, zoneOf } from './render.js';

export interface JoinScope {
  lo: string | null;
  hi: string | null;
  joinedFrom?: Date;
  joinedBefore?: Date;
}

/** SQL predicate over members `m` for a scope, binding its bounds into `params`. */
export function memberScopeSql(scope: JoinScope, params: Params): string {
  const parts: string[] = [];
  if (scope.lo !== null) parts.push(`m.member_id > ${params.bind(scope.lo)}::text`);
  if (scope.hi !== null) parts.push(`m.member_id <= ${params.bind(scope.hi)}::text`);
  if (scope.joinedFrom) parts.push(`m.joined_at >= ${params.bind(scope.joinedFrom)}::timestamptz`);
  if (scope.joinedBefore) parts.push(`m.joined_at < ${params.bind(scope.joinedBefore)}::timestamptz`);
  return parts.length === 0 ? 'true' : parts.join(' AND ');
}

/** Queues the join message of every member of `scope` welcomed at `at` who joined at or after `joinFrom`. */
export async function enqueueJoinMessages(
  q: Queryable,
  input: { merchant: string; version: number; document: unknown; template: string; at: Date; joinFrom: Date; scope: JoinScope },
): Promise<{ enqueued: number }> {
  const { merchant, version, document, template, at } = input;
  const { timezone, currency } = zoneOf(document);
  const { plans } = await loadVersionPaidRules(q, merchant, version);
  const params = new Params([merchant, at, version, input.joinFrom]);
  const tiers = params.once(JSON.stringify(tiersOf(document)));
  const planNames = params.once(JSON.stringify(plansOf([...plans.values()].map((p) => p.definition), currency)));
  const tz = params.once(timezone);
  const message = templateSql(
    template,
    {
      'member.name': () => 'coalesce(m.name, m.member_id)',
      'member.id': () => 'm.member_id',
      'tier.name': () => `CASE WHEN m.tier_id IS NULL THEN 'basic' ELSE coalesce(${tiers()}::jsonb -> m.tier_id ->> 'name', m.tier_id) END`,
      'tier.benefits': () => `${tiers()}::jsonb -> m.tier_id ->> 'benefits'`,
      'plan.name': () => `coalesce(${planNames()}::jsonb -> pm.plan_id ->> 'name', pm.plan_id)`,
      expiresAt: () => instantSql('m.expires_at', tz()),
      'program.rules': () => params.bind(programRulesText(document)),
    },
    params,
  );
  const deliverAfter = deliverAfterSql('$2::timestamptz', sendAtOf(document), timezone, params);
  const scope = memberScopeSql(input.scope, params);
  const enqueued = await insertedCount(
    q,
    `INSERT INTO outbox (merchant_id, idempotency_key, event, member_id, message, payload, version, created_at, deliver_after)
     SELECT m.merchant_id, 'join:' || m.member_id, 'join', m.member_id, ${message},
            jsonb_build_object('joinedAt', m.joined_at, 'tier', m.tier_id, 'plan', pm.plan_id),
            $3::integer, $2::timestamptz, ${deliverAfter}
       FROM members m
       LEFT JOIN LATERAL (
         SELECT x.plan_id FROM paid_memberships x
          WHERE x.merchant_id = m.merchant_id AND x.member_id = m.member_id AND x.since <= $2::timestamptz AND $2::timestamptz < x.expires_at
          ORDER BY x.since DESC LIMIT 1
       ) pm ON true
      WHERE m.merchant_id = $1 AND m.welcomed_at = $2::timestamptz AND m.joined_at >= $4::timestamptz AND ${scope}
     ON CONFLICT (merchant_id, idempotency_key) DO NOTHING`,
    params.values,
  );
  // Counted from the inserted rows: on Citus the command tag of this INSERT … SELECT counts the conflicts too.
  return { enqueued };
}
