-- Dangerous: deletes data that running code may still read.
SET lock_timeout = '5s';
ALTER TABLE customers DROP COLUMN legacy_code;
DELETE FROM orders;
