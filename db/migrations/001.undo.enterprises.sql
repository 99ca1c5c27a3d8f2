DROP TABLE IF EXISTS enterprises;
