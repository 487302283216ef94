#!/usr/bin/env bash
# Runs each unit-test binary given, LV_UNIT_JOBS at a time (default: the
# number of cores; each test makes its own temporary files), from the
# repository root; prints each one's output whole, in the order given,
# then a summary; fails if any failed. A binary that exits 77 was skipped
# (it says why): counted apart, never as passed.
set -u
cd "$(dirname "$0")/.." || exit 1
jobs=${LV_UNIT_JOBS:-$(nproc 2>/dev/null || echo 1)}
logdir=$(mktemp -d "${TMPDIR:-/tmp}/lv-unit-logs.XXXXXX")

# One binary: its output goes to $logdir/NAME.log, its status to NAME.rc.
run_one() {
    local name=${1##*/}
    "$1" >"$logdir/$name.log" 2>&1 </dev/null
    echo $? >"$logdir/$name.rc"
}

running=0
for t in "$@"; do
    if (( running >= jobs )); then
        wait -n
        running=$((running - 1))
    fi
    run_one "$t" &
    running=$((running + 1))
done
wait

failed=()
skipped=()
for t in "$@"; do
    name=${t##*/}
    echo "== $name"
    cat "$logdir/$name.log"
    read -r rc <"$logdir/$name.rc" 2>/dev/null || rc=1
    if (( rc == 77 )); then
        skipped+=("$name")
    elif (( rc != 0 )); then
        failed+=("$name")
    fi
done
rm -rf "$logdir"
echo "unit: $(( $# - ${#failed[@]} - ${#skipped[@]} ))/$# binaries passed"
if (( ${#skipped[@]} )); then
    echo "unit: skipped: ${skipped[*]}"
fi
if (( ${#failed[@]} )); then
    echo "unit: FAILED: ${failed[*]}"
    exit 1
fi
