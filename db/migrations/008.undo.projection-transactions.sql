DROP TABLE IF EXISTS item_events;
DROP TABLE IF EXISTS ledger_transactions;
