-- The X.509 identities the gateway issued to enterprises at onboarding (issue 13): one current identity per
-- enterprise, enrolled with its organisation's Fabric CA. A `managed` identity's private key is kept here encrypted
-- (AES-256-GCM, key id `key_id` names the key-encryption key, the identity id is the additional authenticated data);
-- an `external` identity's key stays with the enterprise (it sent a CSR), so only the certificate is stored.
-- Renewal (reenroll before expiry) replaces certificate and key in place and bumps `version`.
CREATE TABLE IF NOT EXISTS enterprise_identities (
    id              uuid        PRIMARY KEY,
    enterprise_id   text        NOT NULL UNIQUE REFERENCES enterprises (id),
    msp_id          text        NOT NULL CHECK (char_length(msp_id) BETWEEN 1 AND 100),
    enrollment_id   text        NOT NULL CHECK (char_length(enrollment_id) BETWEEN 1 AND 200),
    ca_name         text        NOT NULL CHECK (char_length(ca_name) <= 200),
    kind            text        NOT NULL CHECK (kind IN ('managed', 'external')),
    cert_pem        text        NOT NULL CHECK (char_length(cert_pem) <= 16384),
    cert_serial     text        NOT NULL CHECK (char_length(cert_serial) <= 80),
    not_after       timestamptz NOT NULL,
    key_id          text        CHECK (char_length(key_id) <= 64),
    key_ciphertext  bytea       CHECK (octet_length(key_ciphertext) <= 4096),
    version         integer     NOT NULL DEFAULT 1,
    revoked_at      timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    renewed_at      timestamptz,
    CHECK ((kind = 'managed') = (key_ciphertext IS NOT NULL AND key_id IS NOT NULL))
);
-- The renewal sweep reads the soonest-expiring live managed identities first.
CREATE INDEX IF NOT EXISTS enterprise_identities_renewal_idx ON enterprise_identities (not_after)
    WHERE kind = 'managed' AND revoked_at IS NULL;
