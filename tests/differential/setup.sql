-- Fixture schema for the differential test: every statement in
-- statements.sql runs against this, inside BEGIN ... ROLLBACK.
CREATE SCHEMA app;
CREATE TABLE customers (id bigint PRIMARY KEY, email text);
INSERT INTO customers SELECT g, 'c' || g FROM generate_series(1, 100) g;
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint REFERENCES customers (id), total numeric(10, 2),
                     status text, note varchar(20), created_at timestamp, flag int);
INSERT INTO orders SELECT g, 1 + g % 100, g, 'new', 'n', now(), 0 FROM generate_series(1, 1000) g;
CREATE INDEX orders_total_idx ON orders (total);
ALTER TABLE orders ADD CONSTRAINT orders_flag_check CHECK (flag >= 0) NOT VALID;
ALTER TABLE orders ADD CONSTRAINT orders_status_nn CHECK (status IS NOT NULL) NOT VALID;
ALTER TABLE orders VALIDATE CONSTRAINT orders_status_nn;
CREATE TABLE child (id bigint, order_id bigint);
ALTER TABLE child ADD CONSTRAINT child_order_fk FOREIGN KEY (order_id) REFERENCES orders (id);
CREATE TABLE app.events (id bigint, kind text);
INSERT INTO app.events SELECT g, 'k' FROM generate_series(1, 100) g;
CREATE TABLE pt (id int, v text) PARTITION BY RANGE (id);
CREATE TABLE pt_1 PARTITION OF pt FOR VALUES FROM (0) TO (100);
CREATE TABLE pt_2 PARTITION OF pt FOR VALUES FROM (100) TO (200);
CREATE TABLE pt_new (id int, v text);
CREATE TYPE mood AS ENUM ('ok', 'sad');
CREATE MATERIALIZED VIEW order_totals AS SELECT customer_id, count(*) AS n FROM orders GROUP BY 1;
CREATE UNIQUE INDEX order_totals_uk ON order_totals (customer_id);
CREATE VIEW v_orders AS SELECT id, customer_id FROM orders;
CREATE SEQUENCE seq1;
CREATE FUNCTION trg() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER tr0 AFTER INSERT ON orders FOR EACH ROW EXECUTE FUNCTION trg();
CREATE TABLE tagged (id serial PRIMARY KEY, label text);
CREATE TABLE coded (id bigint, code varchar(10) CHECK (code <> ''), label varchar(10), region text);
INSERT INTO coded SELECT g, 'c' || g, 'l', 'r' || g FROM generate_series(1, 100) g;
CREATE UNIQUE INDEX coded_id_key ON coded (id);
CREATE INDEX coded_label_idx ON coded (label);
ALTER TABLE coded ADD CONSTRAINT coded_region_nn CHECK (region IS NOT NULL) NOT VALID;
ALTER TABLE coded VALIDATE CONSTRAINT coded_region_nn;
CREATE UNIQUE INDEX coded_region_key ON coded (region);
