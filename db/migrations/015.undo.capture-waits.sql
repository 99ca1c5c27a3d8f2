DROP INDEX IF EXISTS captures_unfinished_idx;
CREATE INDEX captures_unfinished_idx ON captures (received_at) WHERE state IN ('accepted', 'processing');
ALTER TABLE captures DROP COLUMN IF EXISTS waits, DROP COLUMN IF EXISTS wait_reason, DROP COLUMN IF EXISTS waiting_since,
    DROP COLUMN IF EXISTS retry_at;
