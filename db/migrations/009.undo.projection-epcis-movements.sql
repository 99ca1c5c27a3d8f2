DROP TABLE IF EXISTS account_movements;
DROP TABLE IF EXISTS epcis_events;
