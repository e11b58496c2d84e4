/**
 * Welcome benefits and the join message (SPEC §3.9, v1.1) in SQL, for the members of one
 * evaluation scope at once; the per-member semantics are src/rules/welcome.ts.
 *
 * In the evaluation's transaction, before the scope's members are judged:
 * 1. the members to welcome are claimed — `welcomed_at` set to the evaluation's instant where it
 *    was null (the row lock serializes concurrent evaluations; a second one finds them welcomed);
 * 2. their welcome grants go into the grants ledger (keys `welcome:<index>`, ON CONFLICT DO NOTHING);
 * 3. their join message goes into the outbox (key `join:<member>`, ON CONFLICT DO NOTHING).
 * So a member is welcomed exactly once, and the grants and the message land with the claim or not
 * at all.
 */
import type { Queryable } from '../store/db.js';
import { Params } from '../outbox/render.js';
import { enqueueJoinMessages, memberScopeSql, type JoinScope } from '../outbox/join.js';
import { welcomeEra, welcomeOf, type VersionLike } from '../rules/welcome.js';

/** The judging version and the versions live before it (documents and apply instants). */
async function loadWelcomeVersions(q: Queryable, merchant: string, version: number): Promise<{ judging: VersionLike; earlier: VersionLike[] } | null> {
  const { rows } = await q.query<{ version: number; status: string; applied_at: Date; document: unknown }>(
    `SELECT version, status, applied_at, document FROM program_versions
      WHERE merchant_id = $1 AND version <= $2 AND (version = $2 OR status IN ('active', 'retired'))`,
    [merchant, version],
  );
  const versions = rows.map((r) => ({ version: Number(r.version), status: r.status, appliedAt: new Date(r.applied_at), document: r.document }));
  const judging = versions.find((v) => v.version === version);
  return judging ? { judging, earlier: versions.filter((v) => v !== judging) } : null;
}

/**
 * Welcomes the members of `scope` judged by `version` at `at` who joined by `at` inside an era
 * of the version's welcome benefits or join message. Returns how many members were welcomed.
 */
export async function welcomeMembers(
  q: Queryable,
  input: { merchant: string; version: number; at: Date; scope: JoinScope; runId: number | null },
): Promise<{ welcomed: number; granted: number; enqueued: number }> {
  const { merchant, version, at } = input;
  const loaded = await loadWelcomeVersions(q, merchant, version);
  if (loaded === null) return { welcomed: 0, granted: 0, enqueued: 0 };
  const config = welcomeOf(loaded.judging.document);
  const era = welcomeEra(loaded.judging, loaded.earlier);
  const starts = [era.benefitsFrom, era.joinFrom].filter((d): d is Date => d !== null);
  if (starts.length === 0) return { welcomed: 0, granted: 0, enqueued: 0 };
  const from = new Date(Math.min(...starts.map((d) => d.getTime())));

  const claim = new Params([merchant, at, from]);
  const claimed = await q.query(
    `UPDATE members m SET welcomed_at = $2::timestamptz
      WHERE m.merchant_id = $1 AND m.welcomed_at IS NULL AND m.joined_at <= $2::timestamptz AND m.joined_at >= $3::timestamptz
        AND ${memberScopeSql(input.scope, claim)}`,
    claim.values,
  );
  if (claimed.rowCount === 0) return { welcomed: 0, granted: 0, enqueued: 0 };

  let granted = 0;
  if (era.benefitsFrom !== null) {
    const grants = new Params([merchant, at, era.benefitsFrom, version, input.runId, JSON.stringify(config.benefits.map((b) => ({ idx: b.index, type: b.type, points: b.points })))]);
    const res = await q.query(
      `INSERT INTO grants (merchant_id, member_id, grant_key, type, tier_id, plan_id, due_at, at, points, version, run_id)
       SELECT m.merchant_id, m.member_id, 'welcome:' || b.idx, b.type, NULL, NULL, m.joined_at, $2::timestamptz, b.points, $4::integer, $5::bigint
         FROM members m CROSS JOIN jsonb_to_recordset($6::jsonb) AS b(idx integer, type text, points integer)
        WHERE m.merchant_id = $1 AND m.welcomed_at = $2::timestamptz AND m.joined_at >= $3::timestamptz
          AND ${memberScopeSql(input.scope, grants)}
       ON CONFLICT DO NOTHING`,
      grants.values,
    );
    granted = res.rowCount;
  }

  let enqueued = 0;
  if (era.joinFrom !== null && config.joinTemplate !== null) {
    const document = loaded.judging.document;
    enqueued = (await enqueueJoinMessages(q, { merchant, version, document, template: config.joinTemplate, at, joinFrom: era.joinFrom, scope: input.scope })).enqueued;
  }
  return { welcomed: claimed.rowCount, granted, enqueued };
}
