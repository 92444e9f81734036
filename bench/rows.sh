#!/usr/bin/env bash
# Row-level proof costs (issue "name the rows"), K rounds with the commands alternating in each round.
# Without --mixed: pgbench data after a migration-like change of 1,202 rows of pgbench_accounts (400
# deleted, 401 updated, 401 inserted). With --mixed N (the bench dataset: --scale 100 --mixed 1250000,
# as bench/run.sh builds it): bench_mixed of N rows too, and the issue's change: 1,000 rows updated,
# 100 deleted and 100 inserted in bench_mixed, 1 deleted and 1 inserted in pgbench_accounts:
#   verify --no-rows (table level: counts and fingerprints), verify --mode no-loss (key level: every
#   row spilled in the same read, the changed table joined with the archive), diff (every difference
#   listed), snapshot and snapshot --rows, verify against the --rows snapshot. Medians, ratios, peak RSS.
#   bench/rows.sh [--scale N] [--mixed N] [--runs K] [--bin PGPROOF]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
SCALE=20 MIXED=0 RUNS=3 BIN="$root/build/cli/pgproof"
while [ $# -gt 0 ]; do
  case "$1" in
    --scale) SCALE=$2; shift 2;; --mixed) MIXED=$2; shift 2;; --runs) RUNS=$2; shift 2;; --bin) BIN=$2; shift 2;;
    *) echo "usage: $0 [--scale N] [--mixed N] [--runs K] [--bin PGPROOF]" >&2; exit 2;;
  esac
done
[ -x "$BIN" ] || { echo "$0: $BIN is not a pgproof binary (build with scripts/build.sh, or give --bin)" >&2; exit 2; }
bench_work pgproof-rows-bench
W=$WORK
cluster_up
createdb rb
/usr/lib/postgresql/15/bin/pgbench -q -i -s "$SCALE" rb >/dev/null 2>&1
if [ "$MIXED" -gt 0 ]; then
  psql -q -X -d rb -v ON_ERROR_STOP=1 -v lo=1 -v hi="$MIXED" -f "$root/bench/mixed-table.sql" >/dev/null
  psql -q -X -d rb -v ON_ERROR_STOP=1 -c "ALTER TABLE bench_mixed ADD PRIMARY KEY (id)" -c "VACUUM (FREEZE, ANALYZE)" -c "CHECKPOINT" >/dev/null
fi
"$BIN" backup -q -o "$W/a.sql.zst" --db rb
"$BIN" snapshot -q --rows -o "$W/pre.json" --db rb
if [ "$MIXED" -gt 0 ]; then
  EXPECTED=1202
  psql -q -X -d rb -v ON_ERROR_STOP=1 -c "
    UPDATE bench_mixed SET amount = amount + 1 WHERE id % (($MIXED / 1000)) = 0 AND id <= ($MIXED / 1000) * 1000;
    DELETE FROM bench_mixed WHERE id % (($MIXED / 100)) = 1 AND id <= ($MIXED / 100) * 100;
    INSERT INTO bench_mixed SELECT id + $MIXED, label, doc, amount, created, payload, tags, words FROM bench_mixed WHERE id BETWEEN 2 AND 101;
    DELETE FROM pgbench_accounts WHERE aid = 12345;
    INSERT INTO pgbench_accounts VALUES ($SCALE * 100000 + 1, 1, 0, '');" >/dev/null
else
  EXPECTED=1202
  psql -q -X -d rb -v ON_ERROR_STOP=1 -c "
    DELETE FROM pgbench_accounts WHERE aid BETWEEN 1000 AND 1399;
    UPDATE pgbench_accounts SET abalance = abalance + 1 WHERE aid BETWEEN 5000 AND 5400;
    INSERT INTO pgbench_accounts SELECT $SCALE * 100000 + g, 1, 0, '' FROM generate_series(1, 401) g;" >/dev/null
fi
for r in $(seq "$RUNS"); do
  rm -f "$W"/s.* "$W"/r.*
  timeit verify-table "$BIN verify -q --no-rows --mode no-loss --jobs 2 --baseline $W/a.sql.zst --db rb"
  timeit --expect 1 verify-key "$BIN verify -q --mode no-loss --jobs 2 --baseline $W/a.sql.zst --db rb"
  timeit --expect 1 diff "$BIN diff --jobs 2 $W/a.sql.zst --db rb --format csv -o $W/diff-$r.csv -q"
  timeit snapshot "$BIN snapshot -q --jobs 2 -o $W/s.json --db rb"
  timeit snapshot-rows "$BIN snapshot -q --rows --jobs 2 -o $W/r.json --db rb"
  timeit --expect 1 verify-rows-snapshot "$BIN verify -q --mode no-loss --jobs 2 --baseline $W/pre.json --db rb"
done
lines=$(($(wc -l < "$W/diff-1.csv") - 1))
rows=$(psql -X -At -d rb -c "SELECT sum(n_live_tup) FROM pg_stat_user_tables")
digest=$(stat -c %s "$W/pre.rows.zst")
base=$(median verify-table)
echo "pgbench scale $SCALE + bench_mixed $MIXED rows ($rows rows, $(psql -X -At -d rb -c "SELECT pg_size_pretty(pg_database_size('rb'))")), $RUNS rounds, diff lines: $lines (expected $EXPECTED), row digests: $digest bytes ($(awk -v a="$digest" -v b="$rows" 'BEGIN{printf "%.1f", a/b}') bytes/row)"
echo
echo "| command | median s | vs verify --no-rows | peak RSS MB | rounds |"
echo "|---|---:|---:|---:|---|"
for c in verify-table verify-key diff snapshot snapshot-rows verify-rows-snapshot; do
  m=$(median "$c")
  echo "| $c | $m | $(ratio "$m" "$base") | $(($(peak_kb "$c") / 1024)) | $(series "$c") |"
done
