#!/bin/sh
# Runs libFuzzer targets built in BUILD for SECONDS each, with its seed
# corpus (new findings are kept in a work corpus beside it) and the
# dictionary for its input. Crashes land in tests/fuzz/artifacts/.
#
#   run.sh BUILD [SECONDS [TARGET...]]     (default: every target, 60 s)
#
# One line per target is appended to BUILD/fuzz-work/campaign.log:
# date, target, seconds, executions, crashes; tests/fuzz/README.md records
# the campaigns run.
set -eu
build=${1:?build dir}
seconds=${2:-60}
[ $# -ge 2 ] && shift 2 || shift $#
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$here/artifacts" "$build/fuzz-work"
if [ $# -eq 0 ]; then
    set -- $(for b in "$build"/tests/fuzz/fuzz_*; do basename "$b" | sed 's/^fuzz_//'; done)
fi
status=0
for name in "$@"; do
    bin="$build/tests/fuzz/fuzz_$name"
    if [ ! -x "$bin" ]; then
        echo "run.sh: no fuzz target $bin (configure with -DVOUCH_FUZZ=ON, CC=clang)" >&2
        exit 2
    fi
    work="$build/fuzz-work/$name"
    mkdir -p "$work"
    dict=""
    case $name in
        smtp_*|config|envelope|local_tables|xverbs|sasl) dict="-dict=$here/smtp.dict" ;;
        spf_*) dict="-dict=$here/spf.dict" ;;
        mime_*|hdrfilter) dict="-dict=$here/mime.dict" ;;
        dkim_*|arc_*) dict="-dict=$here/dkim.dict" ;;
    esac
    [ -f "$here/$name.dict" ] && dict="-dict=$here/$name.dict"
    echo "== $name for ${seconds}s"
    before=$(ls "$here/artifacts" | grep -c "^$name-" || true)
    out=$("$bin" -max_total_time="$seconds" -print_final_stats=1 $dict \
        -artifact_prefix="$here/artifacts/$name-" "$work" "$here/corpus/$name" 2>&1 || true)
    echo "$out" | grep -aE '^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+ *DONE)|ERROR|SUMMARY' || true
    execs=$(echo "$out" | sed -n 's/^stat::number_of_executed_units: *//p' | tail -n 1)
    after=$(ls "$here/artifacts" | grep -c "^$name-" || true)
    crashes=$((after - before))
    [ "$crashes" -gt 0 ] && status=1
    echo "$(date -u +%Y-%m-%dT%H:%MZ) $name seconds=$seconds execs=${execs:-?} crashes=$crashes" \
        >> "$build/fuzz-work/campaign.log"
done
exit $status
