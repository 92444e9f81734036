#!/usr/bin/env bash
# Two pgproof binaries side by side (a release against the change), on one dataset, K rounds with the
# binaries alternating within each round: backup, snapshot, verify, and a verified restore
# (`restore A --db NEW --jobs 2` of the binary's own archive into a fresh database each round; the
# createdb and dropdb are not timed). Prints medians and new/old ratios.
#   bench/ab.sh --old BIN --new BIN [--scale N] [--runs K] [--tables N]
# --tables N adds N small tables (100 rows each) to the pgbench dataset (per-table cost).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
OLD="" NEW="" SCALE=20 RUNS=3 TABLES=0
while [ $# -gt 0 ]; do
  case "$1" in
    --old) OLD=$2; shift 2;; --new) NEW=$2; shift 2;; --scale) SCALE=$2; shift 2;;
    --runs) RUNS=$2; shift 2;; --tables) TABLES=$2; shift 2;;
    *) echo "usage: $0 --old BIN --new BIN [--scale N] [--runs K] [--tables N]" >&2; exit 2;;
  esac
done
[ -x "$OLD" ] && [ -x "$NEW" ] || { echo "$0: --old and --new must name pgproof binaries" >&2; exit 2; }
bench_work pgproof-ab
W=$WORK
cluster_up
createdb ab
/usr/lib/postgresql/15/bin/pgbench -q -i -s "$SCALE" ab >/dev/null 2>&1
if [ "$TABLES" -gt 0 ]; then
  psql -q -X -d ab -v ON_ERROR_STOP=1 -c "DO \$\$ BEGIN FOR i IN 1..$TABLES LOOP
    EXECUTE format('CREATE TABLE s%s (id int PRIMARY KEY, v text)', i);
    EXECUTE format('INSERT INTO s%s SELECT g, ''v'' || g FROM generate_series(1, 100) g', i); END LOOP; END \$\$;" >/dev/null
fi
for r in $(seq "$RUNS"); do
  for v in old new; do
    bin=$OLD; [ $v = new ] && bin=$NEW
    rm -f "$W/$v.sql.zst" "$W/$v.json"
    timeit "backup-$v" "$bin backup -q -o $W/$v.sql.zst --db ab"
    timeit "snapshot-$v" "$bin snapshot -q --jobs 2 -o $W/$v.json --db ab"
    timeit "verify-$v" "$bin verify -q --jobs 2 --baseline $W/$v.json --db ab"
    createdb "ab_restore_$v"
    timeit "restore-$v" "$bin restore -q $W/$v.sql.zst --db dbname=ab_restore_$v --jobs 2"
    dropdb "ab_restore_$v"
  done
done
echo "| pgbench scale $SCALE + $TABLES small tables, $RUNS rounds | old median s | new median s | new/old | old rounds | new rounds |"
echo "|---|---:|---:|---:|---|---|"
for c in backup snapshot verify restore; do
  o=$(median "$c-old") n=$(median "$c-new")
  echo "| $c | $o | $n | $(ratio "$n" "$o" 3) | $(series "$c-old") | $(series "$c-new") |"
done
