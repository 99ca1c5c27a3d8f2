ALTER TABLE known_gtins DROP COLUMN IF EXISTS company_prefix_digits;
