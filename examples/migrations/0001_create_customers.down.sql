DROP TABLE customers;
SET lock_timeout = '5s';
