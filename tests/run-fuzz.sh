#!/usr/bin/env bash
# tests/run-fuzz.sh SECONDS FUZZER...: runs each libFuzzer binary for
# SECONDS on a corpus kept under build/fuzz/corpus/<name> (seeded from
# tests/fuzz/corpus/<name> when that exists), FUZZ_JOBS at a time (default:
# the number of cores); fails on any crash, leak or sanitizer report.
set -u
cd "$(dirname "$0")/.." || exit 1
secs=$1
shift
jobs=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 1)}

# One fuzzer; its log is build/fuzz/<name>.log, its status <name>.rc.
run_one() {
    local f=$1 name=${1##*/} corpus log seeds=()
    corpus=build/fuzz/corpus/$name
    log=build/fuzz/$name.log
    mkdir -p "$corpus"
    [[ -d tests/fuzz/corpus/$name ]] && seeds=("tests/fuzz/corpus/$name")
    if "$f" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix=build/fuzz/"$name"- \
        "$corpus" "${seeds[@]}" >"$log" 2>&1; then
        echo 0 >"build/fuzz/$name.rc"
        echo "fuzz: $name ok ($(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | awk '{print $2}') runs in ${secs}s)"
    else
        echo 1 >"build/fuzz/$name.rc"
        echo "fuzz: $name FAILED"
    fi
}

running=0
for f in "$@"; do
    if (( running >= jobs )); then
        wait -n
        running=$((running - 1))
    fi
    run_one "$f" &
    running=$((running + 1))
done
wait

failed=()
for f in "$@"; do
    name=${f##*/}
    if [[ "$(cat "build/fuzz/$name.rc" 2>/dev/null)" != 0 ]]; then
        failed+=("$name")
        echo "---- $name"
        tail -n 40 "build/fuzz/$name.log"
    fi
done
if (( ${#failed[@]} )); then
    echo "fuzz: FAILED: ${failed[*]}"
    exit 1
fi
