#!/usr/bin/env bash
# Configures and builds pgproof (Release) and prints the build folder on stdout.
# PGPROOF_SANITIZE=1 builds with ASan/UBSan into ./build-asan. Compiler output goes to stderr.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=build; extra=()
if [ "${PGPROOF_SANITIZE:-0}" = 1 ]; then dir=build-asan; extra=(-DPGPROOF_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo); fi
# ccache, when installed, makes rebuilds in several checkouts cheap; never required.
if command -v ccache >/dev/null; then extra+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$PWD}"; fi
cmake -S . -B "$dir" "${extra[@]}" >/dev/null
cmake --build "$dir" -j "$(nproc)" >&2
echo "$dir"
