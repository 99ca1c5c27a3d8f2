-- Write-offs (核销) of one enterprise's period, read from the projected WRITE_OFF transactions (their payload holds the
-- write-off record): a partial index keeps the status read to that enterprise and period, like the period closes.
CREATE INDEX IF NOT EXISTS ledger_transactions_write_off_idx
    ON ledger_transactions ((payload #>> '{records,writeOff,enterprise}'), (payload #>> '{records,writeOff,period}'))
    WHERE type = 'WRITE_OFF';
