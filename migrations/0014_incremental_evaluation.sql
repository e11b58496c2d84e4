-- The incremental daily evaluation (docs/scheduling.md, "Who a daily evaluation touches"): a
-- member whose evidence did not change since the merchant's last complete evaluation cannot
-- move, so an evaluation touches only the members an index says something happened to.

-- The merchant's last complete daily evaluation: its instant, every import up to import_seq seen
-- by it, the last history row before it (the members it moved come after), and the versions that
-- judged (active; pending for members who joined after its apply). Written when an evaluation
-- finishes every member; a recalculation deletes it.
CREATE TABLE evaluation_marks (
  merchant_id      text PRIMARY KEY,
  at               timestamptz NOT NULL,
  import_seq       bigint NOT NULL,
  history_id       bigint NOT NULL,
  active_version   integer,
  pending_version  integer
);

-- The imports an evaluation run has seen and the last history row before it: taken when the run
-- opens, before its first batch.
ALTER TABLE engine_runs ADD COLUMN import_seq_seen bigint, ADD COLUMN history_id_seen bigint;

-- The import that last changed a member's own record (joinedAt, birthday): 0 for none since the
-- member was created. A changed birthday can make a birthday grant due mid-month.
ALTER TABLE members ADD COLUMN changed_seq bigint NOT NULL DEFAULT 0;

-- The candidates of an evaluation, each found by an index range scan (member_id included, so the
-- order scans read no table rows): orders imported since the last evaluation, orders paid in the
-- span a window's bound moved over, validity periods ending, members' records changed.
CREATE INDEX orders_by_import ON orders (merchant_id, import_seq) INCLUDE (member_id);
CREATE INDEX orders_by_paid_at ON orders (merchant_id, paid_at) INCLUDE (member_id);
CREATE INDEX members_by_expiry ON members (merchant_id, expires_at) WHERE expires_at IS NOT NULL;
-- Only re-imported members: every other update of a member row stays out of this index.
CREATE INDEX members_by_change ON members (merchant_id, changed_seq) WHERE changed_seq > 0;
-- Members by birth month (a birthday is 'MM-DD' or 'YYYY-MM-DD'): on the first evaluation of a
-- month, the ones born in it may be due a birthday grant.
CREATE INDEX members_by_birth_month ON members
  (merchant_id, (CASE WHEN length(birthday) = 5 THEN substr(birthday, 1, 2) ELSE substr(birthday, 6, 2) END))
  WHERE birthday IS NOT NULL;
-- The members an evaluation may welcome (§3.9): not welcomed yet, joined since the welcome began.
-- Every evaluation looks for them in its whole scope, candidates or not.
CREATE INDEX members_to_welcome ON members (merchant_id, joined_at) WHERE welcomed_at IS NULL;
-- Members whose pin ends (members set-tier --until): the first evaluation after its end judges them.
CREATE INDEX members_by_pin_end ON members (merchant_id, pinned_until) WHERE pinned_until IS NOT NULL;
