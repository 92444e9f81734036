#!/usr/bin/env bash
# The cost of pgproof to a busy database (issue "reliability campaign", under load): pgbench tpcb-like
# (CLIENTS clients, 2 threads) runs SECONDS seconds alone, then the same while one of these runs in a loop:
#   pgproof backup -o F          (pg_dump through parallel zstd, fingerprints at one snapshot)
#   pg_dump | zstd > F           (what users run instead)
#   pgproof snapshot             (fingerprints only, --jobs 2)
#   pgproof verify --mode no-loss --baseline ARCHIVE (key level, --jobs 2)
# K rounds, the runs alternating within each round. Prints pgbench's tps per run (median, min-max) and
# each as a ratio of pgbench alone.
#   bench/load.sh [--scale N] [--seconds S] [--clients C] [--runs K] [--bin PGPROOF]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
SCALE=10 SECONDS_=15 CLIENTS=4 RUNS=3 BIN="$root/build/cli/pgproof"
while [ $# -gt 0 ]; do
  case "$1" in
    --scale) SCALE=$2; shift 2;; --seconds) SECONDS_=$2; shift 2;; --clients) CLIENTS=$2; shift 2;;
    --runs) RUNS=$2; shift 2;; --bin) BIN=$2; shift 2;;
    *) echo "usage: $0 [--scale N] [--seconds S] [--clients C] [--runs K] [--bin PGPROOF]" >&2; exit 2;;
  esac
done
[ -x "$BIN" ] || { echo "$0: $BIN is not a pgproof binary (build with scripts/build.sh, or give --bin)" >&2; exit 2; }
PGBENCH=$(ls -d /usr/lib/postgresql/*/bin/pgbench | sort -V | tail -1)
bench_work pgproof-load-bench
W=$WORK
cluster_up
createdb lb
"$PGBENCH" -q -i -s "$SCALE" lb >/dev/null 2>&1
"$BIN" backup -q -o "$W/base.sql.zst" --db lb
loop() { # COMMAND...: runs it again and again until killed
  while true; do bash -c "$1" >/dev/null 2>&1 || true; done
}
measure() { # NAME [COMMAND]
  local pid=""
  if [ -n "${2:-}" ]; then loop "$2" & pid=$!; sleep 0.5; fi
  local tps
  tps=$("$PGBENCH" -n -c "$CLIENTS" -j 2 -T "$SECONDS_" lb 2>/dev/null | awk '/^tps/ {print $3; exit}')
  if [ -n "$pid" ]; then stop_background "$pid"; fi
  record "$1" "$tps"
}
stats() { awk -v m="$(median "$1")" -v lo="$(series_min "$1")" -v hi="$(series_max "$1")" 'BEGIN{printf "%.0f %.0f %.0f", m, lo, hi}'; }
for r in $(seq "$RUNS"); do
  measure alone
  measure backup "$BIN backup -q --force -o $W/b.sql.zst --db lb"
  measure pg_dump-zstd "pg_dump lb | zstd -q -T2 > $W/d.sql.zst"
  measure snapshot "$BIN snapshot -q --force --jobs 2 -o $W/s.json --db lb"
  measure verify "$BIN verify -q --mode no-loss --jobs 2 --baseline $W/base.sql.zst --db lb"
done
read -r base _ _ <<<"$(stats alone)"
echo "pgbench scale $SCALE, $CLIENTS clients, $SECONDS_ s per run, $RUNS rounds; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| pgbench while | tps median | min-max | vs alone |"
echo "|---|---:|---|---:|"
for c in alone backup pg_dump-zstd snapshot verify; do
  read -r med lo hi <<<"$(stats "$c")"
  printf '| %s | %s | %s-%s | %s |\n' "$c" "$med" "$lo" "$hi" "$(ratio "$med" "$base")"
done
