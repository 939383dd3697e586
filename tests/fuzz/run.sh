#!/bin/sh
# Runs every libFuzzer target built in BUILD for SECONDS each, with its
# seed corpus (new findings are kept in a work corpus beside it) and the
# SMTP dictionary. Crashes land in tests/fuzz/artifacts/.
set -eu
build=${1:?build dir}
seconds=${2:-60}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$here/artifacts"
for bin in "$build"/tests/fuzz/fuzz_*; do
    [ -x "$bin" ] || continue
    name=$(basename "$bin" | sed 's/^fuzz_//')
    work="$build/fuzz-work/$name"
    mkdir -p "$work"
    dict=""
    case $name in
        smtp_*|config|envelope|local_tables|xverbs|sasl) dict="-dict=$here/smtp.dict" ;;
        spf_*) dict="-dict=$here/spf.dict" ;;
        mime_*|hdrfilter) dict="-dict=$here/mime.dict" ;;
    esac
    [ -f "$here/$name.dict" ] && dict="-dict=$here/$name.dict"
    echo "== $name for ${seconds}s"
    "$bin" -max_total_time="$seconds" -print_final_stats=1 $dict \
        -artifact_prefix="$here/artifacts/$name-" "$work" "$here/corpus/$name" 2>&1 |
        grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+ *DONE)|ERROR|SUMMARY' || true
done
