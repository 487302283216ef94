#!/usr/bin/env bash
# The server starts, answers the AWS CLI, and tells apart a wrong secret,
# an unknown key, an operation without a handler and a validation error.
. "$(dirname "$0")/lib.sh"

out=$("$LOGVAULT_BIN" version)
expect_eq "version prints the version" "logvault" "${out%% *}"
"$LOGVAULT_BIN" --help | grep -q "serve" || fail "--help does not mention serve"
"$LOGVAULT_BIN" serve --help | grep -q -- "--data-dir" || fail "serve --help lacks --data-dir"
"$LOGVAULT_BIN" serve --bogus >/dev/null 2>&1
expect_eq "an unknown serve option exits 2" 2 $?

lv_start

# A wrong secret: the signature cannot match.
AWS_SECRET_ACCESS_KEY=wrong expect_aws_error InvalidSignatureException \
    "The request signature we calculated does not match the signature you provided." \
    -- kms list-keys
# A key the server does not know.
AWS_ACCESS_KEY_ID=AKIDUNKNOWN expect_aws_error UnrecognizedClientException \
    "The security token included in the request is invalid." -- kms list-keys
AWS_ACCESS_KEY_ID=AKIDUNKNOWN expect_aws_error UnrecognizedClientException \
    "The security token included in the request is invalid." -- logs describe-log-groups

# The right secret reaches routing and validation. Whatever the services
# implement, a pattern violation is the front's: Logs says
# InvalidParameterException, with AWS's wording.
expect_aws_error InvalidParameterException \
    "1 validation error detected: Value 'bad name!' at 'logGroupName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\.\-_/#A-Za-z0-9]+" \
    -- logs create-log-group --log-group-name 'bad name!'
expect_aws_error ValidationException \
    "Value 'FOO' at 'keySpec' failed to satisfy constraint: Member must satisfy enum value set:" \
    -- kms create-key --key-spec FOO

# An operation with no handler yet says so, naming it; once KMS lands,
# list-keys answers for real.
out=$(aws kms list-keys 2>&1)
rc=$?
if ((rc == 0)); then
    echo "$out" | /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); assert "Keys" in d' \
        || fail "list-keys succeeded without Keys: $out"
else
    [[ $out == *"(NotImplemented)"*"ListKeys"* ]] || fail "list-keys: $out"
fi

# One log line per request: time, id, operation, principal, status, ms.
grep -qE 'http: req=[0-9a-f-]{36} op=TrentService.ListKeys principal=arn:aws:iam::123456789012:root region=eu-west-2 status=[0-9]+ ms=' "$LV_LOG" \
    || fail "no request log line for ListKeys in $(cat "$LV_LOG")"
# Secrets never reach the log.
if grep -q 'Signature=' "$LV_LOG"; then fail "the log holds a signature"; fi
