DROP TABLE IF EXISTS container_events;
DROP INDEX IF EXISTS container_members_open_idx;
DROP TABLE IF EXISTS container_members;
DROP TABLE IF EXISTS container_state;
