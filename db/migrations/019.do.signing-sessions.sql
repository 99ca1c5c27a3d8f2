-- Bring-your-own-key signing sessions (issue 13 Must 4): a transaction an enterprise signs itself. The gateway keeps
-- the proposal it prepared and then the endorsed transaction, hands out their digests, and takes back the enterprise's
-- signatures; it never holds the enterprise's key. A session ends committed (with the chaincode's result and block)
-- or failed (with the ledger's code), or expires unsigned. A capture sent by such an enterprise gets one session per
-- chunk (transaction) the capture job is ready to submit.
CREATE TABLE IF NOT EXISTS signing_sessions (
    id                  uuid        PRIMARY KEY,
    api_key_id          text        NOT NULL,
    enterprise_id       text        NOT NULL,
    msp_id              text        NOT NULL,
    fn                  text        NOT NULL,
    transaction_id      text        NOT NULL,
    state               text        NOT NULL CHECK (state IN ('proposed', 'endorsed', 'committed', 'failed')),
    proposal            bytea       NOT NULL,
    proposal_digest     bytea       NOT NULL,
    endorsed            bytea,
    endorsed_digest     bytea,
    result              jsonb,
    block_number        bigint,
    error_code          text,
    error               text,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    expires_at          timestamptz NOT NULL,
    -- Set when the session signs a chunk of a capture (the capture job opened it; its commit commits the chunk).
    capture_id          uuid,
    chunk_seq           integer
);
CREATE INDEX IF NOT EXISTS signing_sessions_capture_idx ON signing_sessions (capture_id, chunk_seq, created_at) WHERE capture_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS signing_sessions_expiry_idx ON signing_sessions (expires_at);
