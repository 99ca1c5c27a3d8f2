-- Idempotency-Key records: the first request with a key stores its hash and, once answered, its response; a
-- repeat with the same key and the same request gets the stored response, a repeat with another request is refused.
-- Keys are scoped by the API key that sent them, so two clients cannot collide or read each other's responses.
CREATE TABLE IF NOT EXISTS idempotency_records (
    scope           text        NOT NULL,
    key             text        NOT NULL CHECK (char_length(key) BETWEEN 1 AND 200),
    request_sha256  bytea       NOT NULL,
    status_code     integer,
    response        jsonb,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (scope, key)
);
CREATE INDEX IF NOT EXISTS idempotency_records_created_at_idx ON idempotency_records (created_at);
