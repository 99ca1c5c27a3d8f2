DROP TABLE IF EXISTS signing_sessions;
