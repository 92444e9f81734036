#!/usr/bin/env bash
# The cost of encryption at rest (docs/ENCRYPTION.md): on the bench dataset (pgbench -i -s SCALE plus
# ROWS rows of bench_mixed, bench/mixed-table.sql), K rounds of
#   pgproof backup -o F                      vs  pgproof backup -o F.age --encrypt-to KEY
#   pgproof check F                          vs  pgproof check F.age --identity KEYFILE
#   pgproof check - < F (the stream path)    (what the encrypted check reads through, for reference)
# the plain and encrypted forms alternating within each round (which runs first rotates). Prints the
# medians, min-max and ratios as a markdown table (target: encrypted <= 1.1x the plain form).
#   bench/encryption.sh [--scale N] [--rows N] [--runs K] [--bin PGPROOF]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
SCALE=10 ROWS=250000 RUNS=3 BIN="$root/build/cli/pgproof"
while [ $# -gt 0 ]; do
  case "$1" in
    --scale) SCALE=$2; shift 2;; --rows) ROWS=$2; shift 2;; --runs) RUNS=$2; shift 2;; --bin) BIN=$2; shift 2;;
    *) echo "usage: $0 [--scale N] [--rows N] [--runs K] [--bin PGPROOF]" >&2; exit 2;;
  esac
done
[ -x "$BIN" ] || { echo "$0: $BIN is not a pgproof binary (build with scripts/build.sh, or give --bin)" >&2; exit 2; }
command -v age >/dev/null || die "age is not installed (scripts/install-deps.sh)"
PGBENCH=$(ls -d /usr/lib/postgresql/*/bin/pgbench | sort -V | tail -1)
bench_work pgproof-encryption-bench
W=$WORK
cluster_up
createdb eb
"$PGBENCH" -q -i -s "$SCALE" eb >/dev/null 2>&1
psql -q -X -d eb -v lo=1 -v hi="$ROWS" -f "$root/bench/mixed-table.sql" >/dev/null
psql -q -X -d eb -c 'VACUUM (FREEZE, ANALYZE)' >/dev/null
age-keygen -o "$W/key.txt" 2>/dev/null
KEY=$(age-keygen -y "$W/key.txt")
"$BIN" backup -q -o "$W/ref.sql.zst" --db eb  # untimed: warms the cache as every later run finds it
for r in $(seq "$RUNS"); do
  for form in $(rotate "$r" plain encrypted); do
    if [ "$form" = plain ]; then
      timeit backup-plain "$(q "$BIN") backup -q --force -o $W/p.sql.zst --db eb"
      timeit check-plain "$(q "$BIN") check -q $W/p.sql.zst"
      timeit check-stream "$(q "$BIN") check -q - < $W/p.sql.zst"
    else
      timeit backup-encrypted "$(q "$BIN") backup -q --force -o $W/e.sql.zst.age --encrypt-to $KEY --db eb"
      timeit check-encrypted "$(q "$BIN") check -q $W/e.sql.zst.age --identity $W/key.txt"
    fi
  done
done
size() { stat -c %s "$1"; }
row() { # LABEL PLAIN ENCRYPTED
  printf '| %s | %s s (%s) | %s s (%s) | %s | %.0f, %.0f MB |\n' "$1" "$(median "$2")" "$(spread "$2")" "$(median "$3")" "$(spread "$3")" \
    "$(ratio "$(median "$3")" "$(median "$2")")" "$(kb_to_mb "$(peak_kb "$2")")" "$(kb_to_mb "$(peak_kb "$3")")"
}
echo "pgbench scale $SCALE + bench_mixed $ROWS rows ($(psql -X -At -d eb -c "SELECT pg_size_pretty(pg_database_size('eb'))")), $RUNS rounds, $(nproc) cores, $(date -u +%F)"
echo "archive $(mb "$(size "$W/p.sql.zst")") plain, $(mb "$(size "$W/e.sql.zst.age")") encrypted"
echo
echo "| command | plain | encrypted (age) | encrypted / plain | peak RSS plain, encrypted |"
echo "|---|---:|---:|---:|---:|"
row "backup -o F --db" backup-plain backup-encrypted
row "check F (plain: pread, parallel; encrypted: age -d stream)" check-plain check-encrypted
row "check - < F (plain stream) vs encrypted check" check-stream check-encrypted
