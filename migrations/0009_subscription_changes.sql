-- Every change of a merchant's subscription (SPEC §4.6), with who made it and, for a downgrade
-- that leaves the active program over the new caps, what it exceeds and why it was allowed.
CREATE TABLE subscription_changes (
  merchant_id        text NOT NULL REFERENCES merchants (merchant_id),
  change_id          bigint GENERATED ALWAYS AS IDENTITY,
  changed_at         timestamptz NOT NULL,
  from_subscription  text,                              -- null: the merchant was created
  to_subscription    text NOT NULL,
  actor              text NOT NULL,
  reason             text,
  over_cap           jsonb NOT NULL DEFAULT '[]'::jsonb, -- [{ code, message }] accepted with --allow-over-cap
  PRIMARY KEY (merchant_id, change_id)
);
