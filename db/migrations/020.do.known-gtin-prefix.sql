-- How many digits the GS1 company prefix of each declared GTIN has, as its entry's SGTIN URNs split it (issue 15
-- Must 2): an item named by a GS1 Digital Link (GTIN + serial, no split) is turned into the SGTIN URN the chain keys it
-- by with this length. NULL for GTINs declared before this column (the projection's items give their split).
ALTER TABLE known_gtins ADD COLUMN company_prefix_digits smallint CHECK (company_prefix_digits BETWEEN 6 AND 12);
