/**
 * Level notifications: one outbox row per member_history row the version has a template for.
 * `upgrade` for a move up, `downgrade` for a move down or to basic, `extension` for a retention
 * extension (reason extend). Ranks are those of the version that wrote the history row: basic
 * ranks lowest, a tier the version no longer defines just above basic.
 */
import type { Queryable } from '../store/db.js';
import { insertedCount } from '../store/statement.js';
import { loadVersionPaidRules } from '../engine/paid/plans.js';
import { programRulesText } from './programRules.js';
import { deliverAfterSql, instantSql, Params, plansOf, sendAtOf, templateSql, templatesOf, tiersOf, zoneOf } from './render.js';

export type LevelEvent = 'upgrade' | 'downgrade' | 'extension';

const RANK = (column: string, tiersParam: string): string =>
  `CASE WHEN ${column} IS NULL THEN -2 ELSE coalesce((${tiersParam}::jsonb -> ${column} ->> 'rank')::integer, -1) END`;

const CONDITION: Record<LevelEvent, string> = {
  upgrade: `h.reason <> 'extend' AND r.to_rank > r.from_rank`,
  downgrade: `h.reason <> 'extend' AND r.to_rank < r.from_rank`,
  extension: `h.reason = 'extend'`,
};

/** The merchant's newest member_history id (0 without history): pass it to enqueueLevelNotifications after the change. */
export async function lastHistoryId(q: Queryable, merchant: string): Promise<number> {
  const res = await q.query<{ id: string | null }>('SELECT max(history_id)::text AS id FROM member_history WHERE merchant_id = $1', [merchant]);
  return Number(res.rows[0]?.id ?? 0);
}

/**
 * Renders every member_history row of `merchant` with history_id > afterHistoryId into the outbox
 * (idempotency key `history:<id>`, created_at = the move's instant). Call it in the transaction
 * that wrote the history; running it again writes nothing new.
 */
export async function enqueueLevelNotifications(q: Queryable, merchant: string, afterHistoryId: number): Promise<{ enqueued: number }> {
  const versions = await q.query<{ version: number; document: unknown }>(
    `SELECT v.version, v.document FROM program_versions v
      WHERE v.merchant_id = $1
        AND v.version IN (SELECT DISTINCT version FROM member_history WHERE merchant_id = $1 AND history_id > $2)`,
    [merchant, afterHistoryId],
  );
  let enqueued = 0;
  for (const v of versions.rows) {
    const templates = templatesOf(v.document);
    if (!['upgrade', 'downgrade', 'extension'].some((e) => templates[e] !== undefined)) continue;
    const { timezone, currency } = zoneOf(v.document);
    const tiers = JSON.stringify(tiersOf(v.document));
    const { plans } = await loadVersionPaidRules(q, merchant, Number(v.version));
    const planNames = JSON.stringify(plansOf([...plans.values()].map((p) => p.definition), currency));
    // Every event of the version in one pass over the new history rows: one statement, not one
    // per event, each reading the same rows again.
    const events = (['upgrade', 'downgrade', 'extension'] as const).filter((e) => templates[e] !== undefined);
    const params = new Params([merchant, afterHistoryId, Number(v.version)]);
    const tiersParam = params.bind(tiers);
    const tz = params.once(timezone);
    const plansParam = params.once(planNames);
    const messages = events.map((event) => {
      const message = templateSql(
        templates[event]!,
        {
          'member.name': () => 'coalesce(m.name, m.member_id)',
          'member.id': () => 'm.member_id',
          'tier.name': () => `CASE WHEN h.to_tier IS NULL THEN 'basic' ELSE coalesce(${tiersParam}::jsonb -> h.to_tier ->> 'name', h.to_tier) END`,
          'tier.benefits': () => `${tiersParam}::jsonb -> h.to_tier ->> 'benefits'`,
          'plan.name': () => `coalesce(${plansParam()}::jsonb -> pm.plan_id ->> 'name', pm.plan_id)`,
          expiresAt: () => instantSql('m.expires_at', tz()),
          'program.rules': () => params.bind(programRulesText(v.document)),
        },
        params,
      );
      return { event, message };
    });
    const deliverAfter = deliverAfterSql('h.at', sendAtOf(v.document), timezone, params);
    const eventSql = `CASE ${messages.map(({ event }) => `WHEN ${CONDITION[event]} THEN '${event}'`).join(' ')} END`;
    const messageSql = `CASE ${messages.map(({ event, message }) => `WHEN ${CONDITION[event]} THEN ${message}`).join(' ')} END`;
    enqueued += await insertedCount(
      q,
      `INSERT INTO outbox (merchant_id, idempotency_key, event, member_id, message, payload, version, created_at, deliver_after)
       SELECT h.merchant_id, 'history:' || h.history_id, ${eventSql}, h.member_id, ${messageSql},
              jsonb_build_object('from', h.from_tier, 'to', h.to_tier, 'reason', h.reason, 'at', h.at,
                                 'expiresAt', m.expires_at, 'plan', pm.plan_id, 'historyId', h.history_id),
              h.version, h.at, ${deliverAfter}
         FROM member_history h
         JOIN members m ON m.merchant_id = h.merchant_id AND m.member_id = h.member_id
         LEFT JOIN LATERAL (
           SELECT x.plan_id FROM paid_memberships x
            WHERE x.merchant_id = h.merchant_id AND x.member_id = h.member_id AND x.since <= h.at AND h.at < x.expires_at
            ORDER BY x.since DESC LIMIT 1
         ) pm ON true
         CROSS JOIN LATERAL (SELECT ${RANK('h.from_tier', tiersParam)} AS from_rank, ${RANK('h.to_tier', tiersParam)} AS to_rank) r
        WHERE h.merchant_id = $1 AND h.history_id > $2 AND h.version = $3
          AND (${messages.map(({ event }) => CONDITION[event]).join(' OR ')})
       ON CONFLICT (merchant_id, idempotency_key) DO NOTHING`,
      params.values,
    );
  }
  return { enqueued };
}
