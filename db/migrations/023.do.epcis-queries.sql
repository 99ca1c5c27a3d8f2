-- The EPCIS 2.0 query interface (issue 15 Must 6): named queries per owner, their webhook subscriptions with the
-- delivery bookmark, and indexes for the query parameters answered from columns.
-- Owner: '' for customs (one namespace for all customs keys), else the enterprise id (all keys of the enterprise).
CREATE TABLE IF NOT EXISTS epcis_named_queries (
    owner       text        NOT NULL,
    name        text        NOT NULL,
    -- The query object as sent (query-schema.json); parsed again at each use, so one parser decides.
    query       jsonb       NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (owner, name)
);

CREATE TABLE IF NOT EXISTS epcis_subscriptions (
    id                   uuid        PRIMARY KEY,
    owner                text        NOT NULL,
    query_name           text        NOT NULL,
    dest                 text        NOT NULL,
    signature_token      text,
    initial_record_time  timestamptz,
    -- The last event the subscriber acknowledged (chain position); NULL: none yet.
    bookmark_block       bigint,
    bookmark_tx_seq      integer,
    bookmark_event_seq   integer,
    created_at           timestamptz NOT NULL DEFAULT now(),
    last_notified_at     timestamptz,
    -- Delivery state: failures in a row, when to try next, and the lease of the process delivering now.
    attempts             integer     NOT NULL DEFAULT 0,
    next_attempt_at      timestamptz NOT NULL DEFAULT now(),
    lease_token          uuid,
    lease_until          timestamptz,
    active               boolean     NOT NULL DEFAULT true,
    last_error           text,
    FOREIGN KEY (owner, query_name) REFERENCES epcis_named_queries (owner, name) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS epcis_subscriptions_query_idx ON epcis_subscriptions (owner, query_name, id);
CREATE INDEX IF NOT EXISTS epcis_subscriptions_due_idx ON epcis_subscriptions (next_attempt_at) WHERE active;

-- GE_eventTime / LT_eventTime and orderBy=eventTime pages; EQ_bizLocation.
CREATE INDEX IF NOT EXISTS epcis_events_event_time_idx ON epcis_events (event_time, block_number, tx_seq, event_seq);
CREATE INDEX IF NOT EXISTS epcis_events_biz_location_idx ON epcis_events (biz_location);
