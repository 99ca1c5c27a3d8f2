DROP TABLE IF EXISTS projection_checkpoint;
