DROP INDEX IF EXISTS ledger_transactions_period_close_idx;
DROP TABLE IF EXISTS account_reconciliations;
