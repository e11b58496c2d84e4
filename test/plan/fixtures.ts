/** Small builders for plan tests: a valid program document and a live snapshot around it. */
import { defaultCatalog } from '../../src/catalog/builtin.js';
import type { MembershipProgram, PlanCatalog } from '../../src/generated/types.js';
import { canonicalDocument, hashDocument } from '../../src/plan/canonical.js';
import type { DesiredProgram, LiveMerchant, LiveSnapshot, LiveVersion } from '../../src/plan/types.js';

type Edit = [pointer: string, value: unknown] | [pointer: string];

/** A valid growth-plan program; each edit sets the value at a JSON pointer, or deletes it when no value is given. */
export function program(merchant = 'acme', ...edits: Edit[]): MembershipProgram {
  const doc: Record<string, unknown> = {
    apiVersion: 'tierform.dev/v1',
    kind: 'MembershipProgram',
    metadata: { merchant, subscription: 'growth', timezone: 'Asia/Shanghai', currency: 'USD' },
    spec: {
      type: 'levels',
      enabled: true,
      effective: { mode: 'immediate', existingMembers: 'recalculate' },
      evaluation: { cron: '0 3 * * *' },
      levels: {
        upgrade: { basis: 'single_order', window: { rolling: { months: 12 } }, exclude: ['gift_card', 'group_purchase'] },
        downgrade: { mode: 'validity', validity: { months: 12 } },
        refunds: 'recalculate',
        tiers: [
          { id: 'bronze', name: 'Bronze', enabled: true, threshold: { amount: 100 }, card: { icon: 'default', color: '#cd7f32' }, benefits: [{ type: 'discount', percentOff: 5 }] },
          { id: 'silver', name: 'Silver', enabled: true, threshold: { amount: 500 }, benefits: [{ type: 'free_shipping' }] },
          { id: 'gold', name: 'Gold', enabled: true, threshold: { amount: 800 }, benefits: [{ type: 'discount', percentOff: 15 }] },
        ],
      },
      paid: { plans: [{ id: 'plus', name: 'Plus', price: 99, validity: { months: 12 }, benefits: [{ type: 'join_points', points: 500 }] }] },
      notifications: { upgrade: 'Hi {member.name}, you are now {tier.name}!' },
    },
  };
  for (const [pointer, ...value] of edits) setAt(doc, pointer, ...value);
  return doc as unknown as MembershipProgram;
}

export function setAt(doc: unknown, pointer: string, ...value: [unknown?]): void {
  const keys = pointer.slice(1).split('/');
  const last = keys.pop()!;
  let target = doc as Record<string, unknown>;
  for (const key of keys) {
    if (target[key] === undefined) target[key] = {};
    target = target[key] as Record<string, unknown>;
  }
  if (value.length === 0) {
    if (Array.isArray(target)) target.splice(Number(last), 1);
    else delete target[last];
  } else target[last] = value[0];
}

export const catalog = defaultCatalog;

export function version(doc: MembershipProgram, over: Partial<LiveVersion> = {}): LiveVersion {
  const document = canonicalDocument(doc);
  return {
    version: 1,
    status: 'active',
    document,
    hash: hashDocument(document),
    appliedAt: '2026-01-01T00:00:00.000Z',
    effectiveAt: null,
    actor: 'test',
    sourceRef: null,
    ...over,
  };
}

export function liveMerchant(merchant: string, over: Partial<LiveMerchant> = {}): LiveMerchant {
  return { merchant, subscription: 'growth', active: null, pending: null, switches: [], membersPerTier: {}, ...over };
}

export function snapshot(...merchants: LiveMerchant[]): LiveSnapshot {
  return { catalog, merchants: new Map(merchants.map((m) => [m.merchant, m])) };
}

export function desired(doc: MembershipProgram, path?: string): DesiredProgram {
  const merchant = (doc as unknown as { metadata: { merchant: string } }).metadata.merchant;
  return { path: path ?? `programs/${merchant}/program.yaml`, document: doc };
}
