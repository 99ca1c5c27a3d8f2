-- Jobs of the PostgreSQL queue (used when no Redis is configured). A job is claimed with FOR UPDATE SKIP LOCKED
-- and leased until locked_until; a worker that dies leaves the lease to expire and another worker reclaims it.
-- Finished jobs stay as 'completed' so that enqueueing the same id again is a no-op (idempotent by id).
CREATE TABLE IF NOT EXISTS queue_jobs (
    queue         text        NOT NULL,
    id            text        NOT NULL CHECK (char_length(id) BETWEEN 1 AND 200),
    data          jsonb       NOT NULL,
    state         text        NOT NULL DEFAULT 'waiting'
                  CHECK (state IN ('waiting', 'active', 'completed', 'parked')),
    attempts      integer     NOT NULL DEFAULT 0,
    max_attempts  integer     NOT NULL CHECK (max_attempts BETWEEN 1 AND 100),
    run_at        timestamptz NOT NULL DEFAULT now(),
    locked_until  timestamptz,
    lock_token    uuid,
    last_error    text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    finished_at   timestamptz,
    PRIMARY KEY (queue, id)
);
-- The claim query scans only runnable jobs of one queue in run_at order.
CREATE INDEX IF NOT EXISTS queue_jobs_runnable_idx ON queue_jobs (queue, run_at) WHERE state IN ('waiting', 'active');
