DROP INDEX IF EXISTS container_members_contents_idx;
