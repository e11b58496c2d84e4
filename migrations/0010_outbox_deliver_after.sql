-- notifications.sendAt (SPEC §1.1, v1.1): a message is released at the next sendAt local time at
-- or after its event. Rows written before this have no send time: released at their event.
ALTER TABLE outbox ADD COLUMN deliver_after timestamptz;
UPDATE outbox SET deliver_after = created_at;
ALTER TABLE outbox ALTER COLUMN deliver_after SET NOT NULL;
