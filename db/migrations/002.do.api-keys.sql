-- API keys: only the SHA-256 of the key is stored. A key is bound to one role and, except for customs, to one
-- enterprise. Revocation is a timestamp so that an audit can still tell which key made a past request.
CREATE TABLE IF NOT EXISTS api_keys (
    id             uuid        PRIMARY KEY,
    key_sha256     bytea       NOT NULL UNIQUE CHECK (octet_length(key_sha256) = 32),
    role           text        NOT NULL CHECK (role IN ('customs', 'operator', 'enterprise')),
    enterprise_id  text        REFERENCES enterprises (id),
    label          text        NOT NULL CHECK (char_length(label) BETWEEN 1 AND 100),
    created_at     timestamptz NOT NULL DEFAULT now(),
    revoked_at     timestamptz,
    CHECK ((role = 'customs') = (enterprise_id IS NULL))
);
CREATE INDEX IF NOT EXISTS api_keys_enterprise_id_idx ON api_keys (enterprise_id);
