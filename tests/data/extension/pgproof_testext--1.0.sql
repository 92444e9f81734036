-- CREATE EXTENSION inserts 1,000 built-in rows; pg_dump dumps only the rows users add.
CREATE TABLE testext_config (id integer PRIMARY KEY, name text NOT NULL, builtin boolean NOT NULL DEFAULT false);
INSERT INTO testext_config SELECT g, 'builtin ' || g, true FROM generate_series(1, 1000) g;
SELECT pg_catalog.pg_extension_config_dump('testext_config', 'WHERE NOT builtin');
