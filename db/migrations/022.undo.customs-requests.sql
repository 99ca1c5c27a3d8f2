DROP TABLE IF EXISTS customs_requests;
