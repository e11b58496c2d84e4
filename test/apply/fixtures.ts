/** Programs and plans for apply tests. */
import type { MembershipProgram } from '../../src/generated/types.js';
import type { Plan } from '../../src/plan/types.js';
import type { Queryable } from '../../src/store/db.js';
import { computePlan } from '../../src/plan/compute.js';
import { readSnapshot } from '../../src/store/snapshot.js';
import type { ApplyOptions } from '../../src/apply/applyPlan.js';

export interface ProgramOptions {
  merchant?: string;
  subscription?: string;
  type?: 'levels' | 'paid';
  silverAmount?: number;
  bronzeName?: string;
  scheduledAt?: string;
}

/** A valid program with both sections, so the type can switch without other edits. */
export function program(o: ProgramOptions = {}): MembershipProgram {
  return {
    apiVersion: 'tierform.dev/v1',
    kind: 'MembershipProgram',
    metadata: { merchant: o.merchant ?? 'acme', subscription: o.subscription ?? 'growth', timezone: 'Asia/Shanghai', currency: 'USD' },
    spec: {
      type: o.type ?? 'levels',
      enabled: true,
      effective: o.scheduledAt ? { mode: 'scheduled', at: o.scheduledAt, existingMembers: 'recalculate' } : { mode: 'immediate', existingMembers: 'recalculate' },
      levels: {
        upgrade: { basis: 'accumulated', window: { rolling: { months: 12 } } },
        tiers: [
          { id: 'bronze', name: o.bronzeName ?? 'Bronze', threshold: { amount: 100 }, benefits: [{ type: 'discount', percentOff: 5 }] },
          { id: 'silver', name: 'Silver', threshold: { amount: o.silverAmount ?? 500 } },
        ],
      },
      paid: { plans: [{ id: 'plus', name: 'Plus', price: 99, validity: { months: 12 }, benefits: [{ type: 'join_points', points: 500 }] }] },
    },
  } as unknown as MembershipProgram;
}

export async function planFor(q: Queryable, docs: MembershipProgram[], now: Date, supersede = false): Promise<Plan> {
  const snapshot = await readSnapshot(q, { now });
  return computePlan(
    docs.map((document) => ({ path: `programs/${document.metadata.merchant}/program.yaml`, document })),
    snapshot,
    now,
    { supersede },
  );
}

export function applyOptions(now: Date, more: Partial<ApplyOptions> = {}): ApplyOptions {
  return { now, actor: 'tester', sourceRef: 'abc123', lockTimeoutMs: 5_000, supersede: false, savedPlan: false, ...more };
}

export const T0 = new Date('2026-03-01T00:00:00Z');
export function hoursAfter(base: Date, hours: number): Date {
  return new Date(base.getTime() + hours * 3_600_000);
}
