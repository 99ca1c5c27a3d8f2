-- Capture pipeline (issue 5 items 3-4): an accepted EPCIS document becomes a capture, its events (owned by exactly one
-- capture each: re-posting an event changes nothing) and its chunks (the chaincode transactions of <= 1,000 items it
-- was grouped into). All three are written in one database transaction before 202 is answered; a queue job then
-- submits the chunks. A chunk's id is the chaincode submissionId, so a chunk committed just before a crash is
-- recognised on the ledger (DUPLICATE_SUBMISSION) and never committed twice.
DROP TABLE IF EXISTS captures;
CREATE TABLE captures (
    id             uuid        PRIMARY KEY,
    msp_id         text        NOT NULL,
    enterprise_id  text,
    api_key_id     text        NOT NULL,
    received_at    timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    -- accepted: queued; processing: chunks being submitted; done: every chunk committed or refused; parked: the queue
    -- gave up (reason in park_reason) and an operator must look.
    state          text        NOT NULL DEFAULT 'accepted' CHECK (state IN ('accepted', 'processing', 'done', 'parked')),
    event_count    integer     NOT NULL,
    item_count     integer     NOT NULL,
    -- Events of the document that an earlier capture already owns: [{eventID, captureId}].
    duplicates     jsonb       NOT NULL DEFAULT '[]',
    park_reason    text
);
CREATE INDEX captures_unfinished_idx ON captures (received_at) WHERE state IN ('accepted', 'processing');

CREATE TABLE capture_events (
    event_id    text    PRIMARY KEY,
    capture_id  uuid    NOT NULL REFERENCES captures (id),
    seq         integer NOT NULL,
    UNIQUE (capture_id, seq)
);

CREATE TABLE capture_chunks (
    capture_id  uuid    NOT NULL REFERENCES captures (id),
    seq         integer NOT NULL,
    -- Chunks of one wave touch disjoint items and may be submitted side by side; waves run in order.
    wave        integer NOT NULL,
    fn          text    NOT NULL,
    request     jsonb   NOT NULL,
    item_count  integer NOT NULL,
    -- Sequence numbers of the capture events (whole or in part) the chunk carries.
    event_seqs  integer[] NOT NULL,
    state       text    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'committed', 'refused')),
    tx_id       text,
    error_code  text,
    error       text,
    PRIMARY KEY (capture_id, seq)
);
CREATE INDEX capture_chunks_pending_idx ON capture_chunks (capture_id, wave) WHERE state = 'pending';

-- GTINs the gateway has accepted an entry for (the projection's items table covers what is already on the chain):
-- a capture moving items of a GTIN nobody declared is refused at once with UNKNOWN_GTIN.
CREATE TABLE known_gtins (
    gtin        text        PRIMARY KEY,
    first_seen  timestamptz NOT NULL DEFAULT now()
);
