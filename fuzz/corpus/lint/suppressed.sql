SET lock_timeout = '5s';
-- The column has been unused since release 41 (ticket 1234).
-- pgproof:ignore drop-column
ALTER TABLE customers DROP COLUMN email;
DROP TABLE legacy_imports; -- pgproof:ignore drop-table
TRUNCATE clients;
