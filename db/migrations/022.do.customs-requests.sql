-- Projection of the chain: enterprises' requests to customs and customs' answers (一呼一应, issue 18 Must 5), one row
-- per request as its last transaction left it (the whole chaincode record in `record`). The chain holds the
-- authoritative record (requests:FileRequest / AnswerRequest); a rebuild truncates this table with the projection.
-- Overdue is a read-time question: status OPEN and due_at before now.
CREATE TABLE IF NOT EXISTS customs_requests (
    request_id   text        PRIMARY KEY,
    enterprise   text        NOT NULL,
    kind         text        NOT NULL,
    status       text        NOT NULL,
    filed_at     timestamptz NOT NULL,
    due_at       timestamptz NOT NULL,
    answered_at  timestamptz,
    closed_at    timestamptz,
    last_tx_id   text        NOT NULL,
    last_block   bigint      NOT NULL,
    last_tx_seq  integer     NOT NULL,
    record       jsonb       NOT NULL
);
-- GET /v1/requests pages in filing order (filed_at, request_id), for one party or all (customs), by status.
CREATE INDEX IF NOT EXISTS customs_requests_party_idx ON customs_requests (enterprise, status, filed_at, request_id);
CREATE INDEX IF NOT EXISTS customs_requests_status_idx ON customs_requests (status, filed_at, request_id);
