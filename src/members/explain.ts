/**
 * `members explain`: reads the member's standing, orders and versions (explainRead.ts), explains
 * them with the reference model (src/rules/explain.ts) and builds the view both outputs render.
 */
import type { Queryable } from '../store/db.js';
import { explainMember, type Explanation } from '../rules/explain.js';
import { readExplainSubject } from './explainRead.js';
import { buildExplainView, type ExplainView } from './explainView.js';

export async function explainMemberNow(q: Queryable, merchant: string, member: string, now: Date): Promise<{ explanation: Explanation; view: ExplainView }> {
  const subject = await readExplainSubject(q, merchant, member);
  const { judge, pending } = subject;
  const explanation = explainMember({
    state: subject.state,
    orders: subject.orders,
    points: subject.points,
    rules: judge.rules,
    version: judge.version.version,
    t: now,
    pending: pending === null ? null : { rules: pending.rules, version: pending.version.version, at: pending.at },
  });
  const document = judge.version.document;
  const tierNames = Object.fromEntries((document.spec.levels?.tiers ?? []).map((t) => [t.id, t.name]));
  const view = buildExplainView(explanation, {
    merchant,
    name: subject.name,
    currency: document.metadata.currency,
    timezone: document.metadata.timezone,
    judge: { version: judge.version, why: judge.why },
    latestRunAt: subject.latestRunAt,
    tierNames,
  });
  return { explanation, view };
}
