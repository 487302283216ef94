#!/usr/bin/env bash
# The tutorial (a customer-managed key for a log group) with `logvault`
# in place of `aws`: each command runs with both against one server and
# must print the same (structurally, where ids and times differ) and exit
# alike.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cli-compare.sh"
lv_start

if ! grep -q CreateKey "$LV_ROOT/src/kms/keys.c" 2>/dev/null; then
    echo "the KMS service (CreateKey) is not implemented yet"
    exit 77
fi

cmp_cli "kms create-key" -- kms create-key --description tutorial
key=$(cmp_aws_out | python3 -c 'import json,sys; print(json.load(sys.stdin)["KeyMetadata"]["KeyId"])')
[[ -n $key ]] || fail "no key id from create-key"

LV_CMP_BETWEEN='aws logs delete-log-group --log-group-name tut-group' \
    cmp_cli "logs create-log-group" -- logs create-log-group \
    --log-group-name tut-group
cmp_cli "logs create-log-group again" -- logs create-log-group \
    --log-group-name tut-group

cmp_cli "kms get-key-policy" -- kms get-key-policy --key-id "$key" \
    --policy-name default
cmp_cli_exact "kms get-key-policy --output text" -- kms get-key-policy \
    --key-id "$key" --policy-name default --output text \
    --query Policy
aws kms get-key-policy --key-id "$key" --policy-name default \
    --output text --query Policy >"$LV_SCRATCH/policy.json"
python3 - "$LV_SCRATCH/policy.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
p["Statement"].append({
    "Effect": "Allow",
    "Principal": {"Service": "logs.eu-west-2.amazonaws.com"},
    "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*",
               "kms:GenerateDataKey*", "kms:Describe*"],
    "Resource": "*",
    "Condition": {"ArnLike": {"kms:EncryptionContext:aws:logs:arn":
        "arn:aws:logs:eu-west-2:123456789012:log-group:tut-group"}}})
json.dump(p, open(sys.argv[1], "w"), indent=2)
PY
cmp_cli_exact "kms put-key-policy --policy file://" -- kms put-key-policy \
    --key-id "$key" --policy-name default --policy "file://$LV_SCRATCH/policy.json"
cmp_cli "kms get-key-policy after put" -- kms get-key-policy \
    --key-id "$key" --policy-name default

arn=arn:aws:kms:eu-west-2:123456789012:key/$key
cmp_cli_exact "logs associate-kms-key" -- logs associate-kms-key \
    --log-group-name tut-group --kms-key-id "$arn"
cmp_cli "logs describe-log-groups" -- logs describe-log-groups \
    --log-group-name-prefix tut
cmp_cli_exact "describe-log-groups --query kmsKeyId" -- logs \
    describe-log-groups --log-group-name-prefix tut \
    --query 'logGroups[0].kmsKeyId' --output text

LV_CMP_BETWEEN='aws logs delete-log-stream --log-group-name tut-group --log-stream-name s1' \
    cmp_cli "logs create-log-stream" -- logs create-log-stream \
    --log-group-name tut-group --log-stream-name s1
now=$(($(date +%s) * 1000))
cmp_cli "logs put-log-events" -- logs put-log-events \
    --log-group-name tut-group --log-stream-name s1 \
    --log-events "timestamp=$now,message=hello" "timestamp=$((now + 1)),message=world"
cmp_cli "logs get-log-events" -- logs get-log-events \
    --log-group-name tut-group --log-stream-name s1
cmp_cli_exact "get-log-events --query" -- logs get-log-events \
    --log-group-name tut-group --log-stream-name s1 \
    --query 'events[].message' --output text

cmp_cli "kms disable-key" -- kms disable-key --key-id "$key"
cmp_cli "get-log-events with the key disabled" -- logs get-log-events \
    --log-group-name tut-group --log-stream-name s1
cmp_cli "kms enable-key" -- kms enable-key --key-id "$key"
cmp_cli_exact "logs disassociate-kms-key" -- logs disassociate-kms-key \
    --log-group-name tut-group
