DROP INDEX IF EXISTS ledger_transactions_write_off_idx;
