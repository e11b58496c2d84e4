/**
 * Manual adjustment (SPEC v1.1 §3.10): checks a list of settings against the merchant's active
 * program and members, then writes each move as the reference model's setTierManually does
 * (src/rules/manual.ts): the standing, history reason manual with actor and reason, upgrade
 * points on a move up, the notification through the outbox. Runs in the caller's transaction,
 * which holds the merchant's lock.
 */
import type { Queryable } from '../store/db.js';
import { TierformError } from '../cli/errors.js';
import { loadCurrentVersions } from '../engine/versions.js';
import { notifying } from '../engine/scopeRun.js';
import { refuseClockBackwards } from '../engine/runs.js';
import { freshExpiry, rankOf, tierById, type LevelRules, type TierRule } from '../rules/index.js';
import { isLocalDate, localMidnight } from '../model/localDate.js';

export interface TierSetting {
  member: string;
  /** A tier id, or `basic`. */
  tier: string;
  reason: string;
  /** --until: a local date (YYYY-MM-DD), or null. */
  until: string | null;
  /** The line of the file it came from, for messages. */
  line?: number;
}

export interface TierSet {
  member: string;
  from: string | null;
  to: string | null;
  pinnedUntil: string | null;
  pointsGranted: number | null;
}

interface Checked {
  setting: TierSetting;
  tier: TierRule | null;
  pinnedUntil: Date | null;
}

interface Problem {
  code: string;
  message: string;
}

/** Checks every setting, then writes them all; nothing is written when any is wrong. */
export async function setMemberTiers(
  q: Queryable,
  merchant: string,
  settings: readonly TierSetting[],
  t: Date,
  actor: string,
  grants: boolean,
): Promise<TierSet[]> {
  const { active } = await loadCurrentVersions(q, merchant);
  if (active === null || !active.rules.active) {
    throw new TierformError(
      'members.program-inactive',
      `merchant ${merchant} has no active tier program (none applied, type paid, or enabled: false): there is no tier to set; nothing was changed`,
    );
  }
  // A move stamped before an evaluation that already happened would rewrite a judged past.
  await refuseClockBackwards(q, merchant, t, 'set tiers of');
  const current = await readTiers(q, merchant, settings.map((s) => s.member));
  const problems: Problem[] = [];
  const checked: Checked[] = [];
  const seen = new Set<string>();
  for (const setting of settings) {
    const where = setting.line === undefined ? '' : `line ${setting.line}: `;
    const fail = (code: string, message: string): void => void problems.push({ code, message: `${where}${message}` });
    if (seen.has(setting.member)) fail('members.file-invalid', `member '${setting.member}' is listed twice`);
    seen.add(setting.member);
    const result = checkSetting(setting, active.rules, current, t);
    if ('code' in result) fail(result.code, result.message);
    else checked.push(result);
  }
  if (problems.length > 0) {
    throw new TierformError(problems[0]!.code, `${problems.map((p) => p.message).join('; ')}; nothing was changed`);
  }
  return notifying(q, merchant, async () => {
    const done: TierSet[] = [];
    for (const c of checked) done.push(await writeSetting(q, merchant, c, current.get(c.setting.member) ?? null, t, active.rules, active.version, actor, grants));
    return done;
  });
}

function checkSetting(setting: TierSetting, rules: LevelRules, current: Map<string, string | null>, t: Date): Checked | Problem {
  if (!current.has(setting.member)) return { code: 'state.unknown-member', message: `member '${setting.member}' does not exist` };
  let tier: TierRule | null = null;
  if (setting.tier !== 'basic') {
    const found = tierById(rules, setting.tier);
    if (found === undefined || !found.enabled) {
      const ids = rules.tiers.filter((x) => x.enabled).map((x) => x.id);
      return { code: 'members.unknown-tier', message: `'${setting.tier}' is not an enabled tier of the active program (${[...ids, 'basic'].join(', ')})` };
    }
    tier = found;
  }
  if (setting.reason.trim() === '') return { code: 'members.reason-missing', message: 'a reason is required: say why the member is moved' };
  let pinnedUntil: Date | null = null;
  if (setting.until !== null) {
    if (!isLocalDate(setting.until)) return { code: 'members.until-invalid', message: `until '${setting.until}' is not a date (YYYY-MM-DD)` };
    pinnedUntil = localMidnight(setting.until, rules.timezone);
    if (pinnedUntil <= t) {
      return { code: 'members.pin-past', message: `until ${setting.until} starts at ${pinnedUntil.toISOString()}, not after now (${t.toISOString()})` };
    }
  } else if (rules.downgrade.mode === 'recompute') {
    return {
      code: 'members.pin-required',
      message: `the program recomputes levels at every evaluation (downgrade.mode recompute), which would undo the move at once: give --until <date>`,
    };
  }
  return { setting, tier, pinnedUntil };
}

async function readTiers(q: Queryable, merchant: string, members: string[]): Promise<Map<string, string | null>> {
  const { rows } = await q.query<{ member_id: string; tier_id: string | null }>(
    'SELECT member_id, tier_id FROM members WHERE merchant_id = $1 AND member_id = ANY($2::text[])',
    [merchant, members],
  );
  return new Map(rows.map((r) => [r.member_id, r.tier_id]));
}

/** One move, the model's setTierManually in SQL. */
async function writeSetting(
  q: Queryable,
  merchant: string,
  c: Checked,
  from: string | null,
  t: Date,
  rules: LevelRules,
  version: number,
  actor: string,
  grants: boolean,
): Promise<TierSet> {
  const to = c.tier?.id ?? null;
  const rank = c.tier?.rank ?? -1;
  const up = rank > rankOf(rules, from);
  const down = rank < rankOf(rules, from);
  const expiresAt = c.tier === null ? null : freshExpiry(t, rules);
  await q.query(
    `UPDATE members SET tier_id = $3, tier_since = $4, anchor_at = $4, evidence_at = $4, previous_anchor_at = anchor_at,
       extended_tier = NULL, fell_from = NULL, manual_tier = $3, trigger_order_id = NULL, expires_at = $5,
       fell_at = CASE WHEN $6::boolean THEN $4 ELSE fell_at END, pinned_until = $7
     WHERE merchant_id = $1 AND member_id = $2`,
    [merchant, c.setting.member, to, t, expiresAt, down, c.pinnedUntil],
  );
  let points: number | null = null;
  if (grants && up && c.tier?.upgradePoints != null) points = await grantUpgradePoints(q, merchant, c.setting.member, c.tier, t, version);
  await q.query(
    `INSERT INTO member_history (merchant_id, member_id, from_tier, to_tier, at, reason, version, run_id, actor, note)
     VALUES ($1, $2, $3, $4, $5, 'manual', $6, NULL, $7, $8)`,
    [merchant, c.setting.member, from, to, t, version, actor, c.setting.reason.trim()],
  );
  return { member: c.setting.member, from, to, pinnedUntil: c.pinnedUntil?.toISOString() ?? null, pointsGranted: points };
}

/** §3.6 upgrade_points, once per member per tier ever: not when the member held the tier before. */
async function grantUpgradePoints(q: Queryable, merchant: string, member: string, tier: TierRule, t: Date, version: number): Promise<number | null> {
  // Two statements rather than a correlated NOT EXISTS, which Citus refuses.
  const held = await q.query('SELECT 1 FROM member_history WHERE merchant_id = $1 AND member_id = $2 AND to_tier = $3 LIMIT 1', [merchant, member, tier.id]);
  if (held.rows.length > 0) return null;
  const { rows } = await q.query<{ points: number }>(
    `INSERT INTO grants (merchant_id, member_id, grant_key, type, tier_id, due_at, at, points, version, run_id)
     VALUES ($1, $2, 'upgrade_points:' || $3::text, 'upgrade_points', $3, $4, $4, $5, $6, NULL)
     ON CONFLICT DO NOTHING
     RETURNING points`,
    [merchant, member, tier.id, t, tier.upgradePoints, version],
  );
  return rows[0]?.points ?? null;
}
