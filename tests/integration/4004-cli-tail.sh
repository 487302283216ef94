#!/usr/bin/env bash
# `logvault logs tail` against `aws logs tail`: the three formats,
# --since, --filter-pattern, --log-stream-names. Skipped until the server
# implements FilterLogEvents.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cli-compare.sh"
lv_start

aws logs create-log-group --log-group-name tail-g
aws logs create-log-stream --log-group-name tail-g --log-stream-name s1
now=$(($(date +%s) * 1000))
aws logs put-log-events --log-group-name tail-g --log-stream-name s1 \
    --log-events "timestamp=$((now - 1000)),message=first" \
    "timestamp=$now,message={\"a\": 1}" >/dev/null
if aws logs filter-log-events --log-group-name tail-g 2>&1 | grep -q NotImplemented; then
    echo "the server does not implement FilterLogEvents yet"
    exit 77
fi
cmp_cli_exact "tail (detailed)" -- logs tail tail-g
cmp_cli_exact "tail --format short" -- logs tail tail-g --format short
cmp_cli_exact "tail --format json" -- logs tail tail-g --format json
cmp_cli_exact "tail --since 1h" -- logs tail tail-g --since 1h
cmp_cli_exact "tail --filter-pattern" -- logs tail tail-g --filter-pattern first
cmp_cli_exact "tail --log-stream-names" -- logs tail tail-g --log-stream-names s1
cmp_cli "tail of a missing group" -- logs tail no-such-group
cmp_cli "tail without a group" -- logs tail
