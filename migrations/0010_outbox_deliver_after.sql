-- notifications.sendAt (SPEC §1.1, v1.1): a message is released at the next sendAt local time at
-- or after its event. Null means at the event (created_at): rows written before this migration,
-- and rows written by anything that does not know sendAt.
ALTER TABLE outbox ADD COLUMN deliver_after timestamptz;
