#!/usr/bin/env bash
# The whole test suite, from a fresh machine: install dependencies, build, start a
# throwaway PostgreSQL, run ctest, and always stop and remove the cluster
# (also on failure or Ctrl-C). Extra arguments go to ctest (e.g. -R verify). Then, unless
# PGPROOF_SKIP_FUZZ=1, every fuzz target runs 10 s (scripts/fuzz.sh 10, clang build in ./build-fuzz);
# a finding fails the run.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scripts/install-deps.sh
dir=$(scripts/build.sh)
scripts/install-test-extension.sh
eval "$("$root/scripts/pg-cluster.sh" start)"
cleanup() { "$root/scripts/pg-cluster.sh" stop "$PGPROOF_CLUSTER_DIR"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
echo "PostgreSQL test cluster at $PGHOST port $PGPORT" >&2
cd "$root/$dir"
ctest --output-on-failure -j "$(nproc)" "$@"
# Then every fuzz target briefly (the whole suite only: not with ctest arguments such as -R).
if [ "${PGPROOF_SKIP_FUZZ:-0}" != 1 ] && [ $# -eq 0 ]; then
  cleanup; trap - EXIT  # the fuzz targets need no server
  cd "$root"
  FUZZ_JOBS="${FUZZ_JOBS:-$(nproc)}" "$root/scripts/fuzz.sh" 10
fi
