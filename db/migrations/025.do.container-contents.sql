-- What is inside a container now, by member (GET /v1/containers/{id} pages through its items): the open memberships
-- of one container in member order, so a page of a pallet's contents reads its rows alone, not every membership.
CREATE INDEX IF NOT EXISTS container_members_contents_idx ON container_members (container_id, member) WHERE to_tx_id IS NULL;
