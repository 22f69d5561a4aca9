DROP INDEX CONCURRENTLY IF EXISTS orders_tags_idx;
SET lock_timeout = '5s';
ALTER TABLE orders DROP COLUMN tags;
