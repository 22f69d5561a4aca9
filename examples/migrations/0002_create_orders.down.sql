DROP TABLE orders;
SET lock_timeout = '5s';
