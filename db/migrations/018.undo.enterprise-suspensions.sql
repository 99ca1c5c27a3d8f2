-- Forgets the gateway's copy of suspensions (the chain keeps its own record); suspended enterprises' keys work again.
DROP TABLE IF EXISTS enterprise_suspensions;
