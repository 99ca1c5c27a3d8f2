-- Projection of the chain: EPCIS 2.0 events for the EPCIS query subset (GET /v1/events), and account movements
-- (one enterprise, one account).
CREATE TABLE IF NOT EXISTS epcis_events (
    event_id      text        PRIMARY KEY,
    tx_id         text        NOT NULL,
    block_number  bigint      NOT NULL,
    tx_seq        integer     NOT NULL,
    -- Position of the event inside its transaction's EPCIS events.
    event_seq     integer     NOT NULL,
    event_time    timestamptz NOT NULL,
    biz_step      text,
    biz_location  text,
    epcs          text[]      NOT NULL,
    event         jsonb       NOT NULL
);
CREATE INDEX IF NOT EXISTS epcis_events_epcs_idx ON epcis_events USING gin (epcs);
-- Chain order: the keyset of GET /v1/events pagination.
CREATE UNIQUE INDEX IF NOT EXISTS epcis_events_order_idx ON epcis_events (block_number, tx_seq, event_seq);
CREATE INDEX IF NOT EXISTS epcis_events_tx_idx ON epcis_events (tx_id);

CREATE TABLE IF NOT EXISTS account_movements (
    enterprise  text        NOT NULL,
    gtin        text        NOT NULL,
    regime      text        NOT NULL,
    location    text        NOT NULL,
    tx_id       text        NOT NULL,
    qty         integer     NOT NULL,
    event_type  text        NOT NULL,
    event_time  timestamptz NOT NULL,
    period      text        NOT NULL,
    PRIMARY KEY (enterprise, gtin, regime, location, tx_id)
);
