-- Live state of membership programs. Every table is keyed by merchant_id first so the schema
-- can be distributed by merchant (Citus); no query joins across merchants.

CREATE TABLE catalog (
  name        text PRIMARY KEY,           -- only 'live' for now: the platform's catalog
  document    jsonb NOT NULL,
  applied_at  timestamptz NOT NULL
);

CREATE TABLE merchants (
  merchant_id   text PRIMARY KEY,
  subscription  text NOT NULL,
  created_at    timestamptz NOT NULL,
  updated_at    timestamptz NOT NULL
);

CREATE TABLE program_versions (
  merchant_id   text NOT NULL REFERENCES merchants (merchant_id),
  version       integer NOT NULL,
  status        text NOT NULL CHECK (status IN ('active', 'pending', 'superseded', 'cancelled', 'retired')),
  document      jsonb NOT NULL,
  hash          text NOT NULL,
  program_type  text NOT NULL,
  source_ref    text,
  actor         text NOT NULL,
  applied_at    timestamptz NOT NULL,
  effective_at  timestamptz,
  PRIMARY KEY (merchant_id, version)
);
-- At most one active and one pending version per merchant.
CREATE UNIQUE INDEX program_versions_one_active ON program_versions (merchant_id) WHERE status = 'active';
CREATE UNIQUE INDEX program_versions_one_pending ON program_versions (merchant_id) WHERE status = 'pending';

CREATE TABLE type_switches (
  merchant_id  text NOT NULL REFERENCES merchants (merchant_id),
  switch_no    integer NOT NULL,
  at           timestamptz NOT NULL,
  from_type    text,
  to_type      text NOT NULL,
  version      integer NOT NULL,
  PRIMARY KEY (merchant_id, switch_no)
);

CREATE TABLE members (
  merchant_id  text NOT NULL REFERENCES merchants (merchant_id),
  member_id    text NOT NULL,
  joined_at    timestamptz NOT NULL,
  name         text,
  birthday     text,
  tier_id      text,                      -- null: basic member
  tier_since   timestamptz,
  anchor_at    timestamptz,
  expires_at   timestamptz,
  PRIMARY KEY (merchant_id, member_id)
);
CREATE INDEX members_by_tier ON members (merchant_id, tier_id);
