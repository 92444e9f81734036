-- Version 1.1 (not the default): CREATE EXTENSION inserts 1,500 built-in rows, so a database created at
-- 1.1 and restored where CREATE EXTENSION installs the default 1.0 differs in its configuration table.
CREATE TABLE testext_config (id integer PRIMARY KEY, name text NOT NULL, builtin boolean NOT NULL DEFAULT false);
INSERT INTO testext_config SELECT g, 'builtin ' || g, true FROM generate_series(1, 1500) g;
SELECT pg_catalog.pg_extension_config_dump('testext_config', 'WHERE NOT builtin');
