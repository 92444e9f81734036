#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ with clang (-DPGPROOF_FUZZ=ON) into ./build-fuzz and runs each for
# SECONDS (default 60) on a copy of its seed corpus fuzz/corpus/TARGET, with the dictionary fuzz/TARGET.dict
# when there is one. Prints each target's executions and any finding (crash, sanitizer report, hang over
# 10 s, over 2 GB, an exception other than the documented ones); exits 1 if a target found something, 2 if
# the build failed.
#   FUZZ_TARGETS="plan lint"  runs only those
#   FUZZ_JOBS=2               runs two targets at a time (default 1: one core)
set -uo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
targets=(${FUZZ_TARGETS:-manifest archive plan baseline lint splitter frames toc history})
jobs="${FUZZ_JOBS:-1}"
case "$jobs" in '' | *[!0-9]* | 0) echo "FUZZ_JOBS must be a positive number, not '$jobs'" >&2; exit 2;; esac
extra=()
if command -v ccache >/dev/null; then extra+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$PWD}"; fi
CC=clang CXX=clang++ cmake -S . -B build-fuzz -DPGPROOF_FUZZ=ON -DPGPROOF_TESTS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    "${extra[@]}" >/dev/null || exit 2
cmake --build build-fuzz -j "$(nproc)" --target "${targets[@]/#/fuzz_}" >&2 || exit 2

# One target: its summary line (and findings) in build-fuzz/run/TARGET/summary, exit 1 on a finding.
run() {
    local t=$1 work="build-fuzz/run/$1"
    rm -rf "$work"; mkdir -p "$work/corpus" "$work/crashes"
    cp fuzz/corpus/"$t"/* "$work/corpus/" 2>/dev/null
    local dict=()
    [ -f "fuzz/$t.dict" ] && dict=(-dict="fuzz/$t.dict")
    local log="$work/fuzz.log"
    ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1 \
        "build-fuzz/fuzz/fuzz_$t" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
        "${dict[@]}" -artifact_prefix="$work/crashes/" "$work/corpus" >"$log" 2>&1
    local rc=$?
    local execs crashes
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$')
    [ -n "$execs" ] || execs=$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#')
    crashes=$(ls "$work/crashes" 2>/dev/null)
    {
        printf '%-9s %5ss  %10s executions  exit %d\n' "$t" "$seconds" "${execs:-?}" "$rc"
        if [ -n "$crashes" ] || [ "$rc" != 0 ]; then
            for c in $crashes; do echo "  finding: $work/crashes/$c"; done
            grep -m3 -E 'ERROR|runtime error|terminate called|what\(\)|fuzz_[a-z]+: ' "$log" | sed 's/^/  /'
        fi
    } >"$work/summary"
    [ -z "$crashes" ] && [ "$rc" = 0 ]
}

found=0
running=0
for t in "${targets[@]}"; do
    if [ "$running" -ge "$jobs" ]; then
        wait -n || found=1
        running=$((running - 1))
    fi
    run "$t" &
    running=$((running + 1))
done
while [ "$running" -gt 0 ]; do
    wait -n || found=1
    running=$((running - 1))
done
for t in "${targets[@]}"; do cat "build-fuzz/run/$t/summary" 2>/dev/null || { echo "$t: no result"; found=1; }; done
exit "$found"
