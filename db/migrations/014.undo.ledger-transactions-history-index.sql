DROP INDEX IF EXISTS ledger_transactions_history_idx;
