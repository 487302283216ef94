#!/usr/bin/env bash
# Runs every tests/integration/NNNN-*.sh and NNNN-*.py (or those named in
# $LV_TESTS, a glob), LV_JOBS at a time (default: twice the cores — the
# tests mostly wait on their own server and client). Each test starts its
# own server on a free port with its own scratch data dir, so they do not
# share state. Exit 0 passed, 77 skipped, anything else failed.
# Needs LOGVAULT_BIN (the server binary under test).
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${LOGVAULT_BIN:?LOGVAULT_BIN must name the logvault binary}"
export LOGVAULT_BIN
pattern=${LV_TESTS:-[0-9][0-9][0-9][0-9]-*}
jobs=${LV_JOBS:-$(( $(nproc 2>/dev/null || echo 1) * 2 ))}
logdir=$(mktemp -d "${TMPDIR:-/tmp}/lv-it-logs.XXXXXX")

# One test: its output goes to $logdir/NAME.log, its exit status and time
# to $logdir/NAME.rc.
run_one() {
    local t=$1 name=${1##*/} cmd start rc ms
    case "$t" in
        *.sh) cmd=(bash "$t") ;;
        *.py) cmd=(/usr/bin/python3 "$t") ;;
        *) return 0 ;;
    esac
    start=$(date +%s%N)
    "${cmd[@]}" >"$logdir/$name.log" 2>&1 </dev/null
    rc=$?
    ms=$(( ($(date +%s%N) - start) / 1000000 ))
    echo "$rc $ms" >"$logdir/$name.rc"
    case $rc in
        0) echo "ok      $name ($((ms / 1000)).$(( (ms % 1000) / 100 ))s)" ;;
        77) echo "skipped $name: $(tail -n 1 "$logdir/$name.log")" ;;
        *) echo "FAILED  $name (exit $rc)" ;;
    esac
}

# The shell tests drive the AWS CLI (one /usr/bin/aws process costs
# 0.6-1.2 s) and are the slowest: they start first, so that the pool does
# not end waiting on them alone; the rest follow in name order.
tests=()
for t in "$here"/$pattern; do
    case "$t" in
        *.sh) tests+=("$t") ;;
    esac
done
for t in "$here"/$pattern; do
    case "$t" in
        *.py) tests+=("$t") ;;
    esac
done
running=0
for t in "${tests[@]}"; do
    if (( running >= jobs )); then
        wait -n
        running=$((running - 1))
    fi
    run_one "$t" &
    running=$((running + 1))
done
wait

pass=0 skip=0
failed=()
for t in "${tests[@]}"; do
    name=${t##*/}
    read -r rc _ <"$logdir/$name.rc" 2>/dev/null || rc=1
    case $rc in
        0) pass=$((pass + 1)) ;;
        77) skip=$((skip + 1)) ;;
        *) failed+=("$name")
           echo "---- $name (exit $rc)"
           sed 's/^/    | /' "$logdir/$name.log" | tail -n 60 ;;
    esac
done
echo "integration: $pass passed, $skip skipped, ${#failed[@]} failed"
if (( ${#failed[@]} )); then
    echo "integration: FAILED: ${failed[*]} (logs in $logdir)"
    exit 1
fi
rm -rf "$logdir"
