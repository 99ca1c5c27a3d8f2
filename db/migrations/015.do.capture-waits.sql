-- Captures wait out a ledger (or database) outage instead of using up queue attempts (issue 12 item 1): the capture
-- job records each wait here, so that its backoff grows across runs, the status route can say what it waits for,
-- and the resume sweep can find captures whose job was lost or parked by the queue machinery (a stalled worker)
-- rather than by the capture job itself (state 'parked', park_reason naming the cause).
ALTER TABLE captures
    ADD COLUMN IF NOT EXISTS waits         integer     NOT NULL DEFAULT 0,
    ADD COLUMN IF NOT EXISTS wait_reason   text,
    ADD COLUMN IF NOT EXISTS waiting_since timestamptz,
    ADD COLUMN IF NOT EXISTS retry_at      timestamptz;
-- The resume sweep walks unfinished captures (parked ones too) in arrival order.
DROP INDEX IF EXISTS captures_unfinished_idx;
CREATE INDEX captures_unfinished_idx ON captures (received_at, id) WHERE state IN ('accepted', 'processing', 'parked');
