/**
 * Paid membership in SQL (SPEC §3.6, §3.8): periods derived from purchases, the paid grants of
 * an evaluation, and what `members show` reads. Semantics: src/rules/paid.ts; docs/paid.md.
 */
export { performPaidGrants } from './grants.js';
export { recomputePaidPeriods, addOnWallClock } from './periods.js';
export { loadVersionPaidRules, type VersionPaidRules } from './plans.js';
export { readMembershipAt, type RunningMembership } from './membership.js';
