#!/usr/bin/env bash
# Object storage (issue 24): pgproof's own S3 client against the pipelines users write today with the
# aws CLI, on one S3 server on loopback (scripts/s3-test-server.sh: s3rver or moto, both checking
# Signature V4). On the bench dataset (pgbench -i -s SCALE plus ROWS rows of bench_mixed), K rounds of
#   pgproof backup -o s3://B/p.sql.zst            vs  pgproof backup -o - | aws s3 cp - s3://B/a.sql.zst
#   pgproof check s3://B/p.sql.zst                vs  aws s3 cp s3://B/p.sql.zst - | pgproof check -
#   pgproof restore s3://B/p.sql.zst --db NEW     vs  aws s3 cp s3://B/p.sql.zst - | pgproof restore - --db NEW
# the two forms alternating within each round (which runs first rotates). Prints medians, min-max,
# ratios (target: pgproof's form <= 1.0x the pipeline) and peak RSS of pgproof's own process
# (target <= 256 MB) as a markdown table.
#   bench/s3.sh [--scale N] [--rows N] [--runs K] [--server s3rver|moto] [--bin PGPROOF]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
SCALE=10 ROWS=250000 RUNS=3 SERVER=s3rver BIN="$root/build/cli/pgproof"
while [ $# -gt 0 ]; do
  case "$1" in
    --scale) SCALE=$2; shift 2;; --rows) ROWS=$2; shift 2;; --runs) RUNS=$2; shift 2;;
    --server) SERVER=$2; shift 2;; --bin) BIN=$2; shift 2;;
    *) echo "usage: $0 [--scale N] [--rows N] [--runs K] [--server s3rver|moto] [--bin PGPROOF]" >&2; exit 2;;
  esac
done
[ -x "$BIN" ] || { echo "$0: $BIN is not a pgproof binary (build with scripts/build.sh, or give --bin)" >&2; exit 2; }
command -v aws >/dev/null || die "the aws CLI is not installed"
case "$SERVER" in s3rver|moto) ;; *) die "--server takes s3rver or moto";; esac
PGBENCH=$(ls -d /usr/lib/postgresql/*/bin/pgbench | sort -V | tail -1)
bench_work pgproof-s3-bench
W=$WORK
S3DIR=""
stop_s3() { if [ -n "$S3DIR" ]; then "$root/scripts/s3-test-server.sh" stop "$S3DIR" >/dev/null 2>&1 || true; fi; S3DIR=""; }
trap 'rc=$?; stop_s3; (exit $rc); bench_cleanup' EXIT
cluster_up
"$root/scripts/s3-test-server.sh" start "$SERVER" >"$W/s3.env"
eval "$(cat "$W/s3.env")"
S3DIR=$PGPROOF_S3_SERVER_DIR
# The client side the AWS way, for pgproof and the aws CLI alike; no profile files of this host.
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
export AWS_ENDPOINT_URL="$PGPROOF_S3_ENDPOINT" AWS_ACCESS_KEY_ID="$PGPROOF_S3_ACCESS_KEY_ID" AWS_SECRET_ACCESS_KEY="$PGPROOF_S3_SECRET_ACCESS_KEY"
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL_S3
AWS="aws --endpoint-url $(q "$PGPROOF_S3_ENDPOINT")"
$AWS s3 mb s3://bench >/dev/null
createdb sb
"$PGBENCH" -q -i -s "$SCALE" sb >/dev/null 2>&1
psql -q -X -d sb -v lo=1 -v hi="$ROWS" -f "$root/bench/mixed-table.sql" >/dev/null
psql -q -X -d sb -c 'VACUUM (FREEZE, ANALYZE)' >/dev/null
"$BIN" backup -q -o "$W/ref.sql.zst" --db sb  # untimed: warms the cache as every later run finds it
P=$(q "$BIN")
fresh() { dropdb --if-exists "$1" && createdb "$1"; }
for r in $(seq "$RUNS"); do
  for form in $(rotate "$r" pgproof pipeline); do
    fresh "r_$form"
    if [ "$form" = pgproof ]; then
      timeit backup-s3 "rss pgproof $P backup -q --force -o s3://bench/p.sql.zst --db sb"
      timeit check-s3 "rss pgproof $P check -q s3://bench/p.sql.zst"
      timeit restore-s3 "rss pgproof $P restore -q s3://bench/p.sql.zst --db r_pgproof"
    else
      timeit backup-pipe "rss pgproof $P backup -q -o - --db sb | $AWS s3 cp - s3://bench/a.sql.zst"
      timeit check-pipe "$AWS s3 cp s3://bench/p.sql.zst - | rss pgproof $P check -q -"
      timeit restore-pipe "$AWS s3 cp s3://bench/p.sql.zst - | rss pgproof $P restore -q - --db r_pipeline"
    fi
  done
done
row() { # LABEL PGPROOF PIPELINE
  printf '| %s | %s s (%s) | %s s (%s) | %s | %.0f MB, %.0f MB |\n' "$1" "$(median "$2")" "$(spread "$2")" "$(median "$3")" "$(spread "$3")" \
    "$(ratio "$(median "$2")" "$(median "$3")")" "$(kb_to_mb "$(peak_kb "$2" pgproof)")" "$(kb_to_mb "$(peak_kb "$3" pgproof)")"
}
size=$($AWS s3api head-object --bucket bench --key p.sql.zst --query ContentLength --output text)
echo "$SERVER on loopback; pgbench scale $SCALE + bench_mixed $ROWS rows ($(psql -X -At -d sb -c "SELECT pg_size_pretty(pg_database_size('sb'))")), archive $(mb "$size"); $RUNS rounds, $(nproc) cores, $(date -u +%F)"
echo
echo "| command | pgproof on s3:// | aws CLI pipeline | ratio | pgproof peak RSS (s3://, pipeline) |"
echo "|---|---:|---:|---:|---:|"
row "backup: -o s3:// vs -o - \| aws s3 cp -" backup-s3 backup-pipe
row "check: s3:// vs aws s3 cp - \| check -" check-s3 check-pipe
row "restore (verified): s3:// vs aws s3 cp - \| restore -" restore-s3 restore-pipe
