#!/usr/bin/env bash
# tests/run-fuzz.sh SECONDS FUZZER...: runs each libFuzzer binary for
# SECONDS on a corpus kept under build/fuzz/corpus/<name> (seeded from
# tests/fuzz/corpus/<name> when that exists); fails on any crash.
set -u
cd "$(dirname "$0")/.." || exit 1
secs=$1
shift
failed=()
for f in "$@"; do
    name=${f##*/}
    corpus=build/fuzz/corpus/$name
    mkdir -p "$corpus"
    seeds=()
    [[ -d tests/fuzz/corpus/$name ]] && seeds=("tests/fuzz/corpus/$name")
    log=build/fuzz/$name.log
    if "$f" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix=build/fuzz/"$name"- "$corpus" "${seeds[@]}" \
        >"$log" 2>&1; then
        echo "fuzz: $name ok ($(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | awk '{print $2}') runs in ${secs}s)"
    else
        failed+=("$name")
        echo "fuzz: $name FAILED"
        tail -n 40 "$log"
    fi
done
if (( ${#failed[@]} )); then
    echo "fuzz: FAILED: ${failed[*]}"
    exit 1
fi
