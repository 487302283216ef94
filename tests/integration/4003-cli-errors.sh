#!/usr/bin/env bash
# Errors and exit codes of the client against the AWS CLI: usage errors
# (252), parameter validation (252), bad values (255), configuration and
# credentials (253), service errors (254), connection failures (255).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cli-compare.sh"
lv_start

cmp_cli "missing required option" -- logs create-log-group
cmp_cli "two missing required options" -- logs put-retention-policy
cmp_cli "unknown option" -- logs create-log-group --bogus x --log-group-name a
cmp_cli "unknown operation" -- logs nosuch
cmp_cli "no operation" -- logs
cmp_cli "option without its value" -- logs describe-log-groups --log-group-name-prefix
cmp_cli "global option without its value" -- logs describe-log-groups --region
cmp_cli "not an integer" -- logs describe-log-groups --limit abc
cmp_cli "min length (botocore)" -- logs create-log-group --log-group-name ''
cmp_cli "min value (botocore)" -- logs describe-log-groups --limit 0
# (a JSON syntax error is worded by the parser: Python's json and jansson
# differ, so only the exit code and the first words are compared)
out=$("$LOGVAULT_BIN" logs create-log-group --log-group-name x --tags '{bad' 2>&1); rc=$?
expect_eq "bad JSON exit" 252 "$rc"
[[ $out == *"Error parsing parameter '--tags': Invalid JSON: "* ]] || fail "bad JSON: $out"
cmp_cli "missing file://" -- kms put-key-policy --key-id k --policy-name default --policy file:///nonexistent/p.json
cmp_cli "--cli-input-json lacking a required member" -- logs create-log-group --cli-input-json '{}'
# (an unknown member's message lists the model's members: the AWS CLI's
# 2.9 model has fewer, so it is checked on an operation that did not grow)
cmp_cli "--cli-input-json with an unknown member" -- logs delete-log-group --cli-input-json '{"logGroupName": "x", "nope": 1}'
cmp_cli "--no-paginate with --max-items" -- logs describe-log-groups --no-paginate --max-items 2
cmp_cli "bad --output" -- logs describe-log-groups --output nope
cmp_cli "service error" -- logs delete-log-group --log-group-name never-made
cmp_cli "server-side validation" -- logs create-log-group --log-group-name 'bad name!'
cmp_cli "no credentials" -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -- logs describe-log-groups
cmp_cli "no region" -u AWS_REGION -u AWS_DEFAULT_REGION -- logs describe-log-groups
cmp_cli "unknown profile" -- logs describe-log-groups --profile nobody
cmp_cli "wrong secret" AWS_SECRET_ACCESS_KEY=wrong -- kms list-keys

# A connection failure names the endpoint (both tools use --endpoint-url).
a=$(/usr/bin/aws --endpoint-url http://127.0.0.1:1 logs describe-log-groups 2>&1); arc=$?
l=$("$LOGVAULT_BIN" --endpoint-url http://127.0.0.1:1 logs describe-log-groups 2>&1); lrc=$?
l2=$("$LOGVAULT_BIN" logs describe-log-groups --endpoint-url http://127.0.0.1:1 2>&1); lrc=$?
expect_eq "connection failure exit" "$arc" "$lrc"
expect_eq "connection failure message" "$a" "$l2"
