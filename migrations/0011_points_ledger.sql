-- v1.1 §3.2, §4.5: the points ledger, fed by `tierform import points`. Append-only: an entry id
-- is imported once (a correction is a new entry), so rows are never updated or deleted. Under
-- `upgrade.basis: points` members are measured by their positive entries in the window;
-- redemptions (negative entries) never lower it. tierform's own grants are never entries here.
CREATE TABLE points_ledger (
  merchant_id  text NOT NULL,
  entry_id     text NOT NULL,
  member_id    text NOT NULL,
  points       bigint NOT NULL,
  at           timestamptz NOT NULL,
  reason       text,
  import_seq   bigint NOT NULL,                     -- the import that brought it (the evaluation watermark)
  PRIMARY KEY (merchant_id, entry_id)
);
-- A member's entries by processing order, as orders_by_member: the engine reads a member range
-- through it, and "imported since the last evaluation" is one index descent per member.
CREATE INDEX points_ledger_by_member ON points_ledger (merchant_id, member_id, import_seq);
