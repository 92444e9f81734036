#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ with clang (-DPGPROOF_FUZZ=ON) into ./build-fuzz and runs each for
# SECONDS (default 60) on a copy of its seed corpus fuzz/corpus/TARGET. Prints each target's executions and
# any crash file; exits 1 if a target found something. FUZZ_TARGETS="plan lint" runs only those.
set -uo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
targets=(${FUZZ_TARGETS:-manifest archive plan baseline lint})
extra=()
if command -v ccache >/dev/null; then extra+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$PWD}"; fi
CC=clang CXX=clang++ cmake -S . -B build-fuzz -DPGPROOF_FUZZ=ON -DPGPROOF_TESTS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    "${extra[@]}" >/dev/null || exit 2
cmake --build build-fuzz -j "$(nproc)" --target "${targets[@]/#/fuzz_}" >&2 || exit 2
found=0
for t in "${targets[@]}"; do
    work="build-fuzz/run/$t"; rm -rf "$work"; mkdir -p "$work/corpus" "$work/crashes"
    cp fuzz/corpus/"$t"/* "$work/corpus/" 2>/dev/null
    log="$work/fuzz.log"
    ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1 \
        "build-fuzz/fuzz/fuzz_$t" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
        -artifact_prefix="$work/crashes/" "$work/corpus" >"$log" 2>&1
    rc=$?
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$')
    [ -n "$execs" ] || execs=$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#')
    crashes=$(ls "$work/crashes" 2>/dev/null)
    printf '%-9s %5ss  %10s executions  exit %d\n' "$t" "$seconds" "${execs:-?}" "$rc"
    if [ -n "$crashes" ] || [ "$rc" != 0 ]; then
        found=1
        for c in $crashes; do echo "  finding: $work/crashes/$c"; done
        grep -m3 -E 'ERROR|runtime error|terminate called|what\(\)' "$log" | sed 's/^/  /'
    fi
done
exit "$found"
