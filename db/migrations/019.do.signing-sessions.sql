-- Bring-your-own-key signing sessions (issue 13 Must 4): a transaction an enterprise signs itself. The gateway keeps
-- the proposal it prepared and then the endorsed transaction, hands out their digests, and takes back the enterprise's
-- signatures; it never holds the enterprise's key. A session ends committed (with the chaincode's result and block)
-- or failed (with the ledger's code), or expires unsigned.
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
    expires_at          timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS signing_sessions_expiry_idx ON signing_sessions (expires_at);
