#!/usr/bin/env bash
# Peak memory with one huge value (issue "scale", point 1): a table holding one bytea of S MiB (random
# bytes, so its COPY text is 2*S MiB of hex that compresses to about half) beside 10,000 small rows,
# for each S, through backup (pg_dump | pgproof backup --from-stdin: pgproof's process alone), backup
# --jobs 2 (pgproof reads the rows itself; its pg_dump child, which then dumps the schema, included),
# check, restore --no-verify, restore (verified), verify and snapshot. Prints the peak RSS of each command for
# each binary given (before / after a change), one round each: memory, not time, is measured here.
#   bench/huge-values.sh [--sizes "25 100 250"] [--bin PGPROOF]... (default: build/cli/pgproof)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$root/bench/lib.sh"
SIZES="25 100 250" BINS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --sizes) SIZES=$2; shift 2;; --bin) BINS+=("$2"); shift 2;;
    *) echo "usage: $0 [--sizes \"25 100 250\"] [--bin PGPROOF]..." >&2; exit 2;;
  esac
done
[ ${#BINS[@]} -gt 0 ] || BINS=("$root/build/cli/pgproof")
for b in "${BINS[@]}"; do [ -x "$b" ] || { echo "$0: $b is not a pgproof binary" >&2; exit 2; }; done
bench_work pgproof-huge-bench
W=$WORK
cluster_up
COMMANDS="backup backup-jobs2 check restore-no-verify restore verify snapshot"
for s in $SIZES; do
  db=huge$s
  createdb "$db"
  # 16 random bytes per md5, made by the server: nothing huge goes through a client.
  psql -q -X -d "$db" -v ON_ERROR_STOP=1 >/dev/null <<SQL
CREATE TABLE big (id int PRIMARY KEY, b bytea);
ALTER TABLE big ALTER COLUMN b SET STORAGE EXTERNAL;
INSERT INTO big SELECT 1, pg_catalog.decode(pg_catalog.string_agg(pg_catalog.md5(g::text), ''), 'hex')
  FROM pg_catalog.generate_series(1, $s * 65536) g;
INSERT INTO big SELECT g, pg_catalog.decode(pg_catalog.md5(g::text), 'hex') FROM pg_catalog.generate_series(2, 10001) g;
SQL
  for i in "${!BINS[@]}"; do
    bin=$(q "${BINS[$i]}") a="$W/a$s-$i.sql.zst"
    timeit "$s/$i/backup" "pg_dump -d $db | rss pgproof $bin backup --from-stdin -o $(q "$a")"
    timeit "$s/$i/backup-jobs2" "$bin backup --jobs 2 --db $db -o $(q "$W/p$s-$i.sql.zst")"; rm -f "$W/p$s-$i.sql.zst"
    timeit "$s/$i/check" "$bin check $(q "$a")"
    createdb "r$s-$i"; timeit "$s/$i/restore-no-verify" "$bin restore $(q "$a") --db r$s-$i --no-verify"
    createdb "v$s-$i"; timeit "$s/$i/restore" "$bin restore $(q "$a") --db v$s-$i"
    timeit "$s/$i/verify" "$bin verify --baseline $(q "$a") --db v$s-$i"
    timeit "$s/$i/snapshot" "$bin snapshot -o $(q "$W/s$s-$i.json") --db v$s-$i"; rm -f "$W/s$s-$i.json"
    dropdb "r$s-$i"; dropdb "v$s-$i"; rm -f "$a"
  done
  dropdb "$db"
done
echo
printf '%-20s' "peak RSS (MB)"; for s in $SIZES; do for i in "${!BINS[@]}"; do printf '%14s' "${s}MiB bin$((i + 1))"; done; done; echo
for c in $COMMANDS; do
  printf '%-20s' "$c"
  for s in $SIZES; do for i in "${!BINS[@]}"; do
    tag=all; [ "$c" = backup ] && tag=pgproof
    printf '%14s' "$(kb_to_mb "$(peak_kb "$s/$i/$c" "$tag")")"
  done; done; echo
done
for i in "${!BINS[@]}"; do echo "bin$((i + 1)): ${BINS[$i]}"; done
