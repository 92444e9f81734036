-- bench_mixed, the mixed-type table of the bench dataset (the same definition and rows as bench/run.sh's):
-- psql -v lo=1 -v hi=N -f bench/mixed-table.sql creates it if needed and inserts rows lo..hi, deterministic
-- (hashes of the row number, no random()).
CREATE TABLE IF NOT EXISTS bench_mixed (
  id       bigint      NOT NULL,
  label    text        NOT NULL,
  doc      jsonb       NOT NULL,
  amount   numeric(12,2) NOT NULL,
  created  timestamptz NOT NULL,
  payload  bytea       NOT NULL,
  tags     integer[]   NOT NULL,
  words    text[]
);
INSERT INTO bench_mixed
SELECT g,
       substr(md5(g::text), 1, 8),
       jsonb_build_object('k', hashint8(g) & 1023),
       (hashint8(g * 7) & 1048575) / 100.0,
       timestamptz '2020-01-01 00:00:00+00' + g * interval '7 seconds',
       decode(substr(md5(g::text), 9, 8), 'hex'),
       ARRAY[g % 100, hashint8(g * 3) & 65535],
       CASE WHEN g % 4 = 0 THEN ARRAY['w' || (g % 97), 'x' || (g % 13)] END
FROM generate_series(:lo, :hi) AS g;
