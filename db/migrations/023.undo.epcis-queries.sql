DROP INDEX IF EXISTS epcis_events_biz_location_idx;
DROP INDEX IF EXISTS epcis_events_event_time_idx;
DROP TABLE IF EXISTS epcis_subscriptions;
DROP TABLE IF EXISTS epcis_named_queries;
