/**
 * computePlan: desired documents + one snapshot of the live state → Plan (SPEC §4.2), without
 * impact (filled by the engine's dry run). Pure: no clock, no database; `now` is an argument.
 */
import { overCap, tiersOverCap } from '../catalog/overCap.js';
import type { MembershipProgram } from '../generated/types.js';
import { canonicalDocument } from './canonical.js';
import { diffDocuments } from './diff.js';
import { switchBudget, type SwitchLimit } from './switchBudget.js';
import type {
  Change,
  DesiredProgram,
  LiveMerchant,
  LiveSnapshot,
  LiveVersion,
  MerchantPlan,
  Plan,
  PlanError,
  SwitchBudget,
} from './types.js';

export interface ComputePlanOptions {
  /** Plan only this merchant (files and live state alike). */
  merchant?: string;
  /** Allow a rule change to replace a pending one (SPEC §3.5). */
  supersede?: boolean;
}

/** Error codes computePlan reports, besides validation errors added by the caller. */
export const planErrorCodes = [
  'plan.switch-limit',
  'plan.pending-change',
  'plan.tier-not-empty',
  'plan.subscription-mismatch',
  'plan.schedule-past',
  'plan.duplicate-merchant',
] as const;
export type PlanErrorCode = (typeof planErrorCodes)[number];

const DEFAULT_SWITCH_LIMIT: SwitchLimit = { count: 5, windowHours: 24 };

function field(value: unknown, ...path: string[]): unknown {
  let current = value;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function merchantOf(doc: MembershipProgram): string {
  return text(field(doc, 'metadata', 'merchant')) ?? '';
}

function tierIds(doc: unknown): string[] {
  const tiers = field(doc, 'spec', 'levels', 'tiers');
  if (!Array.isArray(tiers)) return [];
  return tiers.map((t) => text(field(t, 'id'))).filter((id): id is string => id !== undefined);
}

function switchLimitOf(live: LiveSnapshot): SwitchLimit {
  const count = field(live.catalog, 'spec', 'switchLimit', 'count');
  const windowHours = field(live.catalog, 'spec', 'switchLimit', 'windowHours');
  return typeof count === 'number' && typeof windowHours === 'number' ? { count, windowHours } : DEFAULT_SWITCH_LIMIT;
}

function sameInstant(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  const ta = Date.parse(a);
  const tb = Date.parse(b);
  return Number.isFinite(ta) && ta === tb;
}

const isRuleLike = (c: Change): boolean => c.class === 'rule' || c.class === 'type_switch';
/** While a version is pending only these edits may replace it without --supersede, keeping its `at`. */
const keepsPending = (c: Change): boolean => c.class === 'cosmetic' || c.class === 'benefit' || (c.class === 'schedule' && !c.pointer.startsWith('/spec/effective'));

function planMerchant(
  desired: DesiredProgram,
  document: MembershipProgram,
  live: LiveMerchant | undefined,
  limit: SwitchLimit,
  now: Date,
  opts: ComputePlanOptions,
  catalog: unknown,
): MerchantPlan {
  const merchant = merchantOf(document);
  const base: LiveVersion | null = live?.pending ?? live?.active ?? null;
  const changes = diffDocuments(base?.document, document);
  const errors: PlanError[] = [];
  const action = base === null ? 'create' : changes.length > 0 ? 'update' : 'noop';

  const subscription = text(field(document, 'metadata', 'subscription'));
  if (live && subscription !== live.subscription) {
    errors.push({
      code: 'plan.subscription-mismatch',
      message: `metadata.subscription is "${subscription ?? ''}" but merchant ${merchant} is on "${live.subscription}"; subscriptions are set by the platform (tierform merchant set), not by the program file`,
    });
  }

  // Switch budget: creating a program or changing its type (SPEC §3.4).
  let budget: SwitchBudget | null = null;
  const type = text(field(document, 'spec', 'type')) ?? '';
  if (action === 'create' || changes.some((c) => c.class === 'type_switch')) {
    const result = switchBudget(live?.switches ?? [], now, limit);
    const from = base === null ? null : text(field(base.document, 'spec', 'type')) ?? null;
    budget = { from, to: type, used: result.used, limit: limit.count, allowed: result.allowed, nextAllowedAt: result.nextAllowedAt };
    if (!result.allowed) {
      errors.push({
        code: 'plan.switch-limit',
        message: `${merchant} already made ${result.used} program-type switches in the last ${limit.windowHours} h (limit ${limit.count}); the next switch is possible at ${result.nextAllowedAt ?? 'no time (the limit is 0)'}`,
      });
    }
  }

  // Tiers that hold members cannot disappear (SPEC §3.7) — unless a subscription downgrade left
  // the active program over the tier cap: then removing them is what the caps demand, and their
  // members are re-derived like any rule change (docs/decisions.md).
  const forcedByCaps = live?.active ? tiersOverCap(overCap(live.active.document, catalog, live.subscription)) : false;
  if (live && !forcedByCaps) {
    const kept = new Set(tierIds(document));
    const gone = new Set([...tierIds(base?.document), ...tierIds(live.active?.document)].filter((id) => !kept.has(id)));
    for (const id of gone) {
      const count = live.membersPerTier[id] ?? 0;
      if (count > 0) {
        errors.push({
          code: 'plan.tier-not-empty',
          message: `tier ${id} holds ${count} member${count === 1 ? '' : 's'}; set enabled: false on it first, apply (its members are re-derived), then remove it`,
        });
      }
    }
  }

  // Pending versions (SPEC §3.5).
  const pending = live?.pending ?? null;
  const replacesPendingQuietly = pending !== null && action === 'update' && changes.every(keepsPending);
  if (pending !== null && action === 'update' && !replacesPendingQuietly && !opts.supersede) {
    errors.push({
      code: 'plan.pending-change',
      message: `${merchant} has version ${pending.version} pending until ${pending.effectiveAt ?? '(unscheduled)'}; this change touches rules or the schedule: apply it with --supersede to replace the pending version, or cancel it (tierform schedule cancel ${merchant})`,
    });
  }

  // Recalculation.
  const mode = text(field(document, 'spec', 'effective', 'mode'));
  const at = text(field(document, 'spec', 'effective', 'at'));
  let recalculation: MerchantPlan['recalculation'] = { mode: 'none', at: null };
  if (action === 'create') {
    // A first version has no earlier rules to keep members under: it is active at once.
    recalculation = { mode: 'immediate', at: null };
  } else if (replacesPendingQuietly) {
    recalculation = { mode: 'scheduled', at: pending.effectiveAt };
  } else if (ruleChangesAgainstActive(changes, document, live).some(isRuleLike)) {
    recalculation = mode === 'scheduled' && at !== undefined ? { mode: 'scheduled', at } : { mode: 'immediate', at: null };
  }

  // A new `at` must be in the future; the stored one may have passed (an exported file keeps planning).
  if (action !== 'create' && mode === 'scheduled' && at !== undefined) {
    const storedAt = text(field(base?.document, 'spec', 'effective', 'at'));
    const atTime = Date.parse(at);
    if (!sameInstant(at, storedAt) && Number.isFinite(atTime) && atTime <= now.getTime()) {
      errors.push({
        code: 'plan.schedule-past',
        message: `spec.effective.at ${at} is not after now (${now.toISOString()}); a scheduled change must take effect in the future`,
      });
    } else if (recalculation.mode === 'scheduled' && !replacesPendingQuietly && Number.isFinite(atTime) && atTime <= now.getTime()) {
      // The stored, already passed `at` with new rules: the instant has come, so they take effect now.
      recalculation = { mode: 'immediate', at: null };
    }
  }

  return {
    merchant,
    action,
    baseVersion: base?.version ?? null,
    changes,
    recalculation,
    switch: budget,
    impact: null,
    errors,
    path: desired.path,
    document,
  };
}

/**
 * A version that replaces a pending one (with --supersede) takes over from the ACTIVE version, so
 * whether members are recalculated depends on its difference from the active one, not the pending one.
 */
function ruleChangesAgainstActive(changes: Change[], document: MembershipProgram, live: LiveMerchant | undefined): Change[] {
  if (!live?.pending) return changes;
  return [...changes, ...diffDocuments(live.active?.document, document)];
}

function unmanaged(live: LiveMerchant): MerchantPlan {
  return {
    merchant: live.merchant,
    action: 'unmanaged',
    baseVersion: live.pending?.version ?? live.active?.version ?? null,
    changes: [],
    recalculation: { mode: 'none', at: null },
    switch: null,
    impact: null,
    errors: [],
  };
}

export function computePlan(
  desired: readonly DesiredProgram[],
  live: LiveSnapshot,
  now: Date,
  opts: ComputePlanOptions = {},
): Plan {
  const limit = switchLimitOf(live);
  const byMerchant = new Map<string, MerchantPlan>();
  for (const program of desired) {
    const document = canonicalDocument(program.document);
    const merchant = merchantOf(document);
    if (opts.merchant !== undefined && merchant !== opts.merchant) continue;
    const earlier = byMerchant.get(merchant);
    if (earlier) {
      earlier.errors.push({
        code: 'plan.duplicate-merchant',
        message: `merchant ${merchant} is declared by both ${earlier.path ?? '?'} and ${program.path}`,
      });
      continue;
    }
    byMerchant.set(merchant, planMerchant(program, document, live.merchants.get(merchant), limit, now, opts, live.catalog));
  }
  for (const [id, merchant] of live.merchants) {
    if (opts.merchant !== undefined && id !== opts.merchant) continue;
    if (!byMerchant.has(id)) byMerchant.set(id, unmanaged(merchant));
  }
  const merchants = [...byMerchant.values()].sort((a, b) => (a.merchant < b.merchant ? -1 : a.merchant > b.merchant ? 1 : 0));
  return { formatVersion: 1, createdAt: now.toISOString(), merchants };
}
