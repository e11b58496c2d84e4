/**
 * The SQL engine agrees with the reference model on random paid histories: purchases imported
 * over time, later refunds, evaluations in between. Periods, memberships and the grants ledger
 * must match exactly. More cases with TIERFORM_PROPERTY_RUNS.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { withTestDb } from '../helpers/db.js';
import { compilePlan, paidGrantsDue, paidPeriods, type PaidGrant, type PaidPlanRule, type PaidPlanSection, type Purchase } from '../../src/rules/index.js';
import { performPaidGrants } from '../../src/engine/paid/index.js';
import type { Queryable } from '../../src/store/db.js';
import { activateVersion, addMember, paidProgram, readGrants, readPeriods, storePurchases } from './helpers.js';
import { propertyRuns, scenarioArb, type PaidScenario } from './arbitraries.js';

const t = withTestDb();

interface Outcome {
  periods: { member: string; purchase: string; plan: string; kind: string; membership: string; startsAt: string; endsAt: string }[];
  memberships: { member: string; id: string; plan: string; since: string; expiresAt: string; continued: boolean }[];
  grants: { member: string; key: string; type: string; plan: string | null; dueAt: string; at: string; points: number | null }[];
}

function byKey<T>(rows: T[], key: (r: T) => string): T[] {
  return [...rows].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

function modelOutcome(sc: PaidScenario): Outcome {
  const plans = new Map<string, PaidPlanRule>(sc.plans.map((p) => [p.id, compilePlan(p as unknown as PaidPlanSection)]));
  const purchases = new Map<string, Purchase>();
  const ledger: (PaidGrant & { member: string })[] = [];
  for (const step of sc.steps) {
    if (step.kind === 'import') {
      for (const p of step.purchases) {
        const old = purchases.get(p.id);
        // A re-import keeps the validity and zone of the first import.
        purchases.set(p.id, old ? { ...old, status: p.status, paidAt: p.paidAt } : p);
      }
      continue;
    }
    for (const m of sc.members) {
      const keys = new Set(ledger.filter((g) => g.member === m.id).map((g) => g.key));
      const due = paidGrantsDue({ memberId: m.id, birthday: m.birthday }, [...purchases.values()], plans, step.at, sc.timezone, keys);
      ledger.push(...due.map((g) => ({ ...g, member: m.id })));
    }
  }
  const all = [...purchases.values()];
  const outcome: Outcome = { periods: [], memberships: [], grants: [] };
  for (const m of sc.members) {
    const { periods, memberships } = paidPeriods(all.filter((p) => p.memberId === m.id));
    for (const p of periods) {
      outcome.periods.push({ member: m.id, purchase: p.purchaseId, plan: p.planId, kind: p.kind, membership: p.membershipId, startsAt: p.startsAt.toISOString(), endsAt: p.endsAt.toISOString() });
    }
    for (const ms of memberships) {
      outcome.memberships.push({ member: m.id, id: ms.id, plan: ms.planId, since: ms.since.toISOString(), expiresAt: ms.expiresAt.toISOString(), continued: ms.continued });
    }
  }
  outcome.grants = ledger.map((g) => ({ member: g.member, key: g.key, type: g.type, plan: g.plan, dueAt: g.dueAt.toISOString(), at: g.at.toISOString(), points: g.points ?? null }));
  return normalize(outcome);
}

function normalize(o: Outcome): Outcome {
  return {
    periods: byKey(o.periods, (p) => `${p.member}\u0000${p.purchase}`),
    memberships: byKey(o.memberships, (m) => `${m.member}\u0000${m.id}`),
    grants: byKey(o.grants, (g) => `${g.member}\u0000${g.key}`),
  };
}

let runNo = 0;

async function sqlOutcome(q: Queryable, sc: PaidScenario): Promise<Outcome> {
  runNo += 1;
  const merchant = `prop${runNo}`;
  await activateVersion(q, paidProgram({ merchant, timezone: sc.timezone, plans: sc.plans }), 1);
  for (const m of sc.members) await addMember(q, merchant, m.id, { birthday: m.birthday ?? undefined });
  for (const step of sc.steps) {
    if (step.kind === 'import') await storePurchases(q, merchant, step.purchases, step.at);
    else await performPaidGrants(q, merchant, step.at, 1);
  }
  const periods = await q.query<{ member_id: string }>('SELECT member_id FROM paid_periods WHERE merchant_id = $1', [merchant]);
  const members = [...new Set(periods.rows.map((r) => r.member_id))];
  const outcome: Outcome = { periods: [], memberships: [], grants: [] };
  for (const member of members) {
    for (const p of await readPeriods(q, merchant, member)) outcome.periods.push({ member, ...p });
  }
  const ms = await q.query<{ member_id: string; membership_id: string; plan_id: string; since: Date; expires_at: Date; continued: boolean }>(
    'SELECT member_id, membership_id, plan_id, since, expires_at, continued FROM paid_memberships WHERE merchant_id = $1',
    [merchant],
  );
  outcome.memberships = ms.rows.map((r) => ({ member: r.member_id, id: r.membership_id, plan: r.plan_id, since: r.since.toISOString(), expiresAt: r.expires_at.toISOString(), continued: r.continued }));
  outcome.grants = (await readGrants(q, merchant)).map((g) => ({ ...g }));
  return normalize(outcome);
}

const runs = propertyRuns(30);

describe('SQL and the reference model agree', () => {
  it('on periods, memberships and grants of random purchase histories', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb(), async (sc) => {
        expect(await sqlOutcome(t.db, sc)).toEqual(modelOutcome(sc));
      }),
      { numRuns: runs },
    );
  }, 60_000 + runs * 3_000);
});
