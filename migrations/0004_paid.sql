-- Paid membership (SPEC §3.8) and the notification outbox. Keyed by merchant_id first, like
-- every table; no foreign keys on the big tables (import guarantees members exist).

-- One row per imported purchase; re-importing a purchase id updates it (a later refund).
CREATE TABLE purchases (
  merchant_id      text NOT NULL,
  purchase_id      text NOT NULL,
  member_id        text NOT NULL,
  plan_id          text NOT NULL,
  paid_at          timestamptz NOT NULL,
  status           text NOT NULL CHECK (status IN ('paid', 'refunded')),
  -- The plan's validity and the merchant's zone when the purchase was first imported: later
  -- edits of the plan or the zone never move a period someone paid for.
  validity_months  integer NOT NULL DEFAULT 0 CHECK (validity_months >= 0),
  validity_days    integer NOT NULL DEFAULT 0 CHECK (validity_days >= 0),
  timezone         text NOT NULL,
  import_seq       bigint NOT NULL,
  imported_at      timestamptz NOT NULL,              -- the import (its --now) that last changed the row
  PRIMARY KEY (merchant_id, purchase_id)
);
CREATE INDEX purchases_by_member ON purchases (merchant_id, member_id, paid_at);

-- The periods the paid purchases give, derived from `purchases` (recomputed per member at
-- import): one row per paid purchase. A period cut short by a purchase of another plan ends at
-- that purchase; one cut before it began is empty (starts_at = ends_at).
CREATE TABLE paid_periods (
  merchant_id     text NOT NULL,
  member_id       text NOT NULL,
  purchase_id     text NOT NULL,
  plan_id         text NOT NULL,
  kind            text NOT NULL CHECK (kind IN ('start', 'renewal')),
  membership_id   text NOT NULL,                      -- the purchase that started the membership
  paid_at         timestamptz NOT NULL,               -- the purchase's
  starts_at       timestamptz NOT NULL,
  ends_at         timestamptz NOT NULL CHECK (ends_at >= starts_at),
  timezone        text NOT NULL,
  -- The earliest instant a grant of this period may still fall due (null: none left). Every
  -- grant due before it has been performed; a recomputed period starts over at paid_at.
  next_grant_at   timestamptz,
  PRIMARY KEY (merchant_id, member_id, purchase_id)
);
CREATE INDEX paid_periods_next_grant ON paid_periods (merchant_id, next_grant_at) WHERE next_grant_at IS NOT NULL;

-- A membership: the consecutive periods of one plan that a start purchase and its renewals give.
-- `continued`: another membership starts at its very end (a replacement, or a purchase at that
-- instant), so the member never lapsed.
CREATE TABLE paid_memberships (
  merchant_id     text NOT NULL,
  member_id       text NOT NULL,
  membership_id   text NOT NULL,
  plan_id         text NOT NULL,
  since           timestamptz NOT NULL,
  expires_at      timestamptz NOT NULL,
  continued       boolean NOT NULL,
  expiry_done     boolean NOT NULL DEFAULT false,     -- an evaluation after expires_at has handled the expiry
  PRIMARY KEY (merchant_id, member_id, membership_id)
);
CREATE INDEX paid_memberships_running ON paid_memberships (merchant_id, member_id, since);
CREATE INDEX paid_memberships_expiry_pending ON paid_memberships (merchant_id, expires_at) WHERE NOT expiry_done;

-- The paid grant rules (per plan: join points, on_start and periodic benefits) the merchant's
-- last grant run used. When they change, every period is looked at again from its start.
CREATE TABLE paid_grant_state (
  merchant_id  text PRIMARY KEY,
  rules_hash   text NOT NULL
);

-- Notifications waiting for a sender: one row per event (the idempotency key), rendered from
-- the version's template. A sender lists the rows without acked_at, sends, and acks them.
CREATE TABLE outbox (
  merchant_id      text NOT NULL,
  outbox_id        bigint GENERATED ALWAYS AS IDENTITY,
  idempotency_key  text NOT NULL,                     -- history:<id>, paid_start:<purchase>, …
  event            text NOT NULL CHECK (event IN ('upgrade', 'downgrade', 'extension', 'paidStart', 'renewal', 'expiry')),
  member_id        text NOT NULL,
  message          text NOT NULL,
  payload          jsonb NOT NULL,                    -- the event's facts: tiers, plan, expiresAt
  version          integer NOT NULL,
  created_at       timestamptz NOT NULL,
  acked_at         timestamptz,
  PRIMARY KEY (merchant_id, outbox_id),
  UNIQUE (merchant_id, idempotency_key)
);
CREATE INDEX outbox_waiting ON outbox (merchant_id, outbox_id) WHERE acked_at IS NULL;
