-- Suspensions customs decided through the gateway (issue 13 Must 5). The chain holds the authoritative record
-- (customs:SuspendEnterprise); this row is what the gateway needs on every request without asking the chain: whether
-- the enterprise's API keys still work (a standing suspension from `effective_at` on refuses them), and whether its
-- certificate was revoked at its CA (`cert_revocation`: 'pending' until the CA answered, then 'done'; 'none' when the
-- gateway holds no identity of it). One row per enterprise; a new suspension after a reinstatement replaces it.
CREATE TABLE IF NOT EXISTS enterprise_suspensions (
    enterprise_id       text        PRIMARY KEY REFERENCES enterprises (id),
    reason              text        NOT NULL CHECK (char_length(reason) BETWEEN 1 AND 200),
    effective_at        timestamptz NOT NULL,
    suspended_at        timestamptz NOT NULL DEFAULT now(),
    reinstated_at       timestamptz,
    cert_revocation     text        NOT NULL DEFAULT 'pending' CHECK (cert_revocation IN ('none', 'pending', 'done')),
    cert_revocation_error text      CHECK (char_length(cert_revocation_error) <= 500),
    revocation_attempts integer     NOT NULL DEFAULT 0,
    -- Set at reinstatement when the certificate was revoked: the enterprise needs a new enrollment to sign again.
    needs_reenrollment  boolean     NOT NULL DEFAULT false
);
-- The retry sweep reads standing suspensions whose certificate revocation is still pending.
CREATE INDEX IF NOT EXISTS enterprise_suspensions_pending_idx ON enterprise_suspensions (suspended_at)
    WHERE cert_revocation = 'pending';
