#!/usr/bin/env bash
# Per-table cost: a database of many small tables (default 3,000 tables of 100 rows), pgproof backup
# against `pg_dump | zstd -T0 -3` and pgproof restore against `zstd -dc | psql`, K rounds, tools
# alternating within each round; prints medians and ratios as a markdown table. Also times pgproof
# snapshot and verify (against the backup). The cluster has the server's default lock table
# (max_locks_per_transaction 64, max_connections 100): with --tables 8000 every command must still work,
# as pg_dump does. --no-restore skips the restores (slow with thousands of tables).
#   bench/many-tables.sh [--tables N] [--rows N] [--runs K] [--pgproof PATH] [--no-restore]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
TABLES=3000 ROWS=100 RUNS=3 PGPROOF="" RESTORE=1
while [ $# -gt 0 ]; do
  case "$1" in
    --tables) TABLES=$2; shift 2;;
    --rows) ROWS=$2; shift 2;;
    --runs) RUNS=$2; shift 2;;
    --pgproof) PGPROOF=$2; shift 2;;
    --no-restore) RESTORE=0; shift;;
    *) echo "usage: $0 [--tables N] [--rows N] [--runs K] [--pgproof PATH] [--no-restore]" >&2; exit 2;;
  esac
done
if [ -z "$PGPROOF" ]; then "$root/scripts/install-deps.sh"; PGPROOF="$root/$("$root/scripts/build.sh")/cli/pgproof"; fi
bench_work pgproof-many
W=$WORK
cluster_up
createdb many
psql -q -X -d many -v ON_ERROR_STOP=1 >/dev/null <<SQL
DO \$\$ BEGIN
  FOR i IN 1..$TABLES LOOP
    EXECUTE format('CREATE TABLE t%s (id int PRIMARY KEY, name text, price numeric(10,2), at timestamptz)', i);
    EXECUTE format('INSERT INTO t%s SELECT g, ''item '' || g, g * 1.25, ''2026-01-01''::timestamptz + g * interval ''1 hour'' FROM generate_series(1, $ROWS) g', i);
    IF i % 1000 = 0 THEN COMMIT; END IF;  -- a CREATE TABLE holds its locks to the commit: the lock table is finite
  END LOOP;
END \$\$;
SQL
for r in $(seq "$RUNS"); do
  timeit dumpzstd "pg_dump many | zstd -q -T0 -3 > $W/d.sql.zst"
  rm -f "$W/p.sql.zst"; timeit backup "$PGPROOF backup -q -o $W/p.sql.zst --db many"
  rm -f "$W/s.json"; timeit snapshot "$PGPROOF snapshot -q -o $W/s.json --db many"
  timeit verify "$PGPROOF verify -q --baseline $W/p.sql.zst --db many"
  [ "$RESTORE" = 1 ] || continue
  dropdb --if-exists r1; createdb r1; timeit psql "zstd -dc $W/p.sql.zst | psql -q -X -d r1"
  dropdb --if-exists r2; createdb r2; timeit restore "$PGPROOF restore -q $W/p.sql.zst --db r2 --jobs 2"
  dropdb --if-exists r3; createdb r3; timeit noverify "$PGPROOF restore -q $W/p.sql.zst --db r3 --jobs 2 --no-verify"
done
b=$(median dumpzstd) p=$(median backup) sn=$(median snapshot) v=$(median verify)
echo "| $TABLES tables x $ROWS rows, $RUNS rounds | median s | ratio | all rounds |"
echo "|---|---:|---:|---|"
echo "| pg_dump \| zstd -T0 -3 | $b | 1.00x | $(series dumpzstd) |"
echo "| pgproof backup | $p | $(ratio "$p" "$b") | $(series backup) |"
echo "| pgproof snapshot | $sn | $(ratio "$sn" "$b") | $(series snapshot) |"
echo "| pgproof verify --baseline backup | $v | $(ratio "$v" "$b") | $(series verify) |"
[ "$RESTORE" = 1 ] || exit 0
z=$(median psql) rv=$(median restore) rn=$(median noverify)
echo "| zstd -dc \| psql | $z | 1.00x | $(series psql) |"
echo "| pgproof restore --jobs 2 | $rv | $(ratio "$rv" "$z") | $(series restore) |"
echo "| pgproof restore --jobs 2 --no-verify | $rn | $(ratio "$rn" "$z") | $(series noverify) |"
