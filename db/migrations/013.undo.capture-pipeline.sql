DROP TABLE IF EXISTS known_gtins;
DROP TABLE IF EXISTS capture_chunks;
DROP TABLE IF EXISTS capture_events;
DROP TABLE IF EXISTS captures;
CREATE TABLE IF NOT EXISTS captures (
    id           uuid        PRIMARY KEY,
    status       text        NOT NULL DEFAULT 'received'
                 CHECK (status IN ('received', 'submitted', 'committed', 'rejected')),
    received_at  timestamptz NOT NULL DEFAULT now(),
    document     jsonb       NOT NULL,
    errors       jsonb
);
CREATE INDEX IF NOT EXISTS captures_status_received_at_idx ON captures (status, received_at);
