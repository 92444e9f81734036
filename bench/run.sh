#!/usr/bin/env bash
# pgproof benchmark: one command from a fresh Debian 12 machine to a results table.
#
#   bench/run.sh [--scale N] [--rows N] [--runs K] [--jobs N] [--only G,..] [--skip G,..]
#                [--no-memory-check] [--results FILE] [--strict]
#
# Installs the dependencies (scripts/install-deps.sh --bench), builds pgproof (Release) into
# ./build-bench, starts a throwaway PostgreSQL 15 cluster (scripts/pg-cluster.sh), builds the
# dataset in it, times pgproof against the tools people use today (K rounds, tools alternating
# within each round; median wall time, max peak RSS), prints a markdown table with PASS/FAIL
# target lines and writes it, with the machine, the dataset and the date, to bench/RESULTS.md.
# Groups: backup, check (archive side), snapshot (snapshot, snapshot --counts-only and verify
# against psql on the same number of connections), restore (restore against pg_restore -j and
# zstd -dc | psql). All of them run by default; --only / --skip select.
# The cluster and every bench output (archives, dumps, logs) live in temporary folders that are
# always removed, also on failure or Ctrl-C.
#
# To add a comparison group: see "EXTENSION POINT" below.
set -euo pipefail
unset LC_ALL

root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh" # work folder, cluster, timeit, medians, RSS, ratios
PGBIN=/usr/lib/postgresql/15/bin

# ---------------------------------------------------------------------------------------------
# Options
# ---------------------------------------------------------------------------------------------
BENCH_GROUPS=(backup check snapshot restore) # comparison groups, in run order (see EXTENSION POINT)
DEFAULT_SCALE=100 DEFAULT_ROWS=1250000 DEFAULT_RUNS=3
SCALE=$DEFAULT_SCALE   # pgbench -i -s SCALE (100: about 1500 MB with the keys)
ROWS=$DEFAULT_ROWS     # rows of the mixed-type table bench_mixed (about 165 bytes a row with its
                       # key: 1.25M rows about 200 MB, so the default database is about 1700 MB)
RUNS=$DEFAULT_RUNS     # rounds; each tool runs once per round
JOBS=""                # pgproof --jobs for backup/check (empty: pgproof's default, the cores);
                       # snapshot/restore groups: connections on both sides (empty: 2)
DUMP_CONNECTIONS=""     # --dump-jobs N: the backup group also times backup --jobs N (the parallel dump)
MEMORY_CHECK=1         # also run pgproof on a second, smaller dataset (scale/4, rows/4) to compare RSS
RESULTS="$root/bench/RESULTS.md"
STRICT=0               # exit 1 when a target fails
RSS_LIMIT_MB=256
ONLY="" SKIP=""

usage() {
  cat <<EOF
usage: bench/run.sh [--scale N] [--rows N] [--runs K] [--jobs N] [--dump-jobs N] [--only G,..] [--skip G,..]
                    [--[no-]memory-check] [--results FILE] [--strict]

  --scale N           pgbench scale of the dataset (default $DEFAULT_SCALE; with the default
                      --rows the database is about 1700 MB)
  --rows N            rows of the mixed-type table bench_mixed (default $DEFAULT_ROWS)
  --runs K            rounds; the median wall time is reported (default $DEFAULT_RUNS)
  --jobs N            pgproof --jobs in the backup and check groups (default: pgproof's own
                      default, the number of cores); in the snapshot and restore groups the
                      number of connections of pgproof AND of the psql / pg_restore baselines
                      (default 2)
  --dump-jobs N       the backup group also times pgproof backup --jobs N (N >= 2: the parallel
                      dump on N connections at one snapshot) against the same baselines
  --only G,..         run only these groups (of: ${BENCH_GROUPS[*]}; default: all)
  --skip G,..         run all groups but these
  --memory-check      also run pgproof backup, check and snapshot on a dataset of scale/4 and
                      rows/4 and report pgproof's peak RSS at both sizes (default: on)
  --no-memory-check   skip that
  --results FILE      where to write the results (default bench/RESULTS.md)
  --strict            exit 1 when a target fails (default: report only)

Runs with smaller settings than the defaults are marked SMOKE RUN in the results, runs of only
some groups PARTIAL RUN.
EOF
}

is_count() { [[ "$1" =~ ^[1-9][0-9]*$ ]]; }
need_count() { is_count "${2:-}" || { echo "bench: $1 needs a positive integer, got '${2:-}'" >&2; exit 2; }; }
ORIG_ARGS="$*"
while [ $# -gt 0 ]; do
  case "$1" in
    --scale) need_count "$1" "${2:-}"; SCALE=$2; shift 2;;
    --rows) need_count "$1" "${2:-}"; ROWS=$2; shift 2;;
    --runs) need_count "$1" "${2:-}"; RUNS=$2; shift 2;;
    --jobs) need_count "$1" "${2:-}"; JOBS=$2; shift 2;;
    --dump-jobs) need_count "$1" "${2:-}"; DUMP_CONNECTIONS=$2; shift 2;;
    --only) [ -n "${2:-}" ] || { echo "bench: --only needs a list of groups" >&2; exit 2; }; ONLY=$2; shift 2;;
    --skip) [ -n "${2:-}" ] || { echo "bench: --skip needs a list of groups" >&2; exit 2; }; SKIP=$2; shift 2;;
    --memory-check) MEMORY_CHECK=1; shift;;
    --no-memory-check) MEMORY_CHECK=0; shift;;
    --results) [ -n "${2:-}" ] || { echo "bench: --results needs a file" >&2; exit 2; }
      RESULTS=$(cd "$(dirname "$2")" && pwd)/$(basename "$2"); shift 2;;
    --strict) STRICT=1; shift;;
    -h|--help) usage; exit 0;;
    *) echo "bench: unknown option '$1'" >&2; usage >&2; exit 2;;
  esac
done
# group_list LIST: the groups of a comma-separated LIST, one a line; exit 2 on an unknown one.
group_list() {
  local g k ok
  for g in ${1//,/ }; do
    ok=0; for k in "${BENCH_GROUPS[@]}"; do [ "$g" = "$k" ] && ok=1; done
    [ "$ok" = 1 ] || { echo "bench: unknown group '$g' (groups: ${BENCH_GROUPS[*]})" >&2; exit 2; }
    echo "$g"
  done
}
ONLY_LIST=$(group_list "$ONLY")
SKIP_LIST=$(group_list "$SKIP")
SELECTED=()
for g in "${BENCH_GROUPS[@]}"; do
  if [ -n "$ONLY" ] && ! grep -qx "$g" <<<"$ONLY_LIST"; then continue; fi
  if grep -qx "$g" <<<"$SKIP_LIST"; then continue; fi
  SELECTED+=("$g")
done
[ ${#SELECTED[@]} -gt 0 ] || { echo "bench: --only/--skip leave no group to run" >&2; exit 2; }
PARTIAL=0; [ ${#SELECTED[@]} -lt ${#BENCH_GROUPS[@]} ] && PARTIAL=1
selected() { local g; for g in "${SELECTED[@]}"; do [ "$g" = "$1" ] && return 0; done; return 1; }
SMOKE=0
if [ "$SCALE" -lt $DEFAULT_SCALE ] || [ "$ROWS" -lt $DEFAULT_ROWS ] || [ "$RUNS" -lt $DEFAULT_RUNS ]; then SMOKE=1; fi

now() { date -u +%Y-%m-%dT%H:%M:%SZ; }

# ---------------------------------------------------------------------------------------------
# Setup: dependencies, build, work folder, throwaway cluster (always stopped by the trap)
# ---------------------------------------------------------------------------------------------
log "installing dependencies (scripts/install-deps.sh --bench)"
"$root/scripts/install-deps.sh" --bench

bench_work pgproof-bench # removed on exit, with the cluster and any background loader
W="$WORK/out"; mkdir -p "$W" "$WORK/bin"

log "building pgproof (Release) into build-bench (log: build-bench/bench-build.log)"
mkdir -p "$root/build-bench"
build_log="$root/build-bench/bench-build.log"
launcher=(); command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache) # rebuilds cheap, never required
if ! { cmake -S "$root" -B "$root/build-bench" -DCMAKE_BUILD_TYPE=Release -DPGPROOF_TESTS=OFF "${launcher[@]}" &&
       cmake --build "$root/build-bench" -j "$(nproc)"; } >"$build_log" 2>&1; then
  tail -n 40 "$build_log" >&2
  die "the build failed; full log in $build_log"
fi
PGPROOF="$root/build-bench/cli/pgproof"
[ -x "$PGPROOF" ] || PGPROOF=$(find "$root/build-bench" -type f -name pgproof -perm -u+x | head -n1)
[ -x "$PGPROOF" ] || die "no pgproof binary in build-bench after the build"
PG_DUMP="$PGBIN/pg_dump"
export PATH="$PGBIN:$PATH"

log "starting a throwaway PostgreSQL 15 cluster"
cluster_up
log "cluster at $PGHOST port $PGPORT"
PSQL=("$PGBIN/psql" -X -q -v ON_ERROR_STOP=1)

# ---------------------------------------------------------------------------------------------
# Measurement: timeit NAME CMD... (bench/lib.sh)
# ---------------------------------------------------------------------------------------------
# CMD... is joined into one command line run by `bash -o pipefail -c` (pipelines and redirections
# work; quote paths with q). Each call appends one wall time to the series NAME and keeps the peak
# RSS (KB, max over calls) of the whole command in RSS_KB[NAME/all] and of each process started
# as `rss TAG PROGRAM ARGS...` inside CMD in RSS_KB[NAME/TAG]. Any non-zero exit stops the bench.
# pgproof backup starts pg_dump through $WORK/bin/pg_dump, which records RSS_KB[NAME/pg_dump].
declare -A SIZE=()
cat >"$WORK/bin/pg_dump" <<EOF
#!/bin/sh
# pg_dump for pgproof backup (PGPROOF_PG_DUMP), recording its own peak RSS apart from pgproof's.
if [ -n "\${BENCH_PROBE_DIR:-}" ]; then exec /usr/bin/time -f '%M' -o "\$BENCH_PROBE_DIR/pg_dump" $(q "$PG_DUMP") "\$@"; fi
exec $(q "$PG_DUMP") "\$@"
EOF
chmod +x "$WORK/bin/pg_dump"
export PGPROOF_PG_DUMP="$WORK/bin/pg_dump"

# record_size NAME FILE: the output size of NAME (the last run's; they are all alike).
record_size() { SIZE[$1]=$(stat -c %s "$2"); }

# ---------------------------------------------------------------------------------------------
# Report: rows of the markdown table and PASS/FAIL target lines
# ---------------------------------------------------------------------------------------------
TABLE_ROWS=() TARGETS=() NOTES=() FAILED_TARGETS=0
md() { sed 's/|/\\|/g' <<<"$1"; } # escape pipes inside table cells
# table_row TOOL MEDIAN_S RATIO BASELINE ARCHIVE PEAK_RSS
table_row() {
  TABLE_ROWS+=("| \`$(md "$1")\` | $2 | $(spread "$1") | $3 | $(md "$4") | $5 | $(md "$6") |")
}
# target OK(0|1) TEXT: one PASS/FAIL line.
target() {
  if [ "$1" = 1 ]; then TARGETS+=("- **PASS** $2"); else TARGETS+=("- **FAIL** $2"); FAILED_TARGETS=$((FAILED_TARGETS + 1)); fi
}
# target_le NAME ACTUAL LIMIT UNIT DETAIL: PASS when ACTUAL <= LIMIT.
target_le() {
  local ok=0; le "$2" "$3" && ok=1
  target $ok "$1: $2 $4 <= $3 $4${5:+ ($5)}"
}
note() { NOTES+=("- $*"); }

# ---------------------------------------------------------------------------------------------
# Dataset: pgbench -i -s SCALE plus bench_mixed (text, jsonb, numeric, timestamptz, bytea, arrays)
# ---------------------------------------------------------------------------------------------
# Plain (logged) tables. pgbench and the bench_mixed chunks load concurrently; then primary key,
# VACUUM (FREEZE, ANALYZE) so that no timed read sets hint bits, and a CHECKPOINT.
# bench_mixed is deterministic (hashes of the row number, no random()).
build_dataset() {
  local db=$1 scale=$2 rows=$3 t0=$EPOCHREALTIME
  log "building dataset '$db': pgbench scale $scale + bench_mixed $rows rows"
  "${PSQL[@]}" -d postgres -c "CREATE DATABASE $db"
  "$PGBIN/pgbench" -i -q -s "$scale" "$db" >"$WORK/logs/pgbench-$db.log" 2>&1 &
  local pids=($!)
  # The table and its rows: bench/mixed-table.sql (shared with bench/rows.sh), rows lo..hi per chunk.
  "${PSQL[@]}" -d "$db" -v lo=1 -v hi=0 -f "$root/bench/mixed-table.sql" >/dev/null
  local chunks; chunks=$(nproc); [ "$chunks" -gt 4 ] && chunks=4
  local c lo hi
  for ((c = 0; c < chunks; c++)); do
    lo=$((rows * c / chunks + 1)); hi=$((rows * (c + 1) / chunks))
    "${PSQL[@]}" -d "$db" -v lo="$lo" -v hi="$hi" -f "$root/bench/mixed-table.sql" >"$WORK/logs/mixed-$db-$c.log" 2>&1 &
    pids+=($!)
  done
  local p
  for p in "${pids[@]}"; do
    wait "$p" || { cat "$WORK"/logs/pgbench-"$db".log "$WORK"/logs/mixed-"$db"-*.log >&2; die "building dataset '$db' failed"; }
  done
  "${PSQL[@]}" -d "$db" <<'SQL'
ALTER TABLE bench_mixed ADD PRIMARY KEY (id);
VACUUM (FREEZE, ANALYZE);
CHECKPOINT;
SQL
  log "  dataset '$db' built in $(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }') s, $(db_size_pretty "$db")"
}
db_size() { "${PSQL[@]}" -At -d postgres -c "SELECT pg_database_size('$1')"; }
db_size_pretty() { "${PSQL[@]}" -At -d postgres -c "SELECT pg_size_pretty(pg_database_size('$1'))"; }

DB=bench
JOBS_ARG=""; [ -n "$JOBS" ] && JOBS_ARG="--jobs $JOBS"
# backup --jobs is connections (parallel dump); its compression threads are --compress-threads.
BACKUP_JOBS_ARG=""; [ -n "$JOBS" ] && BACKUP_JOBS_ARG="--compress-threads $JOBS"
PAR=${JOBS:-2} # connections of the snapshot and restore groups, pgproof and baselines alike

# Warm-up (untimed, before every group): reads every table once, and measures the plain SQL size.
warm_up() {
  log "warm-up: pg_dump | wc -c"
  RAW_SQL_BYTES=$("$PG_DUMP" "$DB" | wc -c)
}

# ---------------------------------------------------------------------------------------------
# Group: backup. pg_dump alone, | gzip, | zstd -T0 -3, pgproof backup --level 3.
# ---------------------------------------------------------------------------------------------
B_NULL="pg_dump DB > /dev/null"
B_GZIP="pg_dump DB | gzip > F.sql.gz"
B_ZSTD="pg_dump DB | zstd -T0 -3 > F.sql.zst"
B_PGPROOF="pgproof backup --level 3 -o F.sql.zst --db DB${JOBS:+ --compress-threads $JOBS}"
PGPROOF_ARCHIVE="$W/pgproof.sql.zst"
B_PARALLEL="pgproof backup --jobs ${DUMP_CONNECTIONS:-N} --level 3 -o F.sql.zst --db DB${JOBS:+ --compress-threads $JOBS}"

backup_pg_dump() { timeit "$B_NULL" "rss pg_dump $(q "$PG_DUMP") $DB > /dev/null"; }
backup_gzip() {
  rm -f "$W/pg_dump.sql.gz"
  timeit "$B_GZIP" "rss pg_dump $(q "$PG_DUMP") $DB | rss gzip gzip > $(q "$W/pg_dump.sql.gz")"
  record_size "$B_GZIP" "$W/pg_dump.sql.gz"
}
backup_zstd() {
  rm -f "$W/pg_dump.sql.zst"
  timeit "$B_ZSTD" "rss pg_dump $(q "$PG_DUMP") $DB | rss zstd zstd -q -T0 -3 > $(q "$W/pg_dump.sql.zst")"
  record_size "$B_ZSTD" "$W/pg_dump.sql.zst"
}
backup_pgproof() {
  rm -f "$PGPROOF_ARCHIVE"
  timeit "$B_PGPROOF" "rss pgproof $(q "$PGPROOF") backup --level 3 -o $(q "$PGPROOF_ARCHIVE") --db dbname=$DB $BACKUP_JOBS_ARG"
  record_size "$B_PGPROOF" "$PGPROOF_ARCHIVE"
}
backup_parallel() {
  rm -f "$W/parallel.sql.zst"
  timeit "$B_PARALLEL" "rss pgproof $(q "$PGPROOF") backup --jobs $DUMP_CONNECTIONS --level 3 -o $(q "$W/parallel.sql.zst") --db dbname=$DB $BACKUP_JOBS_ARG"
  record_size "$B_PARALLEL" "$W/parallel.sql.zst"
  rm -f "$W/parallel.sql.zst"
}
bench_backup() {
  local step
  for step in $(rotate "$1" backup_pg_dump backup_gzip backup_zstd backup_pgproof ${DUMP_CONNECTIONS:+backup_parallel}); do "$step"; done
}
report_backup() {
  local base="pg_dump | zstd -T0 -3" zs gz nul pp
  zs=$(median "$B_ZSTD"); gz=$(median "$B_GZIP"); nul=$(median "$B_NULL"); pp=$(median "$B_PGPROOF")
  table_row "$B_NULL" "$nul" "$(ratio "$nul" "$zs")" "$base" "–" \
    "pg_dump $(kb_to_mb "$(peak_kb "$B_NULL" pg_dump)")"
  table_row "$B_GZIP" "$gz" "$(ratio "$gz" "$zs")" "$base" "$(mb "${SIZE[$B_GZIP]}")" \
    "pg_dump $(kb_to_mb "$(peak_kb "$B_GZIP" pg_dump)"), gzip $(kb_to_mb "$(peak_kb "$B_GZIP" gzip)")"
  table_row "$B_ZSTD" "$zs" "1.00x" "$base" "$(mb "${SIZE[$B_ZSTD]}")" \
    "pg_dump $(kb_to_mb "$(peak_kb "$B_ZSTD" pg_dump)"), zstd $(kb_to_mb "$(peak_kb "$B_ZSTD" zstd)")"
  local pp_rss pp_dump
  pp_rss=$(peak_kb "$B_PGPROOF" pgproof); pp_dump=$(peak_kb "$B_PGPROOF" pg_dump)
  table_row "$B_PGPROOF" "$pp" "$(ratio "$pp" "$zs")" "$base" "$(mb "${SIZE[$B_PGPROOF]}")" \
    "pgproof $(kb_to_mb "$pp_rss") (its pg_dump $(kb_to_mb "$pp_dump"))"

  target_le "backup wall <= 1.05 x (pg_dump | zstd -T0 -3)" "$pp" "$(mul 1.05 "$zs")" s \
    "ratio $(ratio "$pp" "$zs")"
  target_le "backup wall <= 0.5 x (pg_dump | gzip)" "$pp" "$(mul 0.5 "$gz")" s "ratio $(ratio "$pp" "$gz")"
  if [ -n "$DUMP_CONNECTIONS" ]; then
    local par; par=$(median "$B_PARALLEL")
    table_row "$B_PARALLEL" "$par" "$(ratio "$par" "$zs")" "$base" "$(mb "${SIZE[$B_PARALLEL]}")" \
      "pgproof $(kb_to_mb "$(peak_kb "$B_PARALLEL" pgproof)")"
    target_le "backup --jobs $DUMP_CONNECTIONS wall <= 0.95 x (pg_dump | zstd -T0 -3)" "$par" "$(mul 0.95 "$zs")" s "ratio $(ratio "$par" "$zs")"
  fi
  local dev ok=0
  dev=$(awk -v a="${SIZE[$B_PGPROOF]}" -v b="${SIZE[$B_ZSTD]}" 'BEGIN { printf "%+.2f", (a - b) * 100 / b }')
  awk -v d="$dev" 'BEGIN { exit !(d <= 5 && d >= -5) }' && ok=1
  target $ok "archive size within 5% of the zstd -3 file: $(mb "${SIZE[$B_PGPROOF]}") vs $(mb "${SIZE[$B_ZSTD]}") ($dev%)"
  if [ "$pp_rss" -le "$pp_dump" ]; then
    note "pgproof backup's RSS figure is the max over pgproof and its pg_dump child (rusage of the reaped tree); pg_dump alone peaked at $(kb_to_mb "$pp_dump") MB, so pgproof's own peak is at most $(kb_to_mb "$pp_rss") MB."
  else
    note "pgproof backup's RSS figure is the max over pgproof and its pg_dump child (rusage of the reaped tree); pg_dump alone peaked lower ($(kb_to_mb "$pp_dump") MB), so the figure is pgproof's own peak."
  fi
}

# ---------------------------------------------------------------------------------------------
# Group: check. zstd -dc of the pgproof archive vs pgproof check (uses backup's archive).
# ---------------------------------------------------------------------------------------------
C_ZSTD="zstd -dc F.sql.zst > /dev/null"
C_PGPROOF="pgproof check F.sql.zst${JOBS:+ --jobs $JOBS}"

setup_check() {
  # Without the backup group nothing writes the archive in the rounds: write it once, untimed.
  if ! selected backup; then
    log "check: writing pgproof's archive (untimed; the backup group is not selected)"
    "$PGPROOF" backup --quiet --level 3 -o "$PGPROOF_ARCHIVE" --db "dbname=$DB" $BACKUP_JOBS_ARG >"$WORK/logs/check-setup.log" 2>&1 ||
      { cat "$WORK/logs/check-setup.log" >&2; die "check setup: pgproof backup failed"; }
  fi
}

check_zstd() { timeit "$C_ZSTD" "rss zstd zstd -q -dc $(q "$PGPROOF_ARCHIVE") > /dev/null"; }
check_pgproof() { timeit "$C_PGPROOF" "rss pgproof $(q "$PGPROOF") check $(q "$PGPROOF_ARCHIVE") $JOBS_ARG"; }
bench_check() {
  local step
  for step in $(rotate "$1" check_zstd check_pgproof); do "$step"; done
}
report_check() {
  local base="zstd -dc" zd pc
  zd=$(median "$C_ZSTD"); pc=$(median "$C_PGPROOF")
  table_row "$C_ZSTD" "$zd" "1.00x" "$base" "–" "zstd $(kb_to_mb "$(peak_kb "$C_ZSTD" zstd)")"
  table_row "$C_PGPROOF" "$pc" "$(ratio "$pc" "$zd")" "$base" "–" "pgproof $(kb_to_mb "$(peak_kb "$C_PGPROOF" pgproof)")"
  target_le "check wall <= 1.0 x zstd -dc" "$pc" "$zd" s "ratio $(ratio "$pc" "$zd")"
}

# ---------------------------------------------------------------------------------------------
# Tables: the tables pgproof snapshot reads (ordinary tables outside the system schemas, not
# temporary, not owned by an extension: engine/database/LiveCatalog.cpp's selection), largest first by
# pg_relation_size, dealt out into PAR lists of about equal size (each table, largest first, to
# the list with the fewest bytes so far). Files in $TDIR: tables ("ident<TAB>bytes", all of them)
# and list.I (I = 1..PAR, one quoted identifier a line; a list may be empty).
# ---------------------------------------------------------------------------------------------
TDIR="$W/tables"
table_lists() {
  mkdir -p "$TDIR"
  "${PSQL[@]}" -At -F $'\t' -d "$DB" >"$TDIR/tables" <<'SQL'
SELECT format('%I.%I', n.nspname, c.relname), pg_catalog.pg_relation_size(c.oid)
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r' AND c.relpersistence <> 't'
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_toast'
  AND n.nspname !~ '^pg_temp_'
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = 'pg_catalog.pg_class'::regclass
                  AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY 2 DESC, 1
SQL
  [ -s "$TDIR/tables" ] || die "no tables in '$DB'"
  TABLE_COUNT=$(wc -l <"$TDIR/tables")
  TABLE_SPLIT=$(awk -F '\t' -v n="$PAR" -v dir="$TDIR" '
    BEGIN { for (i = 1; i <= n; i++) { tot[i] = 0; cnt[i] = 0; printf "" > (dir "/list." i) } }
    { best = 1; for (i = 2; i <= n; i++) if (tot[i] < tot[best]) best = i
      tot[best] += $2; cnt[best]++; print $1 > (dir "/list." best) }
    END { for (i = 1; i <= n; i++) printf "%sconnection %d: %d table(s), %.1f MB", (i > 1 ? "; " : ""), i, cnt[i], tot[i] / 1048576 }' \
    "$TDIR/tables")
  log "tables: $TABLE_COUNT, split for $PAR connections: $TABLE_SPLIT"
}
# psql_scripts KIND FORMAT: $TDIR/KIND.I.sql for each list I, one FORMAT line (printf, one %s:
# the table) per table.
psql_scripts() {
  local kind=$1 fmt=$2 i t
  for ((i = 1; i <= PAR; i++)); do
    while read -r t; do printf "$fmt\n" "$t"; done <"$TDIR/list.$i" >"$TDIR/$kind.$i.sql"
  done
}
# par_psql KIND: a timeit command that runs $TDIR/KIND.I.sql in ONE psql process per non-empty
# list, all in parallel, output to /dev/null; fails when any of them fails. RSS tags psqlI.
par_psql() {
  local kind=$1 i cmd="s=0" waits=""
  for ((i = 1; i <= PAR; i++)); do
    [ -s "$TDIR/list.$i" ] || continue
    cmd+="; rss psql$i $(q "$PGBIN/psql") -X -q -At -v ON_ERROR_STOP=1 -d $DB -f $(q "$TDIR/$kind.$i.sql") >/dev/null & p$i=\$!"
    waits+="; wait \$p$i || s=1"
  done
  echo "$cmd$waits; exit \$s"
}
# peak_psql NAME: the highest peak RSS (KB) of NAME's psql processes.
peak_psql() {
  local i kb max=0
  for ((i = 1; i <= PAR; i++)); do kb=${RSS_KB[$1/psql$i]:-0}; [ "$kb" -gt "$max" ] && max=$kb; done
  echo "$max"
}
# tables_in_output FILE: the table count pgproof snapshot printed ("snapshot F: N tables, ...").
tables_in_output() { sed -n 's/^snapshot .*: \([0-9][0-9]*\) tables, .*/\1/p' "$1" | tail -n 1; }

# ---------------------------------------------------------------------------------------------
# Group: snapshot. pgproof snapshot, snapshot --counts-only and verify on PAR connections, against
# the same reads done by psql on PAR connections (one psql process per connection, its list of
# tables in one script): COPY t TO STDOUT, server-side count + hashtext sum, count(*).
# ---------------------------------------------------------------------------------------------
S_COPY="$PAR x psql: COPY t TO STDOUT > /dev/null"
S_HASH="$PAR x psql: SELECT count(*), sum(hashtext(t::text)::bigint) FROM t"
S_COUNT="$PAR x psql: SELECT count(*) FROM t"
S_PGPROOF="pgproof snapshot --jobs $PAR -o F --db DB"
S_COUNTS="pgproof snapshot --counts-only --jobs $PAR -o F --db DB"
S_VERIFY="pgproof verify --baseline SNAPSHOT --jobs $PAR --db DB"
SNAP_BASELINE="$W/baseline.snapshot.json"
SNAP_OUT="$W/snapshot.json"

setup_snapshot() {
  psql_scripts copy 'COPY %s TO STDOUT;'
  psql_scripts hash 'SELECT count(*), sum(hashtext(t::text)::bigint) FROM %s AS t;'
  psql_scripts count 'SELECT count(*) FROM %s;'
  log "snapshot: writing the baseline for verify (untimed)"
  "$PGPROOF" snapshot --jobs "$PAR" -o "$SNAP_BASELINE" --db "dbname=$DB" >"$WORK/logs/snapshot-baseline.log" 2>&1 ||
    { cat "$WORK/logs/snapshot-baseline.log" >&2; die "pgproof snapshot (baseline) failed"; }
  local n; n=$(tables_in_output "$WORK/logs/snapshot-baseline.log")
  [ "$n" = "$TABLE_COUNT" ] ||
    die "pgproof snapshot recorded '${n:-?}' tables, the psql baselines read $TABLE_COUNT: they would not compare the same work"
}
snapshot_copy() { timeit "$S_COPY" "$(par_psql copy)"; }
snapshot_hash() { timeit "$S_HASH" "$(par_psql hash)"; }
snapshot_count() { timeit "$S_COUNT" "$(par_psql count)"; }
snapshot_pgproof() {
  rm -f "$SNAP_OUT"
  timeit "$S_PGPROOF" "rss pgproof $(q "$PGPROOF") snapshot --jobs $PAR -o $(q "$SNAP_OUT") --db dbname=$DB"
}
snapshot_counts() {
  rm -f "$SNAP_OUT"
  timeit "$S_COUNTS" "rss pgproof $(q "$PGPROOF") snapshot --counts-only --jobs $PAR -o $(q "$SNAP_OUT") --db dbname=$DB"
}
snapshot_verify() {
  timeit "$S_VERIFY" "rss pgproof $(q "$PGPROOF") verify --baseline $(q "$SNAP_BASELINE") --jobs $PAR --db dbname=$DB"
}
bench_snapshot() {
  local step
  for step in $(rotate "$1" snapshot_copy snapshot_pgproof snapshot_hash snapshot_count snapshot_counts snapshot_verify); do
    "$step"
  done
}
report_snapshot() {
  local cp hs ct sp sc vf
  cp=$(median "$S_COPY"); hs=$(median "$S_HASH"); ct=$(median "$S_COUNT")
  sp=$(median "$S_PGPROOF"); sc=$(median "$S_COUNTS"); vf=$(median "$S_VERIFY")
  local b_copy="$PAR x psql COPY" b_count="$PAR x psql count(*)"
  table_row "$S_COPY" "$cp" "1.00x" "$b_copy" "–" "psql $(kb_to_mb "$(peak_psql "$S_COPY")") (each, max)"
  table_row "$S_HASH" "$hs" "$(ratio "$hs" "$cp")" "$b_copy" "–" "psql $(kb_to_mb "$(peak_psql "$S_HASH")") (each, max)"
  table_row "$S_PGPROOF" "$sp" "$(ratio "$sp" "$cp")" "$b_copy" "–" "pgproof $(kb_to_mb "$(peak_kb "$S_PGPROOF" pgproof)")"
  table_row "$S_COUNT" "$ct" "1.00x" "$b_count" "–" "psql $(kb_to_mb "$(peak_psql "$S_COUNT")") (each, max)"
  table_row "$S_COUNTS" "$sc" "$(ratio "$sc" "$ct")" "$b_count" "–" "pgproof $(kb_to_mb "$(peak_kb "$S_COUNTS" pgproof)")"
  table_row "$S_VERIFY" "$vf" "$(ratio "$vf" "$sp")" "pgproof snapshot" "–" "pgproof $(kb_to_mb "$(peak_kb "$S_VERIFY" pgproof)")"

  target_le "snapshot wall <= 1.15 x ($S_COPY)" "$sp" "$(mul 1.15 "$cp")" s "ratio $(ratio "$sp" "$cp")"
  local ok=0
  awk -v a="$sp" -v b="$hs" 'BEGIN { exit !(a < b) }' && ok=1
  target $ok "snapshot wall < ($S_HASH): $sp s < $hs s (ratio $(ratio "$sp" "$hs"))"
  target_le "snapshot --counts-only wall <= 1.1 x ($S_COUNT)" "$sc" "$(mul 1.1 "$ct")" s "ratio $(ratio "$sc" "$ct")"
  note "snapshot group: $TABLE_COUNT tables; the psql baselines give each of their $PAR connections one psql process that reads its list of whole tables (largest first, dealt to the lighter list: $TABLE_SPLIT); pgproof splits tables into ctid ranges, so it can balance within a table. verify (no target) re-reads the tables of a snapshot taken in the setup; its ratio is against pgproof snapshot."
}

# ---------------------------------------------------------------------------------------------
# Group: restore. pgproof restore (with and without its verification) against pg_restore -j of a
# pg_dump -Fd of the same database and against zstd -dc A | psql, each into a fresh empty
# database (createdb and dropdb untimed; after each restore, untimed, every table's count(*) must
# equal the source's).
# ---------------------------------------------------------------------------------------------
R_PGPROOF="pgproof restore A --db NEW --jobs $PAR"
R_NOVERIFY="pgproof restore A --db NEW --jobs $PAR --no-verify"
R_PG_RESTORE="pg_restore -j $PAR -d NEW DIR"
R_PSQL="zstd -dc A | psql -q -X -d NEW"
R_ARCHIVE="$W/restore.sql.zst"
R_DUMPDIR="$W/restore.dump"
R_DB=bench_restore

setup_restore() {
  log "restore: pgproof backup -> A, pg_dump -Fd -j $PAR -> DIR (untimed)"
  "$PGPROOF" backup --quiet --level 3 -o "$R_ARCHIVE" --db "dbname=$DB" >"$WORK/logs/restore-setup.log" 2>&1 &&
    "$PG_DUMP" -Fd -j "$PAR" -f "$R_DUMPDIR" "$DB" >>"$WORK/logs/restore-setup.log" 2>&1 ||
    { cat "$WORK/logs/restore-setup.log" >&2; die "restore setup failed"; }
  SIZE[$R_PGPROOF]=$(stat -c %s "$R_ARCHIVE"); SIZE[$R_NOVERIFY]=${SIZE[$R_PGPROOF]} SIZE[$R_PSQL]=${SIZE[$R_PGPROOF]}
  SIZE[$R_PG_RESTORE]=$(du -sb "$R_DUMPDIR" | cut -f1)
  cut -f1 "$TDIR/tables" | while read -r t; do printf 'SELECT count(*) FROM %s;\n' "$t"; done >"$W/restore-counts.sql"
  R_COUNTS=$("${PSQL[@]}" -At -d "$DB" -f "$W/restore-counts.sql")
}
# restore_into NAME CMD: CMD with @DB@ for a fresh empty database, timed; then the row check.
restore_into() {
  local name=$1 cmd=$2 got
  "$PGBIN/createdb" "$R_DB"
  timeit "$name" "${cmd//@DB@/$R_DB}"
  got=$("${PSQL[@]}" -At -d "$R_DB" -f "$W/restore-counts.sql") || die "'$name': counting the restored rows failed"
  [ "$got" = "$R_COUNTS" ] || die "'$name': the restored tables' row counts differ from the source's"
  "$PGBIN/dropdb" "$R_DB"
}
restore_pgproof() {
  restore_into "$R_PGPROOF" "rss pgproof $(q "$PGPROOF") restore $(q "$R_ARCHIVE") --db dbname=@DB@ --jobs $PAR"
}
restore_noverify() {
  restore_into "$R_NOVERIFY" "rss pgproof $(q "$PGPROOF") restore $(q "$R_ARCHIVE") --db dbname=@DB@ --jobs $PAR --no-verify"
}
restore_pg_restore() {
  restore_into "$R_PG_RESTORE" "rss pg_restore $(q "$PGBIN/pg_restore") -j $PAR -d @DB@ $(q "$R_DUMPDIR")"
}
restore_psql() {
  # ON_ERROR_STOP stays off (psql's default, as people run it); the errors are counted below.
  restore_into "$R_PSQL" "rss zstd zstd -q -dc $(q "$R_ARCHIVE") | rss psql $(q "$PGBIN/psql") -q -X -d @DB@ >/dev/null"
}
bench_restore() {
  local step
  for step in $(rotate "$1" restore_pgproof restore_pg_restore restore_noverify restore_psql); do "$step"; done
}
report_restore() {
  local rv nv pr ps
  rv=$(median "$R_PGPROOF"); nv=$(median "$R_NOVERIFY"); pr=$(median "$R_PG_RESTORE"); ps=$(median "$R_PSQL")
  local base="pg_restore -j $PAR"
  table_row "$R_PG_RESTORE" "$pr" "1.00x" "$base" "$(mb "${SIZE[$R_PG_RESTORE]}") (in)" \
    "pg_restore $(kb_to_mb "$(peak_kb "$R_PG_RESTORE" pg_restore)")"
  table_row "$R_PSQL" "$ps" "$(ratio "$ps" "$pr")" "$base" "$(mb "${SIZE[$R_PSQL]}") (in)" \
    "zstd $(kb_to_mb "$(peak_kb "$R_PSQL" zstd)"), psql $(kb_to_mb "$(peak_kb "$R_PSQL" psql)")"
  table_row "$R_NOVERIFY" "$nv" "$(ratio "$nv" "$pr")" "$base" "$(mb "${SIZE[$R_NOVERIFY]}") (in)" \
    "pgproof $(kb_to_mb "$(peak_kb "$R_NOVERIFY" pgproof)")"
  table_row "$R_PGPROOF" "$rv" "$(ratio "$rv" "$pr")" "$base" "$(mb "${SIZE[$R_PGPROOF]}") (in)" \
    "pgproof $(kb_to_mb "$(peak_kb "$R_PGPROOF" pgproof)")"

  target_le "restore wall (verified) <= 1.1 x ($R_PG_RESTORE)" "$rv" "$(mul 1.1 "$pr")" s "ratio $(ratio "$rv" "$pr")"
  target_le "restore wall (verified) <= 0.8 x ($R_PSQL)" "$rv" "$(mul 0.8 "$ps")" s "ratio $(ratio "$rv" "$ps")"
  target_le "restore wall (--no-verify) <= 0.95 x ($R_PG_RESTORE)" "$nv" "$(mul 0.95 "$pr")" s "ratio $(ratio "$nv" "$pr")"
  local ov
  ov=$(awk -v a="$rv" -v b="$nv" 'BEGIN { if (b > 0) printf "%.1f", (a - b) * 100 / b; else print "inf" }')
  note "the proof's cost in the restore group: (restore - restore --no-verify) / restore --no-verify = $ov % (medians $rv s vs $nv s); the proof reads overlap the loads and index builds (one scheduler), so this is what the proof adds to the wall time, not how long the reads took."
  local errs
  errs=$(grep -c 'ERROR:' "$WORK/logs/$(tr -c 'A-Za-z0-9._-' '_' <<<"$R_PSQL").log" || true)
  note "restore group: A is a pgproof archive of the bench database (pgproof backup --level 3) and DIR a \`pg_dump -Fd -j $PAR\` of it (pg_dump's default compression), both written untimed in the setup; each restore goes into a fresh \`createdb\` database (untimed), then every table's count(*) is checked against the source and the database dropped (untimed). \`zstd -dc A | psql\` ran with psql's defaults (ON_ERROR_STOP off, exit 0): ${errs:-0} ERROR line(s) in its output over all rounds. The size column of the restore rows is the input read."
}

# =============================================================================================
# EXTENSION POINT: comparison groups.
# For a group G define:
#   bench_G ROUND   runs each tool of the group once through `timeit NAME CMD...` (rotate the
#                   order by ROUND); it may use artifacts of its setup or of earlier groups
#   report_G        adds table_row lines and target / target_le / note lines from median NAME,
#                   peak_kb NAME TAG and SIZE[NAME]
#   setup_G         optional, once before the first round (untimed preparation); it must not
#                   rely on another group being selected (see setup_check)
# then add G to BENCH_GROUPS at the top (the run order; --only / --skip check names against it).
# Before the setups, every run builds the dataset, reads it once (warm_up) and writes the table
# lists ($TDIR, table_lists). PAR is the connection count of the snapshot and restore groups.
# =============================================================================================

# ---------------------------------------------------------------------------------------------
# Memory check: pgproof backup, check and snapshot (those of the selected groups) once more on a
# dataset of a quarter the size; the peak RSS of each at both sizes must stay <= RSS_LIMIT_MB.
# ---------------------------------------------------------------------------------------------
# MEM_COLS: "label|timeit name at the main size|timeit name at the small size", selected groups.
MEM_COLS=()
selected backup && MEM_COLS+=("backup|$B_PGPROOF|memory: backup small")
selected check && MEM_COLS+=("check|$C_PGPROOF|memory: check small")
selected snapshot && MEM_COLS+=("snapshot|$S_PGPROOF|memory: snapshot small")
[ ${#MEM_COLS[@]} -gt 0 ] || MEMORY_CHECK=0
M_SMALL_DB=bench_small
memory_check() {
  MS_SCALE=$((SCALE / 4)); [ "$MS_SCALE" -ge 1 ] || MS_SCALE=1
  MS_ROWS=$((ROWS / 4)); [ "$MS_ROWS" -ge 1 ] || MS_ROWS=1
  build_dataset "$M_SMALL_DB" "$MS_SCALE" "$MS_ROWS"
  MS_DB_BYTES=$(db_size "$M_SMALL_DB")
  local archive="$W/small.sql.zst"
  log "memory check: pgproof at scale $MS_SCALE"
  if selected backup || selected check; then
    timeit "memory: backup small" \
      "rss pgproof $(q "$PGPROOF") backup --level 3 -o $(q "$archive") --db dbname=$M_SMALL_DB $BACKUP_JOBS_ARG"
  fi
  if selected check; then timeit "memory: check small" "rss pgproof $(q "$PGPROOF") check $(q "$archive") $JOBS_ARG"; fi
  if selected snapshot; then
    timeit "memory: snapshot small" \
      "rss pgproof $(q "$PGPROOF") snapshot --jobs $PAR -o $(q "$W/small.snapshot.json") --db dbname=$M_SMALL_DB"
  fi
  rm -f "$archive" "$W/small.snapshot.json"
  "${PSQL[@]}" -d postgres -c "DROP DATABASE $M_SMALL_DB"
}
MEMORY_TABLE=()
# memory_row LABEL DB_BYTES WHICH(2 main|3 small): a MEMORY_TABLE row and its target line.
memory_row() {
  local label=$1 bytes=$2 which=$3 col row="" detail="" ok=1 kb lim=$((RSS_LIMIT_MB * 1024))
  for col in "${MEM_COLS[@]}"; do
    kb=$(peak_kb "$(cut -d'|' -f"$which" <<<"$col")" pgproof)
    row+=" $(kb_to_mb "$kb") |"
    detail+="${detail:+, }$(cut -d'|' -f1 <<<"$col") $(kb_to_mb "$kb") MB"
    [ "$kb" -le $lim ] || ok=0
  done
  MEMORY_TABLE+=("| $label | $(mb "$bytes") |$row")
  target $ok "pgproof peak RSS <= $RSS_LIMIT_MB MB at $label ($(mb "$bytes")): $detail"
}
report_memory() {
  local col header="| dataset | pg_database_size |" rule="|---|---:|"
  for col in "${MEM_COLS[@]}"; do
    header+=" pgproof $(cut -d'|' -f1 <<<"$col") peak RSS MB |"; rule+="---:|"
  done
  MEMORY_TABLE+=("$header" "$rule")
  if [ "$MEMORY_CHECK" = 1 ]; then memory_row "scale $MS_SCALE + $MS_ROWS rows" "$MS_DB_BYTES" 3; fi
  memory_row "scale $SCALE + $ROWS rows" "$DB_BYTES" 2
}

# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------
STARTED=$(now)
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
log "groups: ${SELECTED[*]}"
build_dataset "$DB" "$SCALE" "$ROWS"
DB_BYTES=$(db_size "$DB")
TABLE_SIZES=$("${PSQL[@]}" -At -d "$DB" -c "SELECT string_agg(format('%s %s', c.relname, pg_size_pretty(pg_total_relation_size(c.oid))), ', ' ORDER BY pg_total_relation_size(c.oid) DESC) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND n.nspname = 'public'")
log "  tables with their indexes: $TABLE_SIZES"
warm_up
table_lists

for g in "${SELECTED[@]}"; do
  if declare -F "setup_$g" >/dev/null; then "setup_$g"; fi
done
for ((round = 1; round <= RUNS; round++)); do
  log "round $round of $RUNS"
  for g in "${SELECTED[@]}"; do "bench_$g" "$round"; done
done
if [ "$MEMORY_CHECK" = 1 ]; then memory_check; fi
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

for g in "${SELECTED[@]}"; do "report_$g"; done
if [ ${#MEM_COLS[@]} -gt 0 ]; then report_memory; fi

# Machine, versions, dataset.
CPU_MODEL=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
[ -n "$CPU_MODEL" ] || CPU_MODEL=$(uname -m)
RAM=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
PG_VERSION=$("${PSQL[@]}" -At -d postgres -c "SELECT version()")
PG_DUMP_VERSION=$("$PG_DUMP" --version)
PGPROOF_VERSION=$("$PGPROOF" --version 2>&1 | head -n 1)
GIT_REV=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ "$GIT_REV" != unknown ] && [ -n "$(git -C "$root" status --porcelain --untracked-files=no 2>/dev/null)" ]; then GIT_REV="$GIT_REV (with uncommitted changes)"; fi
ZSTD_VERSION=$(zstd --version | sed 's/^\*\*\* //; s/ \*\*\*$//')
GZIP_VERSION=$(gzip --version | head -n 1)

render_results() {
  echo "# pgproof benchmark results"
  echo
  if [ "$SMOKE" = 1 ]; then
    echo "> **SMOKE RUN, not the real result.** This run used settings below the defaults"
    echo "> (\`bench/run.sh $ORIG_ARGS\`) to check that the benchmark works end to end; its"
    echo "> numbers say nothing about pgproof's speed. Run \`bench/run.sh\` with the defaults on an"
    echo "> otherwise idle machine for the real result."
    echo
  fi
  if [ "$PARTIAL" = 1 ]; then
    echo "> **PARTIAL RUN:** only the group(s) ${SELECTED[*]} ran (of ${BENCH_GROUPS[*]})."
    echo
  fi
  echo "- Date: $STARTED (finished $(now))"
  echo "- Command: \`bench/run.sh${ORIG_ARGS:+ $ORIG_ARGS}\` ($RUNS round(s), tools alternating within each round; median wall time, max peak RSS)"
  echo "- Groups: ${SELECTED[*]}"
  echo "- pgproof: $PGPROOF_VERSION, commit $GIT_REV, Release build; backup/check jobs ${JOBS:-default ($(nproc) cores)}; snapshot/restore groups $PAR connections (pgproof and baselines)"
  echo "- Machine: $(nproc) cores (nproc), $CPU_MODEL, $RAM RAM; load average before $LOAD_BEFORE, after $LOAD_AFTER"
  echo "- PostgreSQL: $PG_VERSION; $PG_DUMP_VERSION"
  echo "- Tools: $ZSTD_VERSION; $GZIP_VERSION"
  echo "- Dataset: \`pgbench -i -s $SCALE\` + bench_mixed ($ROWS rows: text, jsonb, numeric, timestamptz, bytea, int[] and text[]);" \
       "pg_database_size $(mb "$DB_BYTES") ($TABLE_SIZES, with indexes); plain SQL dump $(mb "$RAW_SQL_BYTES")"
  echo
  echo "| tool | median wall s | min-max s | ratio | baseline | archive size | peak RSS MB |"
  echo "|---|---:|---:|---:|---|---:|---|"
  printf '%s\n' "${TABLE_ROWS[@]}"
  echo
  echo "Targets:"
  echo
  printf '%s\n' "${TARGETS[@]}"
  echo
  if [ ${#MEM_COLS[@]} -gt 0 ]; then
    if [ "$MEMORY_CHECK" = 1 ]; then echo "pgproof's peak RSS at two dataset sizes (memory check):"
    else echo "pgproof's peak RSS (memory check off: one dataset size only):"; fi
    echo
    printf '%s\n' "${MEMORY_TABLE[@]}"
    echo
  fi
  echo "Notes:"
  echo
  echo "- ratio = the tool's median wall time / the baseline's median wall time; F.sql.zst in the"
  echo "  check rows and A in the restore rows are pgproof archives. Wall time covers the whole"
  echo "  command or pipeline (for the N x psql rows: N psql processes in parallel, until the last"
  echo "  ends); peak RSS is GNU time's %M for each process, the max over all rounds. The archive"
  echo "  size column is the output written (backup rows) or the input read (restore rows, \"(in)\")."
  echo "- The cluster is throwaway (scripts/pg-cluster.sh: fsync off, shared_buffers 256MB, unix"
  echo "  socket); the dataset is loaded into plain tables, vacuumed (freeze, analyze) and"
  echo "  checkpointed, then read once by an untimed warm-up pg_dump."
  printf '%s\n' "${NOTES[@]}"
}
render_results >"$WORK/RESULTS.md"
echo
cat "$WORK/RESULTS.md"
cp "$WORK/RESULTS.md" "$RESULTS"
log "results written to $RESULTS; $FAILED_TARGETS target(s) failed"
if [ "$STRICT" = 1 ] && [ "$FAILED_TARGETS" -gt 0 ]; then exit 1; fi
exit 0
