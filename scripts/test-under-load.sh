#!/bin/sh
# The flakiness check (not part of `make test`): the whole suite, in the gcc
# build and the ASan/UBSan build, RUNS times in a row while two CPU burners
# (stress-ng --cpu 2) run beside it. Stops at the first failing run and
# keeps its output; prints one line per run.
#
#   scripts/test-under-load.sh [RUNS] [JOBS] [together]
#   (make test-under-load RUNS=10 JOBS=4 TOGETHER=together)
#
# JOBS is ctest's -j (default: the number of CPUs). More jobs than CPUs is
# a harder test, not an easier one: more servers start at once, and each
# waits longer for the CPU. "together" runs the two builds' suites at the
# same time in each run (each with JOBS), the burners beside both: harder
# again, and shorter, since much of a suite's time is spent waiting.
set -u
runs=${1:-10}
root=$(cd "$(dirname "$0")/.." && pwd)
logdir=$root/build/under-load
mkdir -p "$logdir"
jobs=${2:-$(nproc 2>/dev/null || echo 2)}
together=${3:-}
echo "test-under-load: $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?'), $runs runs, ctest -j $jobs${together:+, both builds together}, started $(date -u +%FT%TZ)"
stress-ng --cpu 2 --timeout 0 --quiet &
burner=$!
trap 'kill $burner 2>/dev/null; wait $burner 2>/dev/null' EXIT INT TERM
# One build's suite, run i; its result line on stdout, 1 if it failed.
suite() {
    b=$1
    start=$(date +%s)
    # ctest in a session of its own: started from a shell that then
    # goes away, the tests it was running got that terminal's SIGHUP
    # (ctest starts its tests with default signal handlers, so nohup
    # does not reach them), and a run failed that no test had failed
    if (cd "$root/$b" && setsid -w ctest --output-on-failure -j "$jobs") > "$logdir/run$i-$b.log" 2>&1; then
        summary=$(grep -E "tests passed" "$logdir/run$i-$b.log")
        echo "run $i $b: $summary ($(( $(date +%s) - start )) s)"
    else
        echo "run $i $b: FAILED ($(( $(date +%s) - start )) s), see $logdir/run$i-$b.log:"
        grep -E "^\s+[0-9]+ - |FAILED|Failed" "$logdir/run$i-$b.log" | head -20
        return 1
    fi
}
i=1
while [ "$i" -le "$runs" ]; do
    if [ -n "$together" ]; then
        suite build > "$logdir/run$i-build.line" & gcc=$!
        suite build-asan > "$logdir/run$i-build-asan.line" & asan=$!
        wait $gcc; rg=$?
        wait $asan; ra=$?
        cat "$logdir/run$i-build.line" "$logdir/run$i-build-asan.line"
        [ $rg -eq 0 ] && [ $ra -eq 0 ] || exit 1
    else
        suite build || exit 1
        suite build-asan || exit 1
    fi
    i=$((i + 1))
done
echo "test-under-load: $runs runs in a row passed in both builds (ctest -j $jobs${together:+, both builds together}) under stress-ng --cpu 2"
