-- Event identity is scoped by tenant (issue 12 item 4). An EPCIS eventID is chosen by its sender, so one tenant's id
-- must neither shadow nor reveal another's event:
-- * capture_events: an event is a duplicate only of an event the same owner captured before. The owner scope is
--   `<msp id>\n<enterprise id or empty>` of the capture's owner (customs and other enterprise-less callers are scoped
--   by their MSP alone), the same string the capture id is derived from.
-- * epcis_events (the projection): the chain is the authority, and two transactions may carry the same eventID (two
--   tenants, through capture or the step routes). Each row is keyed by its chain position instead; event_id stays
--   indexed for lookups.
ALTER TABLE capture_events ADD COLUMN IF NOT EXISTS owner_scope text;
UPDATE capture_events e SET owner_scope = c.msp_id || E'\n' || coalesce(c.enterprise_id, '')
FROM captures c WHERE c.id = e.capture_id AND e.owner_scope IS NULL;
ALTER TABLE capture_events ALTER COLUMN owner_scope SET NOT NULL;
ALTER TABLE capture_events DROP CONSTRAINT IF EXISTS capture_events_pkey;
ALTER TABLE capture_events ADD CONSTRAINT capture_events_pkey PRIMARY KEY (owner_scope, event_id);

ALTER TABLE epcis_events DROP CONSTRAINT IF EXISTS epcis_events_pkey;
-- The chain-order index (unique since 009) becomes the key: no second index to maintain.
ALTER TABLE epcis_events ADD CONSTRAINT epcis_events_pkey PRIMARY KEY USING INDEX epcis_events_order_idx;
CREATE INDEX IF NOT EXISTS epcis_events_event_id_idx ON epcis_events (event_id);
