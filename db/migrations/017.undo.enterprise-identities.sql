-- Forgets every issued identity (and the encrypted keys): the enterprises would have to be enrolled again.
DROP TABLE IF EXISTS enterprise_identities;
