-- Welcome benefits and the join notification (SPEC §3.9, v1.1). A member is welcomed once: the
-- evaluation that welcomes them records the instant here, in the transaction that writes their
-- welcome grants (keys welcome:<index>) and their join message (outbox key join:<member>).
-- Null: not welcomed (yet, or ever: members who joined before the program welcomed anyone).
ALTER TABLE members ADD COLUMN welcomed_at timestamptz;

-- The outbox learns the join event.
ALTER TABLE outbox DROP CONSTRAINT outbox_event_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_event_check
  CHECK (event IN ('upgrade', 'downgrade', 'extension', 'paidStart', 'renewal', 'expiry', 'join'));
