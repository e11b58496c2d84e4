-- run-due: the claims that keep several run-due processes from doing one merchant's due work
-- twice, and the record of every run it made (scheduled recalculations and daily evaluations).

-- One row per merchant that has had due work. A run-due process works for a merchant only while
-- it holds this row locked (SELECT … FOR UPDATE SKIP LOCKED in a transaction kept open for the
-- work); a process that dies releases it with its connection. The columns say who held it last.
CREATE TABLE due_claims (
  merchant_id  text PRIMARY KEY,
  claimed_by   text,                                  -- host and pid of the run-due process
  claimed_at   timestamptz
);

-- One row per run run-due started: a scheduled version taking effect (`recalculate:v<n>`) or
-- a daily evaluation (`evaluate:<local fire time>`). The run itself is the engine's (engine_runs,
-- same key); this row adds what run-due needs: the activation of the version, the error of a
-- failed attempt, and the fire times already evaluated (the latest one is the merchant's
-- daily-evaluation bookmark).
CREATE TABLE scheduled_runs (
  merchant_id      text NOT NULL,
  run_key          text NOT NULL,
  kind             text NOT NULL CHECK (kind IN ('evaluate', 'recalculate')),
  version          integer NOT NULL,
  at               timestamptz NOT NULL,               -- effective_at, or the evaluation's fire time
  run_id           bigint,                             -- engine_runs.run_id
  status           text NOT NULL CHECK (status IN ('running', 'done', 'failed')),
  attempts         integer NOT NULL DEFAULT 1,
  started_at       timestamptz NOT NULL,
  finished_at      timestamptz,
  members_done     integer,
  members_changed  integer,
  activated_at     timestamptz,                        -- recalculate: when the version became active
  error            text,
  PRIMARY KEY (merchant_id, run_key)
);
CREATE INDEX scheduled_runs_unfinished ON scheduled_runs (merchant_id) WHERE status <> 'done';
