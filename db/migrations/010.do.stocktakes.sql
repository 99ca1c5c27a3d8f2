-- Stocktake sessions (issue 5 item 8): one row per session, the uploaded batches (idempotent by batch id) and the
-- counted set, deduplicated per session by its primary key. Reads are refused once status leaves 'open'.
CREATE TABLE IF NOT EXISTS stocktakes (
    id            uuid        PRIMARY KEY,
    enterprise_id text        NOT NULL,
    location      text        NOT NULL,
    device_ids    text[]      NOT NULL DEFAULT '{}',
    status        text        NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closing', 'closed')),
    unique_items  integer     NOT NULL DEFAULT 0,
    undecodable   integer     NOT NULL DEFAULT 0,
    reads         integer     NOT NULL DEFAULT 0,
    batches       integer     NOT NULL DEFAULT 0,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS stocktakes_enterprise_created_idx ON stocktakes (enterprise_id, created_at);

CREATE TABLE IF NOT EXISTS stocktake_batches (
    stocktake_id  uuid        NOT NULL REFERENCES stocktakes (id) ON DELETE CASCADE,
    batch_id      text        NOT NULL,
    device_id     text        NOT NULL,
    -- SHA-256 of the batch's reads: the same batch id with other reads is refused, not silently answered.
    reads_sha256  text        NOT NULL,
    accepted      integer     NOT NULL,
    unique_after  integer     NOT NULL,
    response      jsonb       NOT NULL,
    received_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (stocktake_id, batch_id)
);

CREATE TABLE IF NOT EXISTS stocktake_reads (
    stocktake_id  uuid        NOT NULL REFERENCES stocktakes (id) ON DELETE CASCADE,
    -- SGTIN URN; for an item the book does not know, the name the read gave it (GS1 Digital Link or 16-digit code).
    sgtin         text        NOT NULL,
    first_seen    timestamptz NOT NULL DEFAULT now(),
    device_id     text        NOT NULL,
    PRIMARY KEY (stocktake_id, sgtin)
);
