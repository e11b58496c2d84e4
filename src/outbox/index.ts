/**
 * The notification outbox: rendered messages waiting for a sender, each event written exactly
 * once (a unique idempotency key per merchant) in the transaction of the change it announces.
 * See docs/paid.md.
 */
export { enqueueLevelNotifications, lastHistoryId, type LevelEvent } from './levels.js';
export { enqueuePurchaseNotifications, enqueuePaidExpiries } from './paid.js';
export { listWaiting, pageWaiting, ack, DEFAULT_PAGE, type OutboxEntry, type OutboxPage } from './store.js';
