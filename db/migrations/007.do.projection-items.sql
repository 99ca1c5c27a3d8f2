-- Projection of the chain (issue 5 item 5): every item as the last LedgerEvent left it, and which enterprises held
-- it or were sent it (provenance access). Rows are written by gateway/src/projection in the same database
-- transaction as projection_checkpoint, so they never run ahead of or behind the checkpoint.
CREATE TABLE IF NOT EXISTS items (
    sgtin            text        PRIMARY KEY,
    trace_code       text        UNIQUE,
    gtin             text        NOT NULL,
    status           text        NOT NULL,
    holder           text        NOT NULL,
    location         text        NOT NULL,
    regime           text        NOT NULL,
    held             boolean     NOT NULL DEFAULT false,
    last_tx_id       text        NOT NULL,
    last_block       bigint      NOT NULL,
    -- Position of last_tx_id among the chaincode events of last_block: a replay never moves an item backwards.
    last_tx_seq      integer     NOT NULL,
    last_event_time  timestamptz NOT NULL,
    record           jsonb       NOT NULL
);
CREATE INDEX IF NOT EXISTS items_holder_location_status_idx ON items (holder, location, status);
CREATE INDEX IF NOT EXISTS items_gtin_idx ON items (gtin);

-- Enterprises that held an item or were its shipment's receiver: an enterprise may read such an item's provenance.
CREATE TABLE IF NOT EXISTS item_parties (
    sgtin       text NOT NULL,
    enterprise  text NOT NULL,
    PRIMARY KEY (sgtin, enterprise)
);
CREATE INDEX IF NOT EXISTS item_parties_enterprise_idx ON item_parties (enterprise, sgtin);
