-- Who cancelled a pending version, and when (`tierform schedule cancel`, SPEC §4.7 "Provenance
-- tells the truth"). Null for versions cancelled before this migration and for every other status.
ALTER TABLE program_versions ADD COLUMN cancelled_by text;
ALTER TABLE program_versions ADD COLUMN cancelled_at timestamptz;
