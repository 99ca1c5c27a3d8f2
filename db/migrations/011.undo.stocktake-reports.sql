DROP TABLE IF EXISTS stocktake_reports;
