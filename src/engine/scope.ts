/**
 * Which members one engine statement covers, and the values every statement binds: the
 * merchant, the instant, the version and run that write history and grants.
 */
import type { LevelRules } from '../rules/index.js';
import { Params, RulesSql } from './sqlRules.js';

/** Members with lo < member_id ≤ hi (null: unbounded), and optionally by when they joined. */
export interface MemberScope {
  lo: string | null;
  hi: string | null;
  /** Only members who joined at or after this instant (judged by a pending version). */
  joinedFrom?: Date;
  /** Only members who joined before this instant (judged by the active version). */
  joinedBefore?: Date;
  /** Only these members (an incremental daily evaluation's candidates, src/engine/candidates.ts). */
  ids?: readonly string[];
}

export interface StepInput {
  merchant: string;
  rules: LevelRules;
  version: number;
  runId: number | null;
  at: Date;
  scope: MemberScope;
}

export interface Bound {
  p: Params;
  r: RulesSql;
  merchant: string;
  t: string;
  version: string;
  run: string;
  /** Predicate on the members table aliased `mb`. */
  members: string;
  /**
   * `members` without the list of ids: for a statement that picks its members by a join on
   * something the listed ids restrict (it must still read `orders`, which carries the list).
   */
  membersUnlisted: string;
  /** The placeholder of the list of ids (`scope.ids`), or null without one. */
  listed: string | null;
  /** Predicate on an orders alias's member_id ({m} is replaced by the column). */
  orders: string;
  /** Predicate on `mb`: no pin (§3.10) holds the member at t. */
  unpinned: string;
}

export function bind(input: StepInput): Bound {
  const p = new Params();
  const merchant = p.add(input.merchant, '::text');
  const r = new RulesSql(input.rules, p);
  const range: string[] = [];
  if (input.scope.lo !== null) range.push(`{m} > ${p.add(input.scope.lo, '::text')}`);
  if (input.scope.hi !== null) range.push(`{m} <= ${p.add(input.scope.hi, '::text')}`);
  const members = [`mb.merchant_id = ${merchant}`, ...range.map((c) => c.replaceAll('{m}', 'mb.member_id'))];
  if (input.scope.joinedFrom) members.push(`mb.joined_at >= ${p.add(input.scope.joinedFrom, '::timestamptz')}`);
  if (input.scope.joinedBefore) members.push(`mb.joined_at < ${p.add(input.scope.joinedBefore, '::timestamptz')}`);
  const membersUnlisted = members.join(' AND ');
  const listed = input.scope.ids !== undefined ? p.add(input.scope.ids, '::text[]') : null;
  if (listed !== null) {
    range.push(`{m} = ANY(${listed})`);
    members.push(`mb.member_id = ANY(${listed})`);
  }
  // Bound on first use: PostgreSQL refuses a statement with a parameter it never reads.
  let t: string | undefined;
  let version: string | undefined;
  let run: string | undefined;
  return {
    p,
    r,
    merchant,
    get t() {
      return (t ??= p.add(input.at, '::timestamptz'));
    },
    get version() {
      return (version ??= p.add(input.version, '::int'));
    },
    get run() {
      return (run ??= p.add(input.runId, '::bigint'));
    },
    members: members.join(' AND '),
    membersUnlisted,
    listed,
    orders: range.join(' AND '),
    get unpinned() {
      return `(mb.pinned_until IS NULL OR mb.pinned_until <= ${this.t})`;
    },
  };
}

/**
 * `FROM … WHERE …` for the members `mb` of a statement: with a list of ids (an incremental
 * evaluation's candidates), driven by the list, so the planner reads each by key instead of
 * scanning the merchant's members for them.
 */
export function membersOf(b: Bound): string {
  if (b.listed === null) return `members mb WHERE ${b.members}`;
  return `${listedMembers(b)}
  WHERE ${b.membersUnlisted}`;
}

/**
 * The listed members, each read by its key: a lookup per id that the planner cannot turn into a
 * hash join over every member of the merchant (it did, for ~10,000 ids out of 250,000 members).
 */
export function listedMembers(b: Bound): string {
  return `unnest(${b.listed}) AS listed(member_id)
  CROSS JOIN LATERAL (SELECT * FROM members x WHERE x.merchant_id = ${b.merchant} AND x.member_id = listed.member_id OFFSET 0) mb`;
}
