DROP TABLE IF EXISTS stocktake_reads;
DROP TABLE IF EXISTS stocktake_batches;
DROP TABLE IF EXISTS stocktakes;
