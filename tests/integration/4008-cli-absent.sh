#!/usr/bin/env bash
# Subscription filters, destinations, export and import tasks through the
# AWS CLI and `logvault` (issue 17 item 7): one call of each operation,
# which answers as AWS does for an absent destination; the AWS CLI prints
# AWS's message ("An error occurred (Code) when calling the Op operation:
# message", exit 254) and logvault prints the same. The AWS CLI here (2.9)
# predates the import operations: those are run with logvault only.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cli-compare.sh"
lv_start

R=us-east-1
A=000000000000
ROLE=arn:aws:iam::$A:role/CWLtoKinesisRole
EDS=arn:aws:cloudtrail:$R:$A:eventdatastore/f1d45bff-d0e3-4868-b5d9-2eb678aa32fb
aws logs create-log-group --log-group-name cli-g

expect_aws_error InvalidParameterException \
    "Could not deliver test message to specified Kinesis stream. Check if the given kinesis stream is in ACTIVE state." -- \
    logs put-subscription-filter --log-group-name cli-g --filter-name f \
    --filter-pattern '' --destination-arn arn:aws:kinesis:$R:$A:stream/s \
    --role-arn "$ROLE"
cmp_cli "put-subscription-filter (lambda)" -- logs put-subscription-filter \
    --log-group-name cli-g --filter-name f --filter-pattern ERROR \
    --destination-arn arn:aws:lambda:$R:$A:function:fn
cmp_cli "describe-subscription-filters" -- logs describe-subscription-filters \
    --log-group-name cli-g
cmp_cli "delete-subscription-filter" -- logs delete-subscription-filter \
    --log-group-name cli-g --filter-name f
expect_aws_error InvalidParameterException \
    "Could not deliver test message to specified Firehose stream." -- \
    logs put-destination --destination-name d \
    --target-arn arn:aws:firehose:$R:$A:deliverystream/fh --role-arn "$ROLE"
cmp_cli "put-destination" -- logs put-destination --destination-name d \
    --target-arn arn:aws:kinesis:$R:$A:stream/s --role-arn "$ROLE"
cmp_cli "put-destination-policy" -- logs put-destination-policy \
    --destination-name d --access-policy '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "111111111111"}, "Action": "logs:PutSubscriptionFilter", "Resource": "*"}]}'
cmp_cli "describe-destinations" -- logs describe-destinations
cmp_cli "delete-destination" -- logs delete-destination --destination-name d
expect_aws_error InvalidParameterException \
    "The specified bucket does not exist." -- \
    logs create-export-task --log-group-name cli-g --from 1715918400000 \
    --to 1715920200000 --destination amzn-s3-demo-bucket
cmp_cli "create-export-task (no such group)" -- logs create-export-task \
    --log-group-name nope --from 1 --to 2 --destination b
cmp_cli "describe-export-tasks" -- logs describe-export-tasks
cmp_cli "cancel-export-task" -- logs cancel-export-task --task-id t-1

# The import operations: logvault only (exit 254 and the AWS CLI's format,
# which with AWS_MAX_ATTEMPTS=1 (lib.sh) names the retries; 4003 compares
# that format with the AWS CLI's).
lv_expect() {
    local name=$1 code=$2 op=$3 msg=$4 out rc
    shift 4
    out=$("$LOGVAULT_BIN" --endpoint-url "$LV_ENDPOINT" "$@" 2>&1)
    rc=$?
    expect_eq "$name: exit" 254 "$rc"
    expect_eq "$name: message" \
        "An error occurred ($code) when calling the $op operation (reached max retries: 0): $msg" \
        "$(printf '%s' "$out" | sed '/^$/d')"
}
lv_expect create-import-task ResourceNotFoundException \
    CreateImportTask "The specified event data store does not exist." \
    logs create-import-task --import-source-arn "$EDS" --import-role-arn "$ROLE"
out=$("$LOGVAULT_BIN" --endpoint-url "$LV_ENDPOINT" logs describe-import-tasks 2>&1)
expect_eq "describe-import-tasks" '{"imports": []}' "$(printf '%s' "$out" | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)))')"
lv_expect describe-import-task-batches ResourceNotFoundException \
    DescribeImportTaskBatches "The specified import task does not exist." \
    logs describe-import-task-batches --import-id abc-123
lv_expect cancel-import-task ResourceNotFoundException \
    CancelImportTask "The specified import task does not exist." \
    logs cancel-import-task --import-id abc-123
