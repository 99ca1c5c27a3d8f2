-- The gateway-side directory of enterprises that customs registered through the API: who they are, which roles
-- their keys may take, and which Fabric MSP signs their transactions. The ledger keeps its own register.
CREATE TABLE IF NOT EXISTS enterprises (
    id          text        PRIMARY KEY
                CHECK (id ~ '^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$'),
    name        text        NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    roles       text[]      NOT NULL CHECK (cardinality(roles) BETWEEN 1 AND 2
                                            AND roles <@ ARRAY['operator', 'enterprise']::text[]),
    msp_id      text        NOT NULL CHECK (char_length(msp_id) BETWEEN 1 AND 100),
    created_at  timestamptz NOT NULL DEFAULT now()
);
