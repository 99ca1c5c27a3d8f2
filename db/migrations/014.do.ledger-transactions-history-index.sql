-- Provenance history reads (GET /v1/items/{id}/history, /dossier) join each item event to its transaction for the
-- payload hash and the actor only. This covering index answers that join with an index-only scan: the large heap of
-- ledger_transactions (which holds every payload) is not read on the hot path, so far fewer random pages per history.
-- (The projection tables are insert-only, so autovacuum keeps the visibility map set for all but the newest pages.)
CREATE INDEX IF NOT EXISTS ledger_transactions_history_idx ON ledger_transactions (tx_id) INCLUDE (payload_sha256, actor);
