-- Where each projection of chain events resumes: the last block and transaction it applied (in the same database
-- transaction as the projected rows, so a crash never skips or double-applies an event).
CREATE TABLE IF NOT EXISTS projection_checkpoint (
    name          text        PRIMARY KEY,
    block_number  bigint      NOT NULL CHECK (block_number >= 0),
    tx_id         text,
    updated_at    timestamptz NOT NULL DEFAULT now()
);
