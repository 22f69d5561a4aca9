SET lock_timeout = '5s';
DROP INDEX CONCURRENTLY IF EXISTS orders_tracking_id_idx;
ALTER TABLE orders DROP COLUMN tracking_id;
