# bench/lib.sh: what the bench scripts share (run.sh, ab.sh, many-tables.sh, rows.sh, load.sh, large.sh, ...).
#   . "$(dirname "$0")/lib.sh"      after `set -euo pipefail`
#
#   bench_work PREFIX    a work folder $WORK (logs in $WORK/logs) and the trap that, on any exit
#                        (failure and Ctrl-C included), stops background jobs and the cluster and
#                        removes $WORK
#   cluster_up           a throwaway PostgreSQL cluster (scripts/pg-cluster.sh; exports PGHOST,
#                        PGPORT, PGUSER, PGDATABASE); stopped by the trap, or by cluster_down
#   timeit [--expect N] NAME CMD...
#                        runs CMD once (joined into one `bash -o pipefail -c` command line) and adds
#                        its wall time to the series NAME and its peak RSS to RSS_KB; stops the bench
#                        unless it exits N (default 0)
#   record NAME VALUE    adds any figure (tps, ...) to the series NAME
#   series, median, spread, series_min, series_max NAME   figures of a series
#   peak_kb NAME [TAG]   the peak RSS in KB of NAME's runs (max over runs): of the whole command (TAG
#                        all, the default), or of a process started as `rss TAG PROGRAM ARGS...` in CMD
#   ratio A B [DIGITS]   A / B as "1.23x" ("n/a" when B is 0)
#   kb_to_mb, mb, le, mul, rotate, stop_background, log, die, q   small helpers (see each)
#   load_mixed_dataset DB GB   the mixed dataset of large.sh and parallel-dump.sh (see it, at the end)
# Peak RSS is GNU time's %M (/usr/bin/time, installed when missing): the largest resident set of the
# command's processes.

export LC_NUMERIC=C # EPOCHREALTIME and awk print '.' decimals
BENCH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

log() { echo "bench: $*" >&2; }
die() { echo "bench: ERROR: $*" >&2; exit 1; }
q() { printf '%q' "$1"; }

# ---------------------------------------------------------------------------------------------
# Work folder, cluster, cleanup
# ---------------------------------------------------------------------------------------------
WORK="" PGPROOF_CLUSTER_DIR=""
bench_work() {
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")
  mkdir -p "$WORK/logs"
  trap bench_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}
bench_cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  # Background jobs started by the script (dataset loaders, load loops), by pid.
  local pid pids; pids=$(jobs -pr) || true
  for pid in $pids; do stop_background "$pid"; done
  cluster_down
  [ -n "$WORK" ] && rm -rf "$WORK"
  exit $rc
}
cluster_up() {
  [ -n "$WORK" ] || die "cluster_up needs bench_work first"
  # Written to a file first: interrupted right after the start, the trap still finds the cluster.
  "$BENCH_ROOT/scripts/pg-cluster.sh" start >"$WORK/cluster.env"
  eval "$(cat "$WORK/cluster.env")"
}
cluster_down() {
  if [ -z "$PGPROOF_CLUSTER_DIR" ] && [ -n "$WORK" ] && [ -s "$WORK/cluster.env" ]; then eval "$(cat "$WORK/cluster.env")"; fi
  [ -n "$PGPROOF_CLUSTER_DIR" ] || return 0
  log "stopping the throwaway cluster"
  "$BENCH_ROOT/scripts/pg-cluster.sh" stop "$PGPROOF_CLUSTER_DIR" || true
  PGPROOF_CLUSTER_DIR=""
  rm -f "$WORK/cluster.env"
}
# stop_background PID: stops a background job of this script and every process under it (a loop's
# pgproof, a pipeline's pg_dump and zstd). Each is paused while its children are listed, so none
# starts another meanwhile; then all get SIGTERM.
_process_tree() {
  local c
  kill -STOP "$1" 2>/dev/null || return 0
  echo "$1"
  for c in $(pgrep -P "$1" || true); do _process_tree "$c"; done
}
stop_background() {
  local pids; pids=$(_process_tree "$1")
  [ -n "$pids" ] || return 0
  # shellcheck disable=SC2086 # one pid a word
  kill -TERM $pids 2>/dev/null || true
  # shellcheck disable=SC2086
  kill -CONT $pids 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

# ---------------------------------------------------------------------------------------------
# Measurement
# ---------------------------------------------------------------------------------------------
declare -A SERIES=() RSS_KB=()
rss() { local tag=$1; shift; /usr/bin/time -f '%M' -o "$BENCH_PROBE_DIR/$tag" "$@"; }
export -f rss
need_gnu_time() {
  [ -x /usr/bin/time ] && return 0
  log "installing GNU time (peak RSS figures)"
  apt-get install -y time >/dev/null
}

# Each call: sync first (the previous run's write-back is not timed), output to
# $WORK/logs/NAME.log, one progress line on stderr.
timeit() {
  local expect=0
  if [ "$1" = --expect ]; then expect=$2; shift 2; fi
  local name=$1; shift
  local cmd="$*" probe="$WORK/probe" status=0
  local logf; logf="$WORK/logs/$(tr -c 'A-Za-z0-9._-' '_' <<<"$name").log"
  need_gnu_time
  rm -rf "$probe"; mkdir -p "$probe"
  sync
  local t0=$EPOCHREALTIME
  BENCH_PROBE_DIR="$probe" /usr/bin/time -f '%M' -o "$probe/all" bash -o pipefail -c "$cmd" >>"$logf" 2>&1 || status=$?
  local t1=$EPOCHREALTIME
  if [ "$status" != "$expect" ]; then
    tail -n 20 "$logf" >&2
    die "'$name' exited $status (expected $expect): $cmd"
  fi
  local wall; wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
  record "$name" "$wall"
  local f tag kb
  for f in "$probe"/*; do
    tag=$(basename "$f"); kb=$(tail -n 1 "$f")
    [[ "$kb" =~ ^[0-9]+$ ]] || die "'$name': no RSS figure for $tag ($(cat "$f"))"
    if [ "$kb" -gt "${RSS_KB[$name/$tag]:-0}" ]; then RSS_KB[$name/$tag]=$kb; fi
  done
  log "  $(printf '%-48s %9.3f s  %7.1f MB peak' "$name" "$wall" "$(kb_to_mb "${RSS_KB[$name/all]}")")"
}

record() { SERIES[$1]="${SERIES[$1]:-}${SERIES[$1]:+ }$2"; }
# series NAME: the figures of NAME in the order recorded, space-separated.
series() { echo "${SERIES[$1]:?no runs of $1}"; }
_sorted() { tr ' ' '\n' <<<"$(series "$1")" | grep . | sort -g; }
# median NAME: the median (of an even count: the mean of the middle two), 3 decimals.
median() {
  _sorted "$1" | awk '{ a[NR] = $1 } END { if (NR % 2) printf "%.3f", a[(NR + 1) / 2]; else printf "%.3f", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}
series_min() { _sorted "$1" | head -n 1; }
series_max() { _sorted "$1" | tail -n 1; }
# spread NAME: "min-max", 3 decimals.
spread() { _sorted "$1" | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%.3f-%.3f", lo, hi }'; }
peak_kb() { echo "${RSS_KB[$1/${2:-all}]:?no RSS for $1/${2:-all}}"; }

# ---------------------------------------------------------------------------------------------
# Arithmetic and formatting
# ---------------------------------------------------------------------------------------------
ratio() { awk -v a="$1" -v b="$2" -v d="${3:-2}" 'BEGIN { if (b > 0) printf "%." d "fx", a / b; else printf "n/a" }'; }
kb_to_mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
mb() { awk -v b="$1" 'BEGIN { printf "%.1f MB", b / 1048576 }'; }
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
# load_mixed_dataset DB GB [HUGE_MB]: the "scale" issue's mixed database at about GB gigabytes in DB (created
# here): pgbench at scale 300*GB/8 (one big table), 100,000*GB/8 jsonb documents of about 15 KB (TOAST-heavy),
# four bytea values of HUGE_MB ("150 180 220 250": always at full size) and 2,000 small tables in schema
# many; then VACUUM (FREEZE, ANALYZE). Used by large.sh and parallel-dump.sh.
load_mixed_dataset() {
  local db=$1 gb=$2 huge=${3:-150 180 220 250} scale docs pgbench
  scale=$(awk -v g="$gb" 'BEGIN { s = int(300 * g / 8); print (s < 1 ? 1 : s) }')
  docs=$(awk -v g="$gb" 'BEGIN { d = int(100000 * g / 8); print (d < 100 ? 100 : d) }')
  pgbench=$(ls -d /usr/lib/postgresql/*/bin/pgbench | sort -V | tail -1)
  log "loading $db: pgbench scale $scale, $docs documents, 4 huge values, 2,000 small tables"
  createdb "$db"
  "$pgbench" -q -i -s "$scale" "$db" >/dev/null 2>&1
  psql -q -X -d "$db" -v ON_ERROR_STOP=1 >/dev/null <<SQL
CREATE TABLE docs (id int PRIMARY KEY, body jsonb NOT NULL);
-- About 15 KB of JSON each: 400 distinct strings (md5s), so TOAST compresses them little.
INSERT INTO docs SELECT g, jsonb_build_object('id', g, 'kind', 'order', 'lines',
  (SELECT jsonb_agg(md5(g::text || ':' || i)) FROM generate_series(1, 400) i))
  FROM generate_series(1, $docs) g;
CREATE TABLE blobs (id int PRIMARY KEY, b bytea);
ALTER TABLE blobs ALTER COLUMN b SET STORAGE EXTERNAL;
INSERT INTO blobs SELECT n, (SELECT decode(string_agg(md5(n::text || g::text), ''), 'hex')
  FROM generate_series(1, mb * 65536) g) FROM unnest('{${huge// /,}}'::int[]) WITH ORDINALITY v(mb, n);
CREATE SCHEMA many;
DO \$\$ BEGIN
  FOR i IN 1..2000 LOOP
    EXECUTE format('CREATE TABLE many.t%s (id int PRIMARY KEY, note text)', i);
    EXECUTE format('INSERT INTO many.t%s SELECT g, md5(g::text) FROM generate_series(1, 10) g', i);
  END LOOP;
END \$\$;
VACUUM (FREEZE, ANALYZE);
SQL
}
