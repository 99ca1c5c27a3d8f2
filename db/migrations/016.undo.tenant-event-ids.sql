-- Back to globally unique event ids. Fails (and changes nothing) while two owners share an eventID in capture_events
-- or two chain transactions share one in epcis_events: which of the two to forget is not a migration's decision.
DROP INDEX IF EXISTS epcis_events_event_id_idx;
ALTER TABLE epcis_events DROP CONSTRAINT IF EXISTS epcis_events_pkey;
CREATE UNIQUE INDEX IF NOT EXISTS epcis_events_order_idx ON epcis_events (block_number, tx_seq, event_seq);
ALTER TABLE epcis_events ADD CONSTRAINT epcis_events_pkey PRIMARY KEY (event_id);

ALTER TABLE capture_events DROP CONSTRAINT IF EXISTS capture_events_pkey;
ALTER TABLE capture_events ADD CONSTRAINT capture_events_pkey PRIMARY KEY (event_id);
ALTER TABLE capture_events DROP COLUMN IF EXISTS owner_scope;
