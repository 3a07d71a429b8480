#!/usr/bin/env bash
# Runs the libFuzzer harnesses built into build/fuzz/bin (make fuzz,
# make fuzz-regress) and prints, per harness, the executions done, the
# time, and whether it crashed. Exits non-zero when any harness crashed.
#
#   run.sh NAME...            fuzz each for FUZZ_RUNS executions (default
#                             1000000), or FUZZ_SECONDS seconds when set;
#                             new inputs go to build/fuzz/corpus/NAME,
#                             crashes to build/fuzz/artifacts/NAME
#   run.sh --regress NAME...  run each once over its seed corpus and its
#                             kept crashes (test/fuzz/crashes/NAME), no
#                             mutation
#
# Leaks are checked, with no suppression but a harness's own
# test/fuzz/NAME.supp (third-party leaks, each one explained there).
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
bin=build/fuzz/bin
regress=0
if [ "${1:-}" = "--regress" ]; then
    regress=1
    shift
fi
runs=${FUZZ_RUNS:-1000000}
seconds=${FUZZ_SECONDS:-}
export UBSAN_OPTIONS="print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"

failed=0
printf '%-12s %12s %9s %10s  %s\n' harness executions seconds exec/s result
for name in "$@"; do
    log=build/fuzz/logs/$name.log
    mkdir -p build/fuzz/logs
    dirs=()
    for d in test/fuzz/corpus/$name test/fuzz/crashes/$name; do
        [ -d "$d" ] && dirs+=("$d")
    done
    mkdir -p "build/fuzz/artifacts/$name"
    args=(-artifact_prefix="build/fuzz/artifacts/$name/" -timeout=10)
    if [ "$regress" = 1 ]; then
        args+=(-runs=0)
    else
        work=build/fuzz/corpus/$name
        mkdir -p "$work"
        dirs=("$work" "${dirs[@]}")
        if [ -n "$seconds" ]; then
            args+=(-max_total_time="$seconds")
        else
            args+=(-runs="$runs")
        fi
    fi
    lsan=${LSAN_OPTIONS:-}
    if [ -f "test/fuzz/$name.supp" ]; then
        lsan="suppressions=$top/test/fuzz/$name.supp${lsan:+:$lsan}"
    fi
    start=$(date +%s.%N)
    LSAN_OPTIONS=$lsan "$bin/$name" -print_final_stats=1 "${args[@]}" "${dirs[@]}" >"$log" 2>&1
    rc=$?
    end=$(date +%s.%N)
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    if [ "$regress" = 1 ]; then
        # -runs=0 only runs the inputs read: count them.
        execs=$(sed -n 's/^INFO: *\([0-9]*\) files found.*/\1/p' "$log" |
            awk '{n += $1} END {print n + 0}')
    fi
    secs=$(awk -v a="$start" -v b="$end" 'BEGIN {printf "%.1f", b - a}')
    rate=-
    if [ "$regress" = 0 ]; then
        rate=$(awk -v n="${execs:-0}" -v s="$secs" \
            'BEGIN {printf "%d", (s > 0 ? n / s : 0)}')
    fi
    if [ "$rc" -eq 0 ]; then
        result=ok
    else
        failed=1
        what=$(grep -m1 -E '^SUMMARY:|ERROR: libFuzzer|runtime error' "$log")
        input=$(sed -n 's/.*Test unit written to \(.*\)/\1/p' "$log" | tail -1)
        result="CRASH (exit $rc) ${what:-see $log}${input:+; input $input}"
    fi
    printf '%-12s %12s %9s %10s  %s\n' "$name" "${execs:-?}" "$secs" "$rate" "$result"
done
exit "$failed"
