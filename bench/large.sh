#!/usr/bin/env bash
# The large dataset of the "scale" issue: at --gb 8 (the default) about 8 GB of
#   pgbench at scale 300 (pgbench_accounts, one big table),
#   100,000 jsonb documents of about 15 KB (docs.body: TOAST-heavy),
#   four bytea values of 150, 180, 220 and 250 MB (blobs.b: huge values),
#   2,000 small tables in schema many (10 rows each: many tables, many locks);
# --gb G scales the first two (the huge values and the small tables stay as they are). Then, K rounds
# with the tools alternating, the wall time and peak RSS of:
#   backup:   pgproof backup -o A             vs  pg_dump | zstd -T0 -3
#   check:    pgproof check A                 vs  zstd -dc A > /dev/null
#   snapshot: pgproof snapshot --jobs 2       vs  2 psql sessions COPYing every table (largest first, alternating)
#   verify:   pgproof verify --baseline A --jobs 2 (against the same unchanged database)
#   restore:  pgproof restore A --jobs 2      vs  pg_restore -j 2 of a pg_dump -Fd, and zstd -dc A | psql
# and prints them as a markdown table of medians, ratios and peak RSS (GNU time: of pgproof and the
# children it waited for, so backup's includes its pg_dump; `pg_dump | backup --from-stdin` gives pgproof's own).
#   bench/large.sh [--gb G] [--huge-mb "150 180 220 250"] [--runs K] [--only G,..] [--bin PGPROOF]
# (--huge-mb: the sizes of the huge values, e.g. "1 2" for a quick try of the script)
# It needs about 3 x G GB of free disk (database, archives, restored copies). At 8 GB on 2 cores loading
# takes about 3.5 minutes and one round of every group about 8 (backup and restore are most of it).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
GB=8 RUNS=1 HUGE="150 180 220 250" ONLY="backup,check,snapshot,verify,restore" BIN="$root/build/cli/pgproof"
while [ $# -gt 0 ]; do
  case "$1" in
    --gb) GB=$2; shift 2;; --huge-mb) HUGE=$2; shift 2;; --runs) RUNS=$2; shift 2;; --only) ONLY=$2; shift 2;; --bin) BIN=$2; shift 2;;
    *) echo "usage: $0 [--gb G] [--huge-mb \"150 180 220 250\"] [--runs K] [--only backup,check,snapshot,verify,restore] [--bin PGPROOF]" >&2; exit 2;;
  esac
done
[ -x "$BIN" ] || { echo "$0: $BIN is not a pgproof binary (build with scripts/build.sh, or give --bin)" >&2; exit 2; }
awk -v g="$GB" 'BEGIN { exit !(g > 0 && g <= 64) }' || { echo "$0: --gb takes a size in GB from 0.01 to 64" >&2; exit 2; }
want() { [[ ",$ONLY," == *",$1,"* ]]; }
SCALE=$(awk -v g="$GB" 'BEGIN { s = int(300 * g / 8); print (s < 1 ? 1 : s) }')
DOCS=$(awk -v g="$GB" 'BEGIN { d = int(100000 * g / 8); print (d < 100 ? 100 : d) }')
bench_work pgproof-large-bench
W=$WORK
cluster_up
load_mixed_dataset big "$GB" "$HUGE"
size=$(psql -X -At -d big -c "SELECT pg_size_pretty(pg_database_size('big'))")
log "dataset: $size"
# Two psql sessions reading every table with COPY, the largest first, dealt out in turn.
psql -X -At -d big -c "SELECT format('COPY %I.%I TO STDOUT;', n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') ORDER BY pg_total_relation_size(c.oid) DESC" |
  awk -v w="$W" '{ print > (w "/copy" (NR % 2) ".sql") }'
"$BIN" backup -q -o "$W/A.sql.zst" --db big
P=$(q "$BIN")
for r in $(seq "$RUNS"); do
  log "round $r"
  if want backup; then
    for form in $(rotate "$r" pgproof pgdump); do
      # Each form writes a new file (the old one removed untimed): replacing a 1 GB file frees its blocks in the rename.
      if [ "$form" = pgproof ]; then rm -f "$W/A.sql.zst"; timeit backup-pgproof "rss pgproof $P backup -q -o $W/A.sql.zst --db big"
      else timeit backup-pgdump "rss pg_dump pg_dump -d big | zstd -q -T0 -3 > $W/d.sql.zst"; rm -f "$W/d.sql.zst"; fi
    done
    # GNU time counts a process's children too, and backup's pg_dump holds a long row twice (libpq): pgproof's
    # own memory is measured with pg_dump outside it, as `backup --from-stdin`.
    timeit backup-own "pg_dump -d big | rss pgproof $P backup -q --force --from-stdin -o $W/B.sql.zst"; rm -f "$W/B.sql.zst"
  fi
  if want check; then
    for form in $(rotate "$r" pgproof zstd); do
      if [ "$form" = pgproof ]; then timeit check-pgproof "rss pgproof $P check -q $W/A.sql.zst"
      else timeit check-zstd "rss zstd zstd -dc $W/A.sql.zst > /dev/null"; fi
    done
  fi
  if want snapshot; then
    for form in $(rotate "$r" pgproof psql); do
      if [ "$form" = pgproof ]; then timeit snapshot-pgproof "rss pgproof $P snapshot -q --force --jobs 2 -o $W/s.json --db big"
      else timeit snapshot-psql "psql -X -q -d big -f $W/copy0.sql > /dev/null & psql -X -q -d big -f $W/copy1.sql > /dev/null; wait"; fi
    done
  fi
  if want verify; then timeit verify-pgproof "rss pgproof $P verify -q --baseline $W/A.sql.zst --jobs 2 --db big"; fi
  if want restore; then
    [ -d "$W/fd" ] || pg_dump -Fd -j 2 -f "$W/fd" -d big
    for form in $(rotate "$r" pgproof pgrestore psql); do
      dropdb --if-exists "r_$form"; createdb "r_$form"
      case $form in
        pgproof) timeit restore-pgproof "rss pgproof $P restore -q $W/A.sql.zst --db r_pgproof --jobs 2";;
        pgrestore) timeit restore-pgrestore "rss pg_restore pg_restore -j 2 -d r_pgrestore $W/fd";;
        psql) timeit restore-psql "zstd -dc $W/A.sql.zst | psql -X -q -d r_psql > /dev/null";;
      esac
      dropdb "r_$form"
    done
  fi
done
row() { # LABEL NAME BASELINE TAG
  local base="–" ratio="–"
  if [ -n "$3" ]; then base="$(median "$3") s"; ratio=$(ratio "$(median "$2")" "$(median "$3")"); fi
  printf '| %s | %s s (%s) | %s | %s | %.0f MB |\n' "$1" "$(median "$2")" "$(spread "$2")" "$base" "$ratio" "$(kb_to_mb "$(peak_kb "$2" "$4")")"
}
echo "dataset: pgbench scale $SCALE, $DOCS jsonb documents of ~15 KB, bytea values of ${HUGE// /, } MB, 2,000 small tables: $size;"
echo "archive $(mb "$(stat -c %s "$W/A.sql.zst")"); $RUNS round(s), $(nproc) cores, $(date -u +%F)"
echo
echo "| command | pgproof median (min-max) | baseline median | ratio | pgproof peak RSS |"
echo "|---|---:|---:|---:|---:|"
want backup && row "backup vs pg_dump \| zstd -T0 -3 (RSS: with its pg_dump)" backup-pgproof backup-pgdump pgproof
want backup && row "pg_dump \| backup --from-stdin (RSS: pgproof's own process)" backup-own "" pgproof
want check && row "check vs zstd -dc" check-pgproof check-zstd pgproof
want snapshot && row "snapshot --jobs 2 vs 2 psql COPY sessions" snapshot-pgproof snapshot-psql pgproof
want verify && row "verify --jobs 2 vs 2 psql COPY sessions" verify-pgproof "$(want snapshot && echo snapshot-psql)" pgproof
want restore && row "restore --jobs 2 (verified) vs pg_restore -j 2" restore-pgproof restore-pgrestore pgproof
want restore && row "restore --jobs 2 (verified) vs zstd -dc \| psql" restore-pgproof restore-psql pgproof
exit 0
