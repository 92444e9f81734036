#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster in a temporary folder: unix socket only, trust auth,
# a free port, run as the 'postgres' user (initdb refuses root).
#   eval "$(scripts/pg-cluster.sh start)"   # exports PGHOST PGPORT PGUSER PGPROOF_CLUSTER_DIR
#   scripts/pg-cluster.sh stop "$PGPROOF_CLUSTER_DIR"
# PGPROOF_CLUSTER_OPTIONS adds server settings ("-c max_locks_per_transaction=10"), after the defaults.
set -euo pipefail
BIN=$(ls -d /usr/lib/postgresql/15/bin 2>/dev/null || pg_config --bindir)
as_postgres() {
  if [ "$(id -u)" = 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi
}
case "${1:-}" in
start)
  dir=$(mktemp -d /tmp/pgproof-cluster.XXXXXX)
  chmod 755 "$dir"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
  port=""
  for p in $(shuf -i 20000-60000 -n 50); do
    if ! (echo > /dev/tcp/127.0.0.1/$p) 2>/dev/null && [ ! -e "$dir/.s.PGSQL.$p" ]; then port=$p; break; fi
  done
  as_postgres "'$BIN/initdb' -D '$dir/data' -A trust -U postgres -E UTF8 --locale=C.UTF-8 >'$dir/initdb.log' 2>&1" \
    || { cat "$dir/initdb.log" >&2; exit 1; }
  as_postgres "'$BIN/pg_ctl' -D '$dir/data' -l '$dir/server.log' -w -t 60 \
      -o \"-k '$dir' -p $port -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100 -c shared_buffers=256MB -c max_wal_size=4GB ${PGPROOF_CLUSTER_OPTIONS:-}\" start >/dev/null" \
    || { cat "$dir/server.log" >&2; exit 1; }
  echo "export PGHOST='$dir' PGPORT='$port' PGUSER=postgres PGDATABASE=postgres PGPROOF_CLUSTER_DIR='$dir'"
  ;;
stop)
  dir="${2:?cluster folder}"
  case "$dir" in /tmp/pgproof-cluster.*) ;; *) echo "refusing to remove $dir" >&2; exit 2;; esac
  if [ -d "$dir/data" ]; then
    as_postgres "'$BIN/pg_ctl' -D '$dir/data' -m immediate -w stop >/dev/null 2>&1" || true
  fi
  rm -rf "$dir"
  ;;
*) echo "usage: $0 start | stop DIR" >&2; exit 2;;
esac
