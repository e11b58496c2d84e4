/**
 * The plan: what `plan` shows and `apply` executes. Its JSON form is SPEC §5.1 (formatVersion 1)
 * and is also the saved plan file. Pure data: no I/O here.
 */
import type { MembershipProgram, PlanCatalog } from '../generated/types.js';

export type ChangeClass = 'cosmetic' | 'benefit' | 'rule' | 'type_switch' | 'schedule' | 'subscription';
export type MerchantAction = 'create' | 'update' | 'noop' | 'unmanaged';

export interface Change {
  pointer: string;
  op: 'add' | 'remove' | 'replace';
  before: unknown;
  after: unknown;
  class: ChangeClass;
}

export interface SwitchBudget {
  from: string | null;
  to: string;
  /** Switches already applied in the window, not counting this one. */
  used: number;
  limit: number;
  allowed: boolean;
  /** ISO instant; null when allowed. */
  nextAllowedAt: string | null;
}

export interface Impact {
  asOf: string;
  /** Members per tier as stored now. */
  before: Record<string, number>;
  /** Members per tier after the change's recalculation. */
  after: Record<string, number>;
  /** The moves the change causes: new rules against current rules, same instant, same data. */
  transitions: { from: string; to: string; count: number }[];
  /** Moves the current rules would make anyway (SPEC §4.7; additive, absent in older plans). */
  drift?: { from: string; to: string; count: number }[];
}

export interface PlanError {
  code: string;
  message: string;
}

export interface MerchantPlan {
  merchant: string;
  action: MerchantAction;
  /** The live version the plan was computed against (active, or pending when one is); null for create. */
  baseVersion: number | null;
  changes: Change[];
  recalculation: { mode: 'none' | 'immediate' | 'scheduled'; at: string | null };
  switch: SwitchBudget | null;
  impact: Impact | null;
  errors: PlanError[];
  /** Where the desired document came from (not in the SPEC's list; additive). */
  path?: string;
  /** The canonical desired document, so a saved plan applies exactly what was reviewed (additive). */
  document?: MembershipProgram;
}

/**
 * The options a plan was computed with, recorded in the saved plan so `apply plan.json` applies
 * it with exactly them (SPEC §4.7; additive).
 */
export interface PlanOptions {
  /** The program paths as given (relative to the directory plan ran in); empty for a rollback. */
  paths: string[];
  merchant: string | null;
  supersede: boolean;
  /** The downgrade limit in force (from --max-downgrades or tierform.yaml), as written; null for none. */
  maxDowngrades: string | null;
  /** Where that limit came from (`--max-downgrades`, `tierform.yaml`). */
  maxDowngradesSource: string | null;
  /** Set for a plan made by `rollback <merchant> --to <n>`. */
  rollbackTo?: number;
}

export interface Plan {
  formatVersion: 1;
  createdAt: string;
  /** Additive: present in plans made by this tierform; the seal covers them. */
  options?: PlanOptions;
  merchants: MerchantPlan[];
  /** `sha256:<hex>` of the plan's canonical JSON without this field (src/plan/seal.ts). */
  digest?: string;
}

/** One applied version of a merchant's program as stored. */
export interface LiveVersion {
  version: number;
  status: 'active' | 'pending' | 'superseded' | 'cancelled' | 'retired';
  document: MembershipProgram;
  hash: string;
  appliedAt: string;
  effectiveAt: string | null;
  actor: string;
  sourceRef: string | null;
}

/** Everything plan needs to know about one merchant in the live state. */
export interface LiveMerchant {
  merchant: string;
  subscription: string;
  active: LiveVersion | null;
  pending: LiveVersion | null;
  /** Instants of applied type switches, newest last (at least those inside the switch window). */
  switches: string[];
  /** Current members per tier id (basic members under the key `basic`). */
  membersPerTier: Record<string, number>;
}

/** One read of the live state, in a fixed number of queries whatever the merchant count. */
export interface LiveSnapshot {
  catalog: PlanCatalog;
  merchants: Map<string, LiveMerchant>;
}

/** A validated program file, ready to plan. */
export interface DesiredProgram {
  path: string;
  document: MembershipProgram;
}
