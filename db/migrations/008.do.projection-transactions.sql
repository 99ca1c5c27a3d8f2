-- Projection of the chain: every LedgerEvent (one per valid state-changing transaction) and, per item, the
-- transactions that touched it, in chain order (block_number, tx_seq).
CREATE TABLE IF NOT EXISTS ledger_transactions (
    tx_id         text        PRIMARY KEY,
    block_number  bigint      NOT NULL,
    -- Position among the chaincode events of the block (the order the peer delivered them in).
    tx_seq        integer     NOT NULL,
    type          text        NOT NULL,
    event_time    timestamptz NOT NULL,
    record_time   timestamptz NOT NULL,
    actor         jsonb       NOT NULL,
    -- SHA-256 (hex) of the chaincode event payload bytes, as delivered by the peer.
    payload_sha256 text       NOT NULL,
    payload       jsonb       NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS ledger_transactions_block_seq_idx ON ledger_transactions (block_number, tx_seq);

CREATE TABLE IF NOT EXISTS item_events (
    sgtin         text        NOT NULL,
    tx_id         text        NOT NULL,
    block_number  bigint      NOT NULL,
    tx_seq        integer     NOT NULL,
    event_time    timestamptz NOT NULL,
    record_time   timestamptz NOT NULL,
    type          text        NOT NULL,
    epcis         jsonb       NOT NULL,
    item          jsonb       NOT NULL,
    PRIMARY KEY (sgtin, tx_id)
);
CREATE INDEX IF NOT EXISTS item_events_sgtin_order_idx ON item_events (sgtin, block_number, tx_seq);
