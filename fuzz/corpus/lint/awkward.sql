-- The awkward tables every pgproof test round-trips: odd identifiers, empty and zero-column tables,
-- dropped and generated columns, partitions (range, and hash on an enum, which pg_dump loads via the
-- partition root), inheritance, unlogged tables, sequences, large objects and hard values.
SET client_min_messages = warning;

CREATE SCHEMA "Ünïcode Schema";
CREATE TABLE "Ünïcode Schema"."Täble ""quoted"" Name" (id int PRIMARY KEY, "Mixed Case" text, "ключ" text);
INSERT INTO "Ünïcode Schema"."Täble ""quoted"" Name" VALUES (1, 'a b', 'значение'), (2, 'C"D', 'ü');

CREATE TABLE empty_table (id int, note text);
CREATE TABLE zero_columns ();
INSERT INTO zero_columns DEFAULT VALUES;
INSERT INTO zero_columns DEFAULT VALUES;
INSERT INTO zero_columns DEFAULT VALUES;

CREATE TABLE dropped_and_generated (id int, gone text, keep text, twice int GENERATED ALWAYS AS (id * 2) STORED);
INSERT INTO dropped_and_generated (id, gone, keep) SELECT g, 'x' || g, 'k' || g FROM generate_series(1, 50) g;
ALTER TABLE dropped_and_generated DROP COLUMN gone;

CREATE TABLE measurements (id int, taken date NOT NULL, value numeric) PARTITION BY RANGE (taken);
CREATE TABLE measurements_2025 PARTITION OF measurements FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
CREATE TABLE measurements_2026 PARTITION OF measurements FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
INSERT INTO measurements SELECT g, DATE '2025-06-01' + g, g * 1.5 FROM generate_series(1, 400) g;

CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TABLE moods (m mood, n int) PARTITION BY HASH (m);
CREATE TABLE moods_0 PARTITION OF moods FOR VALUES WITH (MODULUS 2, REMAINDER 0);
CREATE TABLE moods_1 PARTITION OF moods FOR VALUES WITH (MODULUS 2, REMAINDER 1);
INSERT INTO moods SELECT (ARRAY['sad','ok','happy']::mood[])[1 + g % 3], g FROM generate_series(1, 30) g;

CREATE TABLE vehicles (id serial PRIMARY KEY, name text);
CREATE TABLE cars (doors int) INHERITS (vehicles);
INSERT INTO vehicles (name) VALUES ('bike'), ('cart');
INSERT INTO cars (name, doors) VALUES ('sedan', 4), ('coupe', 2);

CREATE UNLOGGED TABLE scratch_unlogged (id int, payload text);
INSERT INTO scratch_unlogged SELECT g, md5(g::text) FROM generate_series(1, 100) g;

CREATE TABLE identity_rows (id bigint GENERATED ALWAYS AS IDENTITY, v text);
INSERT INTO identity_rows (v) SELECT 'v' || g FROM generate_series(1, 7) g;
CREATE SEQUENCE standalone_seq START 100;
SELECT nextval('standalone_seq'), nextval('standalone_seq');

CREATE TABLE hard_values (
  id int PRIMARY KEY, t text, b bytea, j jsonb, n numeric, ts timestamptz, iv interval, f float8,
  arr text[], m money, u uuid, r int4range);
INSERT INTO hard_values VALUES
  (1, E'tab\there', NULL, '{"a": [1, 2, {"b": null}]}', 12345678901234567890.123456789, '2026-01-01 12:00:00+05',
      '1 year 2 mons 3 days 04:05:06.789', 0.1, ARRAY['x', 'y,z', NULL, '"q"'], 12.34, gen_random_uuid(), '[1,10)'),
  (2, E'new\nline', '\x00', '[]', -0.0, '1999-12-31 23:59:59.999999+00', '-1 day', 'NaN', '{}', -1, NULL, 'empty'),
  (3, E'back\\slash', '\xdeadbeef', '"s"', 'NaN', 'infinity', '0', '-Infinity', ARRAY[E'\\N'], 0, NULL, NULL),
  (4, '\N', NULL, 'null', 1e-30, '-infinity', NULL, 1e308, NULL, NULL, NULL, NULL),
  (5, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
  (6, E'carriage\rreturn and \\. and \x01', NULL, '{"k": "\u00fc"}', 1, '2026-11-21 00:00:00+00', '1 mon', 3.141592653589793,
      ARRAY['ü'], 1000000, NULL, '(,)');
INSERT INTO hard_values (id, b) SELECT 7, string_agg(set_byte('\x00'::bytea, 0, g), ''::bytea ORDER BY g) FROM generate_series(0, 255) g;
INSERT INTO hard_values (id, t) VALUES (8, repeat('large row ', 150000));          -- 1.5 MB
INSERT INTO hard_values (id, t) VALUES (9, repeat(md5('x'), 200000));              -- 6.4 MB, larger than a frame
INSERT INTO hard_values (id, t) VALUES (10, E'\\.');                                -- a row that looks like COPY's end marker

CREATE TABLE no_key_duplicates (a int, b text);
INSERT INTO no_key_duplicates VALUES (1, 'same'), (1, 'same'), (2, 'other');

SELECT lo_from_bytea(0, 'large object one'::bytea);
SELECT lo_from_bytea(0, decode(repeat('ab', 100000), 'hex'));
