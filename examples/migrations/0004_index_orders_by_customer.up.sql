-- Dangerous: blocks every write to orders for the whole index build, and
-- this migration has no down script.
CREATE INDEX orders_customer_id_idx ON orders (customer_id);
