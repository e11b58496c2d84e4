-- Members' evidence (orders), what the level engine derives from it (history, grants) and the
-- runs that derive it. Keyed by merchant_id first, like every table. The big tables carry no
-- foreign keys: import guarantees members exist, and a key check per row would halve import speed.

-- The evaluation state the reference model keeps per member (src/rules/memberState.ts).
ALTER TABLE members
  ADD COLUMN previous_anchor_at  timestamptz,          -- anchor_at just before the last tier change
  ADD COLUMN trigger_order_id    text,                 -- the order that triggered the move to tier_id
  ADD COLUMN last_evaluated_seq  bigint NOT NULL DEFAULT 0;  -- import_seq seen by the last evaluation

-- Processing order of imports (§3.3 step 4 reads "imported after the last evaluation").
CREATE SEQUENCE import_seq;

CREATE TABLE orders (
  merchant_id     text NOT NULL,
  order_id        text NOT NULL,
  member_id       text NOT NULL,
  amount_minor    bigint NOT NULL CHECK (amount_minor >= 0),
  refunded_minor  bigint NOT NULL DEFAULT 0 CHECK (refunded_minor >= 0 AND refunded_minor <= amount_minor),
  paid_at         timestamptz NOT NULL,
  status          text NOT NULL CHECK (status IN ('paid', 'cancelled', 'refunded')),
  tags            text[] NOT NULL DEFAULT '{}',
  import_seq      bigint NOT NULL,
  consumed        boolean NOT NULL DEFAULT false,     -- triggered an upgrade (single_order)
  PRIMARY KEY (merchant_id, order_id)
);
-- A member's orders by processing order: the engine's batches read a member range through it, and
-- "imported since the last evaluation" (refunds, the watermark) is one index descent per member.
CREATE INDEX orders_by_member ON orders (merchant_id, member_id, import_seq);

CREATE TABLE member_history (
  merchant_id  text NOT NULL,
  member_id    text NOT NULL,
  history_id   bigint GENERATED ALWAYS AS IDENTITY,
  from_tier    text,                                  -- null: basic
  to_tier      text,
  at           timestamptz NOT NULL,
  reason       text NOT NULL,
  version      integer NOT NULL,
  run_id       bigint,                                -- null: inside an apply
  PRIMARY KEY (merchant_id, member_id, history_id)
);
-- The notifications of one engine batch are the merchant's history rows after a watermark.
CREATE INDEX member_history_by_id ON member_history (merchant_id, history_id);

-- The grants ledger: one row per idempotency key per member, never deleted.
CREATE TABLE grants (
  merchant_id  text NOT NULL,
  member_id    text NOT NULL,
  grant_key    text NOT NULL,                         -- upgrade_points:<tier>, birthday_discount:<year>, …
  type         text NOT NULL,
  tier_id      text,
  plan_id      text,
  due_at       timestamptz NOT NULL,
  at           timestamptz NOT NULL,
  points       integer,
  version      integer NOT NULL,
  run_id       bigint,
  PRIMARY KEY (merchant_id, member_id, grant_key)
);

-- A run of the engine over all members of a merchant: a daily evaluation or a recalculation.
-- Batches commit with the cursor, so a killed run resumes after the last member it finished.
CREATE TABLE engine_runs (
  merchant_id      text NOT NULL,
  run_id           bigint GENERATED ALWAYS AS IDENTITY,
  run_key          text NOT NULL,                     -- what the run is for; one run per key
  kind             text NOT NULL CHECK (kind IN ('evaluate', 'recalculate')),
  version          integer NOT NULL,
  at               timestamptz NOT NULL,              -- the instant the members are judged at
  existing_members text,                              -- recalculate: recalculate | upgrade_only | keep
  status           text NOT NULL CHECK (status IN ('running', 'done', 'failed')),
  cursor_member    text,                              -- the last member finished; null: none yet
  members_done     integer NOT NULL DEFAULT 0,
  members_changed  integer NOT NULL DEFAULT 0,
  started_at       timestamptz NOT NULL,
  finished_at      timestamptz,
  error            text,
  PRIMARY KEY (merchant_id, run_id),
  UNIQUE (merchant_id, run_key)
);
