/** Plan's check of `notifications.maxLength` against the live data (src/outbox/longest.ts). */
import type { Queryable } from '../store/db.js';
import type { Plan } from '../plan/types.js';
import { tooLongMessages, type LongestMember } from '../outbox/longest.js';

/** The merchant's longest member name (as messages show it: the name, else the id) and longest id. */
async function longestMember(q: Queryable, merchant: string): Promise<LongestMember> {
  const res = await q.query<{ name: string | null; id: string | null }>(
    `SELECT (SELECT coalesce(name, member_id) FROM members WHERE merchant_id = $1
              ORDER BY char_length(coalesce(name, member_id)) DESC, member_id LIMIT 1) AS name,
            (SELECT member_id FROM members WHERE merchant_id = $1
              ORDER BY char_length(member_id) DESC, member_id LIMIT 1) AS id`,
    [merchant],
  );
  return { name: res.rows[0]?.name ?? '', id: res.rows[0]?.id ?? '' };
}

/** The plan with `notifications.too-long` added to each merchant whose templates can exceed maxLength. */
export async function withMessageLengths(q: Queryable, plan: Plan): Promise<Plan> {
  const merchants = [];
  for (const m of plan.merchants) {
    const maxLength = (m.document?.spec.notifications as { maxLength?: unknown } | undefined)?.maxLength;
    if (m.document === undefined || typeof maxLength !== 'number') {
      merchants.push(m);
      continue;
    }
    const errors = tooLongMessages(m.document, await longestMember(q, m.merchant));
    merchants.push(errors.length === 0 ? m : { ...m, errors: [...m.errors, ...errors] });
  }
  return { ...plan, merchants };
}
