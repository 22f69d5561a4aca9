-- migrasafe-ignore drop-table, drop-column: reviewed
DROP TABLE t;
-- migrasafe-ignore-file rename-table: ok
-- squawk-ignore ban-drop-column
ALTER TABLE t DROP COLUMN c;
-- migrasafe-ignore
SELECT 1;
