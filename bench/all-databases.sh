#!/usr/bin/env bash
# A whole server: `pgproof backup --all-databases --check` of N small databases (default 20, each a few
# tables of R rows) into a repository, against the shell loop people write today: `pg_dump DB | zstd -3`
# per database plus `pg_dumpall -g` (roles, tablespaces). K rounds, the two alternating within a round;
# prints medians and ratios as a markdown table. pgproof's figure includes proving every archive (--check)
# and writing each one's history, which the loop does not do.
#   bench/all-databases.sh [--databases N] [--rows R] [--runs K] [--pgproof PATH]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
DATABASES=20 ROWS=20000 RUNS=3 PGPROOF=""
while [ $# -gt 0 ]; do
  case "$1" in
    --databases) DATABASES=$2; shift 2;;
    --rows) ROWS=$2; shift 2;;
    --runs) RUNS=$2; shift 2;;
    --pgproof) PGPROOF=$2; shift 2;;
    *) echo "usage: $0 [--databases N] [--rows R] [--runs K] [--pgproof PATH]" >&2; exit 2;;
  esac
done
if [ -z "$PGPROOF" ]; then "$root/scripts/install-deps.sh"; PGPROOF="$root/$("$root/scripts/build.sh")/cli/pgproof"; fi
bench_work pgproof-alldb
W=$WORK
cluster_up
for i in $(seq "$DATABASES"); do
  createdb "app$i"
  psql -q -X -d "app$i" -v ON_ERROR_STOP=1 >/dev/null <<SQL
CREATE TABLE customers (id int PRIMARY KEY, name text, email text);
CREATE TABLE orders (id bigint PRIMARY KEY, customer int REFERENCES customers, total numeric(12,2), at timestamptz);
CREATE TABLE events (id bigserial PRIMARY KEY, kind text, payload jsonb);
INSERT INTO customers SELECT g, 'customer ' || g, 'c' || g || '@example.com' FROM generate_series(1, $ROWS / 10) g;
INSERT INTO orders SELECT g, 1 + g % ($ROWS / 10), g * 0.37, '2026-01-01'::timestamptz + g * interval '1 minute' FROM generate_series(1, $ROWS) g;
INSERT INTO events (kind, payload) SELECT 'k' || g % 7, jsonb_build_object('n', g, 'tag', 't' || g % 13) FROM generate_series(1, $ROWS) g;
SQL
done
dbs=$(psql -X -At -d postgres -c "SELECT datname FROM pg_database WHERE datallowconn AND NOT datistemplate AND datname <> 'postgres' ORDER BY 1" | tr '\n' ' ')
for r in $(seq "$RUNS"); do
  rm -rf "$W/loop"; mkdir -p "$W/loop"
  timeit loop "pg_dumpall -g | zstd -q -3 > $W/loop/globals.sql.zst; for d in $dbs; do pg_dump \$d | zstd -q -3 > $W/loop/\$d.sql.zst; done"
  rm -rf "$W/repo"
  timeit pgproof "$PGPROOF backup -q --all-databases --repo $W/repo --exclude-database postgres --check"
  rm -rf "$W/repo"
  timeit nocheck "$PGPROOF backup -q --all-databases --repo $W/repo --exclude-database postgres"
done
size_loop=$(du -sb "$W/loop" | cut -f1) size_repo=$(du -sb --exclude='*.jsonl' "$W/repo" | cut -f1)
l=$(median loop) p=$(median pgproof) n=$(median nocheck)
echo "| $DATABASES databases x 3 tables ($ROWS rows each in two), $RUNS rounds | median s | ratio | all rounds | peak RSS |"
echo "|---|---:|---:|---|---:|"
echo "| pg_dumpall -g, then pg_dump DB \| zstd -3 per database | $l | 1.00x | $(series loop) | $(kb_to_mb "$(peak_kb loop)") MB |"
echo "| pgproof backup --all-databases | $n | $(ratio "$n" "$l") | $(series nocheck) | $(kb_to_mb "$(peak_kb nocheck)") MB |"
echo "| pgproof backup --all-databases --check | $p | $(ratio "$p" "$l") | $(series pgproof) | $(kb_to_mb "$(peak_kb pgproof)") MB |"
echo
echo "bytes written: loop $(mb "$size_loop"), pgproof $(mb "$size_repo") (archives carry their manifests)"
