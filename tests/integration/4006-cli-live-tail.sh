#!/usr/bin/env bash
# `logvault logs start-live-tail` (the AWS CLI v2's print-only mode): the
# messages of the events put after it started, filtered by a pattern and
# by stream names, each on its line; SIGINT ends it with 0; its errors
# before the stream are the AWS CLI's (compared with /usr/bin/aws; an
# older one lacks the operation: then that part is skipped); --mode
# interactive is refused. `logs tail --follow` on Live Tail is 4004's.
# The waits poll for output that must come, with a deadline; nothing
# passes or fails on time.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cli-compare.sh"
lv_start

lt() {
    "$LOGVAULT_BIN" logs start-live-tail --endpoint-url "$LV_ENDPOINT" "$@"
}
aws logs create-log-group --log-group-name lt-g
aws logs create-log-stream --log-group-name lt-g --log-stream-name web
aws logs create-log-stream --log-group-name lt-g --log-stream-name db
put() {
    aws logs put-log-events --log-group-name lt-g --log-stream-name "$1" \
        --log-events "timestamp=$(($(date +%s) * 1000)),message=$2" \
        >/dev/null
}
wait_for_lines() {
    local want=$1 file=$2 i
    for ((i = 0; i < 600; i++)); do
        (($(wc -l <"$file") >= want)) && return 0
        kill -0 "$tpid" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}
# The session has started once the server logged it.
wait_started() {
    local n=$1 i
    for ((i = 0; i < 600; i++)); do
        (($(grep -c 'livetail: .* started' "$LV_LOG") >= n)) && return 0
        sleep 0.1
    done
    return 1
}

put web "before the session"
out=$LV_SCRATCH/lt.out
# run directly, not through lt(): SIGINT must reach logvault itself
"$LOGVAULT_BIN" logs start-live-tail --endpoint-url "$LV_ENDPOINT" \
    --log-group-identifiers lt-g >"$out" 2>"$LV_SCRATCH/lt.err" &
tpid=$!
wait_started 1 || fail "start-live-tail: the session did not start"
put web "hello live"
put db "and db"
wait_for_lines 2 "$out" || fail "start-live-tail: the events did not come"
kill -INT "$tpid"
wait "$tpid"
expect_eq "start-live-tail ends with 0 on SIGINT" 0 $?
expect_eq "start-live-tail prints each message after the start" \
    "and db|hello live" "$(sort "$out" | paste -sd'|')"
expect_eq "start-live-tail writes nothing to stderr" "" \
    "$(cat "$LV_SCRATCH/lt.err")"

"$LOGVAULT_BIN" logs start-live-tail --endpoint-url "$LV_ENDPOINT" \
    --log-group-identifiers lt-g --log-stream-names web \
    --log-event-filter-pattern ERROR >"$out" 2>"$LV_SCRATCH/lt.err" &
tpid=$!
wait_started 2 || fail "start-live-tail: the second session did not start"
put db "ERROR not this stream"
put web "INFO not this pattern"
put web "ERROR this one"
wait_for_lines 1 "$out" || fail "start-live-tail: the match did not come"
kill -INT "$tpid"
wait "$tpid"
expect_eq "stream names and a pattern" "ERROR this one" "$(cat "$out")"

if ! /usr/bin/aws logs start-live-tail help >/dev/null 2>&1; then
    echo "skipped part: $(/usr/bin/aws --version 2>&1 | cut -d' ' -f1)" \
        "has no logs start-live-tail to compare the errors with"
else
# botocore sends StartLiveTail to "stream-" + the endpoint's host, which
# names nothing here; logvault prefixes AWS hosts only.
noprefix=AWS_DISABLE_HOST_PREFIX_INJECTION=true
cmp_cli "start-live-tail of a missing group" "$noprefix" -- \
    logs start-live-tail --log-group-identifiers nope
cmp_cli "start-live-tail with names and prefixes" "$noprefix" -- \
    logs start-live-tail --log-group-identifiers lt-g \
    --log-stream-names a --log-stream-name-prefixes b
cmp_cli "start-live-tail without groups" -- logs start-live-tail
fi
# without the AWS CLI: the errors before the stream as it words them
# (lib.sh sets AWS_MAX_ATTEMPTS=1, hence "reached max retries: 0")
err=$(lt --log-group-identifiers nope 2>&1)
expect_eq "a missing group: exit 254 and AWS's error" \
    "254|An error occurred (ResourceNotFoundException) when calling the StartLiveTail operation (reached max retries: 0): The specified log group does not exist." \
    "$?|$(echo $err)"
lt --log-group-identifiers lt-g --mode interactive >/dev/null 2>&1
expect_eq "--mode interactive is refused (usage)" 252 $?
