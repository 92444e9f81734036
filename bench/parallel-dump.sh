#!/usr/bin/env bash
# backup --jobs N (the parallel dump) against the tools people use today, for each N given:
#   pgproof backup --jobs N --level 3      vs  pg_dump | zstd -T0 -3   and   pg_dump -Fd -j N
# on three databases: one big table (pgbench at --scale, pgbench_accounts), many medium tables (--tables
# tables of --rows rows) and the mixed dataset of large.sh at --mixed-gb (pgbench, TOAST-heavy documents,
# four huge values, 2,000 small tables; lib.sh load_mixed_dataset). K rounds; within a round every N and
# every tool take turns, so a machine busy with something else slows them alike. Prints medians,
# throughput (MB/s of pg_dump's plain script) and ratios as markdown tables. On a bigger machine, give
# the connection counts to compare (--jobs 1,2,4,8): the tables say what more cores buy.
#   bench/parallel-dump.sh [--jobs 1,2] [--datasets big,medium,mixed] [--scale 100] [--tables 24] [--rows 250000]
#                          [--mixed-gb 1] [--runs K] [--pgproof PATH]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
JOBS_LIST=1,2 SCALE=100 TABLES=24 ROWS=250000 RUNS=3 PGPROOF="" DATASETS=big,medium,mixed MIXED_GB=1
while [ $# -gt 0 ]; do
  case "$1" in
    --jobs) JOBS_LIST=$2; shift 2;;
    --scale) SCALE=$2; shift 2;;
    --tables) TABLES=$2; shift 2;;
    --rows) ROWS=$2; shift 2;;
    --datasets) DATASETS=$2; shift 2;;
    --mixed-gb) MIXED_GB=$2; shift 2;;
    --runs) RUNS=$2; shift 2;;
    --pgproof) PGPROOF=$2; shift 2;;
    *) echo "usage: $0 [--jobs 1,2] [--datasets big,medium,mixed] [--scale N] [--tables N] [--rows N] [--mixed-gb G] [--runs K] [--pgproof PATH]" >&2; exit 2;;
  esac
done
IFS=, read -r -a JOBS <<<"$JOBS_LIST"
IFS=, read -r -a DBS <<<"$DATASETS"
for db in "${DBS[@]}"; do
  case $db in big|medium|mixed) ;; *) echo "$0: --datasets takes big, medium and mixed, not '$db'" >&2; exit 2;; esac
done
if [ -z "$PGPROOF" ]; then "$root/scripts/install-deps.sh"; PGPROOF="$root/$("$root/scripts/build.sh")/cli/pgproof"; fi
bench_work pgproof-pardump
W=$WORK
cluster_up

has() { [[ " ${DBS[*]} " == *" $1 "* ]]; }
if has big; then
  log "loading big: pgbench -i -s $SCALE"
  createdb big
  pgbench -i -q -s "$SCALE" big >"$W/logs/pgbench.log" 2>&1
fi
if has medium; then
  log "loading medium: $TABLES tables x $ROWS rows"
  createdb medium
  psql -q -X -d medium -v ON_ERROR_STOP=1 >/dev/null <<SQL
DO \$\$ BEGIN
  FOR i IN 1..$TABLES LOOP
    EXECUTE format('CREATE TABLE m%s (id int PRIMARY KEY, name text, price numeric(10,2), at timestamptz, note text)', i);
    EXECUTE format('INSERT INTO m%s SELECT g, ''item '' || g, g * 1.25, ''2026-01-01''::timestamptz + g * interval ''1 minute'', md5(g::text) FROM generate_series(1, $ROWS) g', i);
    COMMIT;
  END LOOP;
END \$\$;
SQL
  psql -q -X -d medium -c "VACUUM ANALYZE" >/dev/null
fi
if has mixed; then load_mixed_dataset mixed "$MIXED_GB"; fi

declare -A RAW
for db in "${DBS[@]}"; do
  RAW[$db]=$(pg_dump "$db" | wc -c)
  log "$db: pg_dump's plain script is $(mb "${RAW[$db]}")"
done

for r in $(seq "$RUNS"); do
  log "round $r of $RUNS"
  for db in "${DBS[@]}"; do
    timeit "$db/zstd" "pg_dump $db | zstd -q -T0 -3 > $W/d.sql.zst"
    for n in "${JOBS[@]}"; do
      rm -rf "$W/fd"; timeit "$db/fd$n" "pg_dump -Fd -j $n -f $W/fd $db"
      rm -f "$W/p.sql.zst"; timeit "$db/pgproof$n" "$PGPROOF backup -q --level 3 --jobs $n -o $W/p.sql.zst --db $db"
    done
  done
done

mbps() { awk -v b="$1" -v s="$2" 'BEGIN { if (s > 0) printf "%.0f", b / 1048576 / s; else printf "n/a" }'; }
for db in "${DBS[@]}"; do
  case $db in
    big) echo "#### one big table: pgbench scale $SCALE ($(mb "${RAW[$db]}") of plain SQL), $RUNS rounds";;
    medium) echo "#### many medium tables: $TABLES tables x $ROWS rows ($(mb "${RAW[$db]}") of plain SQL), $RUNS rounds";;
    mixed) echo "#### the mixed dataset at $MIXED_GB GB (large.sh: pgbench, documents, 4 huge values, 2,000 small tables; $(mb "${RAW[$db]}") of plain SQL), $RUNS rounds";;
  esac
  echo
  z=$(median "$db/zstd")
  echo "| command | median s | MB/s | all rounds | vs pg_dump \| zstd -T0 -3 | vs pg_dump -Fd -j N |"
  echo "|---|---:|---:|---|---:|---:|"
  echo "| pg_dump \| zstd -T0 -3 | $z | $(mbps "${RAW[$db]}" "$z") | $(series "$db/zstd") | 1.00x | |"
  for n in "${JOBS[@]}"; do
    f=$(median "$db/fd$n") p=$(median "$db/pgproof$n")
    echo "| pg_dump -Fd -j $n | $f | $(mbps "${RAW[$db]}" "$f") | $(series "$db/fd$n") | $(ratio "$f" "$z") | 1.00x |"
    echo "| pgproof backup --jobs $n | $p | $(mbps "${RAW[$db]}" "$p") | $(series "$db/pgproof$n") | $(ratio "$p" "$z") | $(ratio "$p" "$f") |"
  done
  echo
done
echo "Ratios are wall time over the baseline's (below 1.00x: pgproof is faster). pg_dump -Fd compresses with its default (gzip);"
echo "pgproof and pg_dump | zstd write zstd level 3. pgproof also fingerprints every row and writes the manifest."
