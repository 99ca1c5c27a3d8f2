-- Cases and pallets in the projection (issue 15 Must 3, issue 16 Must 1). A container move on the chain writes the
-- container's key alone, and so does the projection: one container_state row and one container_events row per
-- moved container, never a row per item inside. An item's effective holder/location/status is read through its open
-- membership up to the top container (the chain's rule: domain/containers.ts effectiveItem).

-- A container as the last transaction of the projection left it (the chain's container record, whole in `record`).
CREATE TABLE IF NOT EXISTS container_state (
    container_id  text        PRIMARY KEY,
    holder        text        NOT NULL,
    location      text        NOT NULL,
    status        text        NOT NULL,
    -- The container this one is packed in (a case on a pallet); NULL: top-level.
    parent        text,
    last_tx_id    text        NOT NULL,
    last_block    bigint      NOT NULL,
    last_tx_seq   integer     NOT NULL,
    record        jsonb       NOT NULL
);

-- Who was packed in which container, and when: an item or a case (member) in a container from the pack until
-- the unpack (to_* NULL while it is inside). One row per pack; closed by the unpack.
CREATE TABLE IF NOT EXISTS container_members (
    member        text        NOT NULL,
    container_id  text        NOT NULL,
    from_tx_id    text        NOT NULL,
    from_block    bigint      NOT NULL,
    from_tx_seq   integer     NOT NULL,
    from_time     timestamptz NOT NULL,
    to_tx_id      text,
    to_block      bigint,
    to_tx_seq     integer,
    to_time       timestamptz,
    PRIMARY KEY (member, from_block, from_tx_seq)
);
-- The open membership of a member (at most one): the overlay's first step.
CREATE INDEX IF NOT EXISTS container_members_open_idx ON container_members (member) WHERE to_tx_id IS NULL;

-- One row per container move (shipment, receipt, a case put on or taken off a pallet), not per item inside.
CREATE TABLE IF NOT EXISTS container_events (
    container_id  text        NOT NULL,
    tx_id         text        NOT NULL,
    block_number  bigint      NOT NULL,
    tx_seq        integer     NOT NULL,
    type          text        NOT NULL,
    event_time    timestamptz NOT NULL,
    -- The container as the move left it.
    record        jsonb       NOT NULL,
    PRIMARY KEY (container_id, block_number, tx_seq)
);
