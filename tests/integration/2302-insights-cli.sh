#!/usr/bin/env bash
# Logs Insights with the AWS CLI as a user types it (issue 12): put events,
# `aws logs start-query` (the range in epoch seconds), `aws logs
# get-query-results` until Complete, the rows as field/value lists with
# @ptr, `aws logs get-log-record` of a row's @ptr, `aws logs
# describe-queries`, `aws logs stop-query` of an ended query refused, a
# malformed query refused at start-query, and the saved query definitions
# (put-query-definition, describe-query-definitions,
# delete-query-definition); and `logvault logs get-query-results` and
# `describe-queries` print what `aws` prints.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cli-compare.sh"

lv_start

group=/cli/insights
aws logs create-log-group --log-group-name "$group" || fail "create-log-group"
aws logs create-log-stream --log-group-name "$group" --log-stream-name s ||
    fail "create-log-stream"
now=$(date +%s)
base=$((now - 300))
events="["
for i in 0 1 2 3 4 5; do
    level=INFO
    ((i % 2 == 0)) && level=ERROR
    events+="{\"timestamp\":$(((base + i) * 1000)),\"message\":\"$level cli $i\"},"
done
events="${events%,}]"
aws logs put-log-events --log-group-name "$group" --log-stream-name s \
    --log-events "$events" >/dev/null || fail "put-log-events"

expect_aws_error MalformedQueryException "" -- logs start-query \
    --log-group-name "$group" --start-time "$base" --end-time "$now" \
    --query-string 'fields @message | bogus_command_xyz 1'

qid=$(aws logs start-query --log-group-name "$group" --start-time "$base" \
    --end-time "$now" --query-string \
    'fields @timestamp, @message | filter @message like /ERROR/ | sort @timestamp asc' \
    --query queryId --output text)
[[ $qid =~ ^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$ ]] ||
    fail "start-query gave [$qid]"

status=
for ((i = 0; i < 600; i++)); do
    status=$(aws logs get-query-results --query-id "$qid" --query status \
        --output text)
    [[ $status == Scheduled || $status == Running ]] || break
    sleep 0.05
done
expect_eq "get-query-results status" Complete "$status"
got=$(aws logs get-query-results --query-id "$qid" \
    --query 'results[*][?field==`@message`].value[]' --output text)
expect_eq "the ERROR events" "ERROR cli 0	ERROR cli 2	ERROR cli 4" "$got"
got=$(aws logs get-query-results --query-id "$qid" \
    --query 'statistics.[recordsScanned, recordsMatched]' --output text)
expect_eq "statistics" "6.0	3.0" "$got"
ptr=$(aws logs get-query-results --query-id "$qid" \
    --query 'results[0][?field==`@ptr`].value | [0]' --output text)
got=$(aws logs get-log-record --log-record-pointer "$ptr" \
    --query 'logRecord."@message"' --output text)
expect_eq "get-log-record" "ERROR cli 0" "$got"
expect_aws_error InvalidParameterException "logRecordPointer" -- logs \
    get-log-record --log-record-pointer "${ptr}x"

got=$(aws logs describe-queries --query 'queries[0].[queryId, status]' \
    --output text)
expect_eq "describe-queries" "$qid	Complete" "$got"
expect_aws_error InvalidParameterException "not running" -- logs stop-query \
    --query-id "$qid"
cmp_cli "logvault logs get-query-results" -- logs get-query-results \
    --query-id "$qid"
cmp_cli "logvault logs describe-queries" -- logs describe-queries

id=$(aws logs put-query-definition --name ops/errors --query-string \
    'fields @message | filter @message like /ERROR/' \
    --log-group-names "$group" --query queryDefinitionId --output text)
got=$(aws logs describe-query-definitions --query-definition-name-prefix ops \
    --query 'queryDefinitions[0].[name, logGroupNames[0]]' --output text)
expect_eq "describe-query-definitions" "ops/errors	$group" "$got"
got=$(aws logs delete-query-definition --query-definition-id "$id" \
    --query success --output text)
expect_eq "delete-query-definition" True "$got"
got=$(aws logs describe-query-definitions --query 'length(queryDefinitions)' \
    --output text)
expect_eq "none left" 0 "$got"
