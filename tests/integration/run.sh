#!/usr/bin/env bash
# Runs every tests/integration/NNNN-*.sh and NNNN-*.py (or those named in
# $LV_TESTS, a glob). Exit 0 passed, 77 skipped, anything else failed.
# Needs LOGVAULT_BIN (the server binary under test).
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${LOGVAULT_BIN:?LOGVAULT_BIN must name the logvault binary}"
export LOGVAULT_BIN
pattern=${LV_TESTS:-[0-9][0-9][0-9][0-9]-*}
pass=0 skip=0
failed=()
logdir=$(mktemp -d "${TMPDIR:-/tmp}/lv-it-logs.XXXXXX")
for t in "$here"/$pattern; do
    case "$t" in
        *.sh) cmd=(bash "$t") ;;
        *.py) cmd=(/usr/bin/python3 "$t") ;;
        *) continue ;;
    esac
    name=${t##*/}
    start=$(date +%s%N)
    "${cmd[@]}" >"$logdir/$name.log" 2>&1
    rc=$?
    ms=$(( ($(date +%s%N) - start) / 1000000 ))
    secs=$((ms / 1000)).$(( (ms % 1000) / 100 ))
    case $rc in
        0) pass=$((pass + 1)); echo "ok      $name (${secs}s)" ;;
        77) skip=$((skip + 1)); echo "skipped $name: $(tail -n 1 "$logdir/$name.log")" ;;
        *) failed+=("$name"); echo "FAILED  $name (exit $rc)"
           sed 's/^/    | /' "$logdir/$name.log" | tail -n 60 ;;
    esac
done
echo "integration: $pass passed, $skip skipped, ${#failed[@]} failed"
if (( ${#failed[@]} )); then
    echo "integration: FAILED: ${failed[*]} (logs in $logdir)"
    exit 1
fi
rm -rf "$logdir"
