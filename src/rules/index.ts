/**
 * The reference model of the level semantics (SPEC §3): pure, per member, time as a parameter.
 * The set-based engine in src/engine must agree with it (test/semantics).
 */
export * from './program.js';
export * from './orders.js';
export * from './qualify.js';
export * from './memberState.js';
export { evaluateMember, extensionMet, requalifiedTier, tierAsOfEvidence } from './evaluate.js';
export { recalculateMember, derivedTier, heldRank, type Derived } from './recalculate.js';
export { setTierManually, type ManualMove } from './manual.js';
export * from './paid.js';
export { addToInstant, addMonthsToInstant, fromWallClock } from './paidTime.js';
