-- The report of a closed stocktake and the ledger transaction that attested it (goods:AttestStocktake). Written
-- once, after the chain committed; closing again answers this row.
CREATE TABLE IF NOT EXISTS stocktake_reports (
    stocktake_id  uuid        PRIMARY KEY REFERENCES stocktakes (id) ON DELETE CASCADE,
    merkle_root   text        NOT NULL CHECK (merkle_root ~ '^[0-9a-f]{64}$'),
    tx_id         text        NOT NULL,
    matched       integer     NOT NULL,
    missing       integer     NOT NULL,
    unexpected    integer     NOT NULL,
    report        jsonb       NOT NULL,
    closed_at     timestamptz NOT NULL DEFAULT now()
);
