-- One enterprise, one account (issue 5 item 7): every reconciliation of an enterprise's ERP figures against its
-- book as the projection holds it, stored as answered (variances with the events behind them), so that the
-- enterprise and customs can read it back later by id.
CREATE TABLE IF NOT EXISTS account_reconciliations (
    id                 uuid        PRIMARY KEY,
    enterprise         text        NOT NULL,
    -- The instant the book was taken at: movements with event_time <= as_of.
    as_of              timestamptz NOT NULL,
    -- Projection position the ledger figures reflect (null: the projection had applied nothing yet).
    projection_block   bigint,
    projection_tx_id   text,
    -- API key that asked for it (not a foreign key: revoking or deleting a key keeps its reconciliations).
    created_by_key     text        NOT NULL,
    erp_lines          integer     NOT NULL CHECK (erp_lines >= 0),
    variances          integer     NOT NULL CHECK (variances >= 0),
    -- The whole answer (summary, variances, events), exactly as first returned.
    result             jsonb       NOT NULL,
    created_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS account_reconciliations_enterprise_created_idx ON account_reconciliations (enterprise, created_at);

-- Closed account periods of one enterprise, read from the projected PERIOD_CLOSE transactions (their payload holds
-- the period record): a partial index keeps that read to the enterprise's own closes.
CREATE INDEX IF NOT EXISTS ledger_transactions_period_close_idx
    ON ledger_transactions ((payload #>> '{records,period,enterprise}'), (payload #>> '{records,period,period}'))
    WHERE type = 'PERIOD_CLOSE';
