-- Dangerous: a volatile default rewrites the whole table, SET NOT NULL scans
-- it, both under ACCESS EXCLUSIVE, and CONCURRENTLY fails inside BEGIN.
BEGIN;
SET LOCAL lock_timeout = '5s';
ALTER TABLE orders ADD COLUMN tracking_id uuid DEFAULT gen_random_uuid();
ALTER TABLE orders ALTER COLUMN total SET NOT NULL;
CREATE INDEX CONCURRENTLY orders_tracking_id_idx ON orders (tracking_id);
COMMIT;
