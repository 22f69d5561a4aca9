-- Safe: the index is built concurrently, outside a transaction block, and
-- IF NOT EXISTS makes a retry harmless.
SET lock_timeout = '5s';
ALTER TABLE orders ADD COLUMN tags text[] NOT NULL DEFAULT '{}';
CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_tags_idx ON orders USING gin (tags);
