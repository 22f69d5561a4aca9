SET lock_timeout = '5s';
-- Dropping the column drops its index too. (golang-migrate sends this file as one query, which
-- PostgreSQL runs as one transaction: DROP INDEX CONCURRENTLY would fail here.)
ALTER TABLE orders DROP COLUMN tracking_id;
