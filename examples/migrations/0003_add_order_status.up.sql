-- Safe on PostgreSQL 11+: a constant default is stored in the catalog, so no
-- rewrite; lock_timeout bounds the brief ACCESS EXCLUSIVE lock.
SET lock_timeout = '5s';
ALTER TABLE orders ADD COLUMN status text NOT NULL DEFAULT 'new';
