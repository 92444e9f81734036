#!/usr/bin/env bash
# pgproof benchmark: one command from a fresh Debian 12 machine to a results table.
#
#   bench/run.sh [--scale N] [--rows N] [--runs K] [--jobs N] [--no-memory-check]
#                [--results FILE] [--strict]
#
# Installs the dependencies (scripts/install-deps.sh --bench), builds pgproof (Release) into
# ./build-bench, starts a throwaway PostgreSQL 15 cluster (scripts/pg-cluster.sh), builds the
# dataset in it, times pgproof against the tools people use today (K rounds, tools alternating
# within each round; median wall time, max peak RSS), prints a markdown table with PASS/FAIL
# target lines and writes it, with the machine, the dataset and the date, to bench/RESULTS.md.
# The cluster and every bench output (archives, logs) live in temporary folders that are always
# removed, also on failure or Ctrl-C.
#
# To add a comparison group (snapshot, verify, restore, ...): see "EXTENSION POINT" below.
set -euo pipefail
unset LC_ALL
export LC_NUMERIC=C # EPOCHREALTIME and awk print '.' decimals

root=$(cd "$(dirname "$0")/.." && pwd)
PGBIN=/usr/lib/postgresql/15/bin

# ---------------------------------------------------------------------------------------------
# Options
# ---------------------------------------------------------------------------------------------
DEFAULT_SCALE=100 DEFAULT_ROWS=2000000 DEFAULT_RUNS=3
SCALE=$DEFAULT_SCALE   # pgbench -i -s SCALE (100 is about 1.5 GB)
ROWS=$DEFAULT_ROWS     # rows of the mixed-type table bench_mixed
RUNS=$DEFAULT_RUNS     # rounds; each tool runs once per round
JOBS=""                # pgproof --jobs (empty: pgproof's default, the number of cores)
MEMORY_CHECK=1         # also back up a second, smaller dataset (scale/4, rows/4) to compare RSS
RESULTS="$root/bench/RESULTS.md"
STRICT=0               # exit 1 when a target fails
RSS_LIMIT_MB=256

usage() {
  cat <<EOF
usage: bench/run.sh [--scale N] [--rows N] [--runs K] [--jobs N] [--[no-]memory-check]
                    [--results FILE] [--strict]

  --scale N           pgbench scale of the dataset (default $DEFAULT_SCALE, about 1.5 GB)
  --rows N            rows of the mixed-type table bench_mixed (default $DEFAULT_ROWS)
  --runs K            rounds; the median wall time is reported (default $DEFAULT_RUNS)
  --jobs N            pgproof --jobs (default: pgproof's own default, the number of cores)
  --memory-check      also back up and check a dataset of scale/4 and rows/4 and report
                      pgproof's peak RSS at both sizes (default: on)
  --no-memory-check   skip that
  --results FILE      where to write the results (default bench/RESULTS.md)
  --strict            exit 1 when a target fails (default: report only)

Runs with smaller settings than the defaults are marked SMOKE RUN in the results.
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
    --memory-check) MEMORY_CHECK=1; shift;;
    --no-memory-check) MEMORY_CHECK=0; shift;;
    --results) [ -n "${2:-}" ] || { echo "bench: --results needs a file" >&2; exit 2; }
      RESULTS=$(cd "$(dirname "$2")" && pwd)/$(basename "$2"); shift 2;;
    --strict) STRICT=1; shift;;
    -h|--help) usage; exit 0;;
    *) echo "bench: unknown option '$1'" >&2; usage >&2; exit 2;;
  esac
done
SMOKE=0
if [ "$SCALE" -lt $DEFAULT_SCALE ] || [ "$ROWS" -lt $DEFAULT_ROWS ] || [ "$RUNS" -lt $DEFAULT_RUNS ]; then SMOKE=1; fi

log() { echo "bench: $*" >&2; }
die() { echo "bench: ERROR: $*" >&2; exit 1; }
q() { printf '%q' "$1"; }
now() { date -u +%Y-%m-%dT%H:%M:%SZ; }

# ---------------------------------------------------------------------------------------------
# Setup: dependencies, build, work folder, throwaway cluster (always stopped by the trap)
# ---------------------------------------------------------------------------------------------
log "installing dependencies (scripts/install-deps.sh --bench)"
"$root/scripts/install-deps.sh" --bench

WORK=$(mktemp -d "${TMPDIR:-/tmp}/pgproof-bench.XXXXXX")
W="$WORK/out"; mkdir -p "$W" "$WORK/logs" "$WORK/bin"
PGPROOF_CLUSTER_DIR=""
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  # Background dataset loaders started by this script, by pid.
  local pids; pids=$(jobs -pr) || true
  [ -n "$pids" ] && kill $pids 2>/dev/null || true
  # Interrupted right after the cluster started, before its folder was known here.
  if [ -z "$PGPROOF_CLUSTER_DIR" ] && [ -s "$WORK/cluster.env" ]; then eval "$(cat "$WORK/cluster.env")"; fi
  if [ -n "$PGPROOF_CLUSTER_DIR" ]; then
    log "stopping the throwaway cluster"
    "$root/scripts/pg-cluster.sh" stop "$PGPROOF_CLUSTER_DIR" || true
  fi
  rm -rf "$WORK"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

log "building pgproof (Release) into build-bench (log: build-bench/bench-build.log)"
mkdir -p "$root/build-bench"
build_log="$root/build-bench/bench-build.log"
if ! { cmake -S "$root" -B "$root/build-bench" -DCMAKE_BUILD_TYPE=Release -DPGPROOF_TESTS=OFF &&
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
"$root/scripts/pg-cluster.sh" start >"$WORK/cluster.env"
eval "$(cat "$WORK/cluster.env")"
log "cluster at $PGHOST port $PGPORT"
PSQL=("$PGBIN/psql" -X -q -v ON_ERROR_STOP=1)

# ---------------------------------------------------------------------------------------------
# Measurement: timeit NAME CMD...
# ---------------------------------------------------------------------------------------------
# CMD... is joined into one command line run by `bash -o pipefail -c` (pipelines and redirections
# work; quote paths with q). Each call appends one wall time to WALLS[NAME] and keeps the peak
# RSS (KB, max over calls) of the whole command in RSS_KB[NAME/all] and of each process started
# as `rss TAG PROGRAM ARGS...` inside CMD in RSS_KB[NAME/TAG]. Any non-zero exit stops the bench.
# pgproof backup starts pg_dump through $WORK/bin/pg_dump, which records RSS_KB[NAME/pg_dump].
declare -A WALLS=() RSS_KB=() SIZE=()
rss() { local tag=$1; shift; /usr/bin/time -f '%M' -o "$BENCH_PROBE_DIR/$tag" "$@"; }
export -f rss
cat >"$WORK/bin/pg_dump" <<EOF
#!/bin/sh
# pg_dump for pgproof backup (PGPROOF_PG_DUMP), recording its own peak RSS apart from pgproof's.
if [ -n "\${BENCH_PROBE_DIR:-}" ]; then exec /usr/bin/time -f '%M' -o "\$BENCH_PROBE_DIR/pg_dump" $(q "$PG_DUMP") "\$@"; fi
exec $(q "$PG_DUMP") "\$@"
EOF
chmod +x "$WORK/bin/pg_dump"
export PGPROOF_PG_DUMP="$WORK/bin/pg_dump"

timeit() {
  local name=$1; shift
  local cmd="$*" probe="$WORK/probe" status=0
  local logf; logf="$WORK/logs/$(tr -c 'A-Za-z0-9._-' '_' <<<"$name").log"
  rm -rf "$probe"; mkdir -p "$probe"
  sync # do not time the write-back of the previous run's output
  local t0=$EPOCHREALTIME
  BENCH_PROBE_DIR="$probe" /usr/bin/time -f '%M' -o "$probe/all" bash -o pipefail -c "$cmd" >>"$logf" 2>&1 || status=$?
  local t1=$EPOCHREALTIME
  if [ "$status" != 0 ]; then
    tail -n 20 "$logf" >&2
    die "'$name' failed (exit $status): $cmd"
  fi
  local wall; wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
  WALLS[$name]="${WALLS[$name]:-}${WALLS[$name]:+ }$wall"
  local f tag kb
  for f in "$probe"/*; do
    tag=$(basename "$f"); kb=$(tail -n 1 "$f")
    [[ "$kb" =~ ^[0-9]+$ ]] || die "'$name': no RSS figure for $tag ($(cat "$f"))"
    if [ "$kb" -gt "${RSS_KB[$name/$tag]:-0}" ]; then RSS_KB[$name/$tag]=$kb; fi
  done
  log "  $(printf '%-48s %9.3f s  %7.1f MB peak' "$name" "$wall" "$(kb_to_mb "${RSS_KB[$name/all]}")")"
}

# record_size NAME FILE: the output size of NAME (the last run's; they are all alike).
record_size() { SIZE[$1]=$(stat -c %s "$2"); }
# median NAME: median wall time in seconds of NAME's runs.
median() {
  tr ' ' '\n' <<<"${WALLS[$1]:?no runs of $1}" | sort -g |
    awk '{ a[NR] = $1 } END { if (NR % 2) printf "%.3f", a[(NR + 1) / 2]; else printf "%.3f", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}
peak_kb() { echo "${RSS_KB[$1/$2]:?no RSS for $1/$2}"; }
kb_to_mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
mb() { awk -v b="$1" 'BEGIN { printf "%.1f MB", b / 1048576 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else printf "n/a" }'; }
# le A B: success when A <= B (floats).
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }'; }
mul() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a * b }'; }
# rotate ROUND ITEM...: the items, starting at position ROUND-1, so no tool always runs first.
rotate() {
  local r=$1; shift
  local n=$# i; local -a items=("$@")
  for ((i = 0; i < n; i++)); do echo "${items[(r - 1 + i) % n]}"; done
}

# ---------------------------------------------------------------------------------------------
# Report: rows of the markdown table and PASS/FAIL target lines
# ---------------------------------------------------------------------------------------------
TABLE_ROWS=() TARGETS=() NOTES=() FAILED_TARGETS=0
md() { sed 's/|/\\|/g' <<<"$1"; } # escape pipes inside table cells
# table_row TOOL MEDIAN_S RATIO BASELINE ARCHIVE PEAK_RSS
table_row() {
  TABLE_ROWS+=("| \`$(md "$1")\` | $2 | $3 | $(md "$4") | $5 | $(md "$6") |")
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
  "${PSQL[@]}" -d "$db" <<'SQL'
CREATE TABLE bench_mixed (
  id       bigint      NOT NULL,
  label    text        NOT NULL,
  doc      jsonb       NOT NULL,
  amount   numeric(12,2) NOT NULL,
  created  timestamptz NOT NULL,
  payload  bytea       NOT NULL,
  tags     integer[]   NOT NULL,
  words    text[]
);
SQL
  local chunks; chunks=$(nproc); [ "$chunks" -gt 4 ] && chunks=4
  local c lo hi
  for ((c = 0; c < chunks; c++)); do
    lo=$((rows * c / chunks + 1)); hi=$((rows * (c + 1) / chunks))
    "${PSQL[@]}" -d "$db" >"$WORK/logs/mixed-$db-$c.log" 2>&1 <<SQL &
INSERT INTO bench_mixed
SELECT g,
       substr(md5(g::text), 1, 8),
       jsonb_build_object('k', hashint8(g) & 1023),
       (hashint8(g * 7) & 1048575) / 100.0,
       timestamptz '2020-01-01 00:00:00+00' + g * interval '7 seconds',
       decode(substr(md5(g::text), 9, 8), 'hex'),
       ARRAY[g % 100, hashint8(g * 3) & 65535],
       CASE WHEN g % 4 = 0 THEN ARRAY['w' || (g % 97), 'x' || (g % 13)] END
FROM generate_series($lo, $hi) AS g;
SQL
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

# ---------------------------------------------------------------------------------------------
# Group: backup. pg_dump alone, | gzip, | zstd -T0 -3, pgproof backup --level 3.
# ---------------------------------------------------------------------------------------------
B_NULL="pg_dump DB > /dev/null"
B_GZIP="pg_dump DB | gzip > F.sql.gz"
B_ZSTD="pg_dump DB | zstd -T0 -3 > F.sql.zst"
B_PGPROOF="pgproof backup --level 3 -o F.sql.zst --db DB${JOBS:+ --jobs $JOBS}"
PGPROOF_ARCHIVE="$W/pgproof.sql.zst"

setup_backup() {
  # Warm-up (untimed): reads every table once, and measures the plain SQL size.
  log "warm-up: pg_dump | wc -c"
  RAW_SQL_BYTES=$("$PG_DUMP" "$DB" | wc -c)
}
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
  timeit "$B_PGPROOF" "rss pgproof $(q "$PGPROOF") backup --level 3 -o $(q "$PGPROOF_ARCHIVE") --db dbname=$DB $JOBS_ARG"
  record_size "$B_PGPROOF" "$PGPROOF_ARCHIVE"
}
bench_backup() {
  local step
  for step in $(rotate "$1" backup_pg_dump backup_gzip backup_zstd backup_pgproof); do "$step"; done
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

# =============================================================================================
# EXTENSION POINT: comparison groups, run in this order in every round.
# For a group G define:
#   bench_G ROUND   runs each tool of the group once through `timeit NAME CMD...` (rotate the
#                   order by ROUND); it may use artifacts of earlier groups ($PGPROOF_ARCHIVE)
#   report_G        adds table_row lines and target / target_le lines from median NAME,
#                   peak_kb NAME TAG and SIZE[NAME]
#   setup_G         optional, once before the first round (untimed preparation)
# then append G here. Planned: snapshot, verify, restore.
BENCH_GROUPS=(backup check)
# =============================================================================================

# ---------------------------------------------------------------------------------------------
# Memory check: pgproof backup and check once more on a dataset of a quarter the size.
# ---------------------------------------------------------------------------------------------
M_SMALL_DB=bench_small
memory_check() {
  MS_SCALE=$((SCALE / 4)); [ "$MS_SCALE" -ge 1 ] || MS_SCALE=1
  MS_ROWS=$((ROWS / 4)); [ "$MS_ROWS" -ge 1 ] || MS_ROWS=1
  build_dataset "$M_SMALL_DB" "$MS_SCALE" "$MS_ROWS"
  MS_DB_BYTES=$(db_size "$M_SMALL_DB")
  local archive="$W/small.sql.zst"
  log "memory check: pgproof backup and check at scale $MS_SCALE"
  timeit "memory: backup small" \
    "rss pgproof $(q "$PGPROOF") backup --level 3 -o $(q "$archive") --db dbname=$M_SMALL_DB $JOBS_ARG"
  timeit "memory: check small" "rss pgproof $(q "$PGPROOF") check $(q "$archive") $JOBS_ARG"
  rm -f "$archive"
  "${PSQL[@]}" -d postgres -c "DROP DATABASE $M_SMALL_DB"
}
MEMORY_TABLE=()
report_memory() {
  local big_b big_c
  big_b=$(peak_kb "$B_PGPROOF" pgproof); big_c=$(peak_kb "$C_PGPROOF" pgproof)
  local lim=$((RSS_LIMIT_MB * 1024)) ok
  MEMORY_TABLE+=("| dataset | pg_database_size | pgproof backup peak RSS MB | pgproof check peak RSS MB |")
  MEMORY_TABLE+=("|---|---:|---:|---:|")
  if [ "$MEMORY_CHECK" = 1 ]; then
    local small_b small_c
    small_b=$(peak_kb "memory: backup small" pgproof); small_c=$(peak_kb "memory: check small" pgproof)
    MEMORY_TABLE+=("| scale $MS_SCALE + $MS_ROWS rows | $(mb "$MS_DB_BYTES") | $(kb_to_mb "$small_b") | $(kb_to_mb "$small_c") |")
    ok=0; [ "$small_b" -le $lim ] && [ "$small_c" -le $lim ] && ok=1
    target $ok "pgproof peak RSS <= $RSS_LIMIT_MB MB at scale $MS_SCALE ($(mb "$MS_DB_BYTES")): backup $(kb_to_mb "$small_b") MB, check $(kb_to_mb "$small_c") MB"
  fi
  MEMORY_TABLE+=("| scale $SCALE + $ROWS rows | $(mb "$DB_BYTES") | $(kb_to_mb "$big_b") | $(kb_to_mb "$big_c") |")
  ok=0; [ "$big_b" -le $lim ] && [ "$big_c" -le $lim ] && ok=1
  target $ok "pgproof peak RSS <= $RSS_LIMIT_MB MB at scale $SCALE ($(mb "$DB_BYTES")): backup $(kb_to_mb "$big_b") MB, check $(kb_to_mb "$big_c") MB"
}

# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------
STARTED=$(now)
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
build_dataset "$DB" "$SCALE" "$ROWS"
DB_BYTES=$(db_size "$DB")

for g in "${BENCH_GROUPS[@]}"; do
  if declare -F "setup_$g" >/dev/null; then "setup_$g"; fi
done
for ((round = 1; round <= RUNS; round++)); do
  log "round $round of $RUNS"
  for g in "${BENCH_GROUPS[@]}"; do "bench_$g" "$round"; done
done
[ "$MEMORY_CHECK" = 1 ] && memory_check
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

for g in "${BENCH_GROUPS[@]}"; do "report_$g"; done
report_memory

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
  echo "- Date: $STARTED (finished $(now))"
  echo "- Command: \`bench/run.sh${ORIG_ARGS:+ $ORIG_ARGS}\` ($RUNS round(s), tools alternating within each round; median wall time, max peak RSS)"
  echo "- pgproof: $PGPROOF_VERSION, commit $GIT_REV, Release build, jobs ${JOBS:-default ($(nproc) cores)}"
  echo "- Machine: $(nproc) cores (nproc), $CPU_MODEL, $RAM RAM; load average before $LOAD_BEFORE, after $LOAD_AFTER"
  echo "- PostgreSQL: $PG_VERSION; $PG_DUMP_VERSION"
  echo "- Tools: $ZSTD_VERSION; $GZIP_VERSION"
  echo "- Dataset: \`pgbench -i -s $SCALE\` + bench_mixed ($ROWS rows: text, jsonb, numeric, timestamptz, bytea, int[] and text[]);" \
       "pg_database_size $(mb "$DB_BYTES"); plain SQL dump $(mb "$RAW_SQL_BYTES")"
  echo
  echo "| tool | median wall s | ratio | baseline | archive size | peak RSS MB |"
  echo "|---|---:|---:|---|---:|---|"
  printf '%s\n' "${TABLE_ROWS[@]}"
  echo
  echo "Targets:"
  echo
  printf '%s\n' "${TARGETS[@]}"
  echo
  if [ "$MEMORY_CHECK" = 1 ]; then echo "pgproof's peak RSS at two dataset sizes (memory check):"
  else echo "pgproof's peak RSS (memory check off: one dataset size only):"; fi
  echo
  printf '%s\n' "${MEMORY_TABLE[@]}"
  echo
  echo "Notes:"
  echo
  echo "- ratio = the tool's median wall time / the baseline's median wall time; F.sql.zst in the"
  echo "  check rows is pgproof's archive. Wall time covers the whole command or pipeline; peak RSS"
  echo "  is GNU time's %M for each process, the max over all rounds."
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
