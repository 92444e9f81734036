#!/usr/bin/env bash
# An S3 server on a free loopback port that checks Signature V4, for tests and demos.
#   s3-test-server.sh start moto|s3rver   prints shell exports: PGPROOF_S3_KIND, PGPROOF_S3_ENDPOINT,
#                                         PGPROOF_S3_ACCESS_KEY_ID, PGPROOF_S3_SECRET_ACCESS_KEY and
#                                         PGPROOF_S3_SERVER_DIR (the server's folder, for stop)
#   s3-test-server.sh stop DIR            stops that server and removes its folder
#   s3-test-server.sh start-shared DIR    starts one moto and one s3rver (in parallel) for a whole ctest
#                                         run and writes their exports to DIR/moto.env, DIR/s3rver.env
#                                         (the fixture's setup test; S3TestServer uses them when present)
#   s3-test-server.sh stop-shared DIR     stops them and removes the .env files (the fixture's cleanup)
# moto: moto's server with IAM authentication switched on after an IAM user and key are created
# (s3-test-servers/moto-server.py). s3rver: the npm server installed by install-s3-test-servers.sh
# (s3-test-servers/s3rver-server.js), with a random key pair. A request signed with another secret is
# refused by either. The credentials live only in the server's folder (mode 700) and in the exports.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cmd=${1:-}
case "$cmd" in
  start)
    kind=${2:-}
    dir=$(mktemp -d "${TMPDIR:-/tmp}/pgproof-s3.XXXXXX")
    chmod 700 "$dir"
    case "$kind" in
      moto)
        setsid python3 "$root/scripts/s3-test-servers/moto-server.py" "$dir/env" >"$dir/server.log" 2>&1 </dev/null &
        ;;
      s3rver)
        "$root/scripts/install-s3-test-servers.sh"
        mkdir -p "$dir/data"
        PGPROOF_S3_TEST_SERVERS_MODULES="$root/.cache/s3-test-servers/node_modules" \
          setsid node "$root/scripts/s3-test-servers/s3rver-server.js" "$dir/env" "$dir/data" >"$dir/server.log" 2>&1 </dev/null &
        ;;
      *) echo "usage: s3-test-server.sh start moto|s3rver" >&2; rm -rf "$dir"; exit 2 ;;
    esac
    pid=$!
    echo "$pid" >"$dir/pid"
    for _ in $(seq 1 300); do
      [ -f "$dir/env" ] && break
      if ! kill -0 "$pid" 2>/dev/null; then
        echo "s3-test-server: $kind did not start:" >&2; tail -20 "$dir/server.log" >&2; rm -rf "$dir"; exit 1
      fi
      sleep 0.1
    done
    if [ ! -f "$dir/env" ]; then
      echo "s3-test-server: $kind did not start within 30 s" >&2; kill "$pid" 2>/dev/null || true; rm -rf "$dir"; exit 1
    fi
    echo "export PGPROOF_S3_KIND=$kind PGPROOF_S3_SERVER_DIR=$dir"
    sed 's/^/export /' "$dir/env"
    ;;
  stop)
    dir=${2:-}
    [ -n "$dir" ] && [ -f "$dir/pid" ] || { echo "usage: s3-test-server.sh stop DIR" >&2; exit 2; }
    pid=$(cat "$dir/pid")
    # The server runs in its own session (setsid): stop it and anything it started.
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null || true
    rm -rf "$dir"
    ;;
  start-shared)
    shared=${2:?usage: s3-test-server.sh start-shared DIR}
    mkdir -p "$shared"
    "$0" stop-shared "$shared"  # a run that was killed may have left its servers behind
    pids=()
    for kind in moto s3rver; do
      ( "$0" start "$kind" >"$shared/$kind.env.tmp" && mv "$shared/$kind.env.tmp" "$shared/$kind.env" ) &
      pids+=($!)
    done
    status=0
    for p in "${pids[@]}"; do wait "$p" || status=1; done
    exit $status
    ;;
  stop-shared)
    shared=${2:?usage: s3-test-server.sh stop-shared DIR}
    for f in "$shared"/moto.env "$shared"/s3rver.env; do
      [ -f "$f" ] || continue
      server=$(sed -n 's/.*PGPROOF_S3_SERVER_DIR=\([^ ]*\).*/\1/p' "$f" | head -1)
      rm -f "$f"
      [ -n "$server" ] && [ -f "$server/pid" ] && "$0" stop "$server"
    done
    rm -f "$shared"/*.env.tmp
    ;;
  *) echo "usage: s3-test-server.sh start moto|s3rver | stop DIR | start-shared DIR | stop-shared DIR" >&2; exit 2 ;;
esac
