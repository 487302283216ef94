#!/usr/bin/env bash
# Every option form of the client against the AWS CLI: typed scalars,
# booleans, lists, JSON structures, file:// and fileb://, blobs,
# --cli-input-json, --query, --output text|table, pagination (merged
# pages, --max-items/--starting-token, --page-size, --no-paginate), and
# configuration from the environment and the shared files.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cli-compare.sh"
lv_start

for g in opt-a opt-b opt-c; do aws logs create-log-group --log-group-name $g; done
cmp_cli "describe-log-groups (3 groups)" -- logs describe-log-groups
cmp_cli "--page-size 1 merges pages" -- logs describe-log-groups --page-size 1
cmp_cli "--max-items 2 adds NextToken" -- logs describe-log-groups --max-items 2
tok=$(aws logs describe-log-groups --max-items 2 --query NextToken | tr -d '"')
cmp_cli "--starting-token resumes" -- logs describe-log-groups --starting-token "$tok"
cmp_cli "--max-items 1 --page-size 2 truncates mid-page" -- logs describe-log-groups --max-items 1 --page-size 2
tok=$(aws logs describe-log-groups --max-items 1 --page-size 2 --query NextToken | tr -d '"')
cmp_cli "--starting-token with boto_truncate_amount" -- logs describe-log-groups --starting-token "$tok"
cmp_cli "--limit turns paging off" -- logs describe-log-groups --limit 1
cmp_cli "--no-paginate" -- logs describe-log-groups --no-paginate --limit 2
cmp_cli "--no-paginate with --max-items" -- logs describe-log-groups --no-paginate --max-items 1
cmp_cli "--option=value" -- logs describe-log-groups --log-group-name-prefix=opt-b
cmp_cli_exact "--query projection, text" -- logs describe-log-groups --query 'logGroups[].logGroupName' --output text
cmp_cli_exact "global options before the service" -- --output text --query 'logGroups[].logGroupName' logs describe-log-groups
cmp_cli_exact "a global option=value before the service" -- --output=text logs describe-log-groups --log-group-name-prefix opt-a --query 'logGroups[].logGroupName'
cmp_cli_exact "--query filter" -- logs describe-log-groups --query "logGroups[?logGroupName=='opt-c'].logGroupName"
cmp_cli_exact "--query multiselect" -- logs describe-log-groups --query 'logGroups[].[logGroupName,storedBytes]'
cmp_cli_exact "--output table with --query" -- logs describe-log-groups --query 'logGroups[].{N:logGroupName}' --output table
cmp_cli_exact "integer option" -- logs put-retention-policy --log-group-name opt-a --retention-in-days 7
cmp_cli_exact "integer read back" -- logs describe-log-groups --log-group-name-prefix opt-a --query 'logGroups[0].retentionInDays'
aws logs tag-log-group --log-group-name opt-b --tags k1=v1,k2=v2,k3=v3 2>/dev/null ||
    aws logs tag-log-group --log-group-name opt-b --tags '{"k1":"v1","k2":"v2","k3":"v3"}'
cmp_cli_exact "list option, several words" -- logs untag-log-group --log-group-name opt-b --tags k1 k2
cmp_cli_exact "list option read back" -- logs list-tags-log-group --log-group-name opt-b
echo '{"logGroupName": "opt-d", "tags": {"team": "x"}}' >"$LV_SCRATCH/in.json"
LV_CMP_BETWEEN='aws logs delete-log-group --log-group-name opt-d' \
    cmp_cli_exact "--cli-input-json file://" -- logs create-log-group --cli-input-json "file://$LV_SCRATCH/in.json"
LV_CMP_BETWEEN='aws logs delete-log-group --log-group-name opt-e' \
    cmp_cli_exact "--cli-input-json overridden by an option" -- logs create-log-group --cli-input-json '{"logGroupName": "opt-x"}' --log-group-name opt-e
LV_CMP_BETWEEN='aws logs delete-log-group --log-group-name opt-f' \
    cmp_cli_exact "map as JSON" -- logs create-log-group --log-group-name opt-f --tags '{"a": "b"}'
cmp_cli_exact "map read back" -- logs list-tags-log-group --log-group-name opt-d

if grep -q CreateKey "$LV_ROOT/src/kms/keys.c" 2>/dev/null; then
    key=$(aws kms create-key --query KeyMetadata.KeyId --output text)
    printf 'secret bytes' >"$LV_SCRATCH/plain.bin"
    cmp_cli "blob from fileb://" -- kms encrypt --key-id "$key" --plaintext "fileb://$LV_SCRATCH/plain.bin"
    cmp_cli "blob as base64" -- kms encrypt --key-id "$key" --plaintext c2VjcmV0
    ct=$(aws kms encrypt --key-id "$key" --plaintext c2VjcmV0 --query CiphertextBlob --output text)
    cmp_cli_exact "decrypt, --query Plaintext" -- kms decrypt --ciphertext-blob "$ct" --query Plaintext --output text
    cmp_cli "boolean flag" -- kms create-key --bypass-policy-lockout-safety-check --description b
    cmp_cli "--no- boolean" -- kms create-key --no-bypass-policy-lockout-safety-check
    cmp_cli "timestamps as ISO 8601" -- kms describe-key --key-id "$key"
    cmp_cli_exact "list-keys --output text" -- kms list-keys --query 'length(Keys)'
fi

# Configuration: environment, profiles, files.
cat >"$AWS_SHARED_CREDENTIALS_FILE" <<INI
[dev]
aws_access_key_id = test
aws_secret_access_key = test
INI
cat >"$AWS_CONFIG_FILE" <<INI
[profile dev]
region = eu-west-2
output = text
INI
cmp_cli_exact "--profile from the shared files" -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_REGION -u AWS_DEFAULT_REGION -- logs describe-log-groups --profile dev --query 'logGroups[0].logGroupName'
cmp_cli_exact "AWS_PROFILE" AWS_PROFILE=dev -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -- logs describe-log-groups --query 'logGroups[0].logGroupName'
cmp_cli_exact "AWS_DEFAULT_OUTPUT" AWS_DEFAULT_OUTPUT=text -- logs describe-log-groups --query 'logGroups[0].logGroupName'
cmp_cli_exact "--region" -u AWS_REGION -u AWS_DEFAULT_REGION -- logs describe-log-groups --region eu-west-2 --query 'logGroups[0].logGroupName'
: >"$AWS_CONFIG_FILE"
: >"$AWS_SHARED_CREDENTIALS_FILE"

# logvault-only: AWS_ENDPOINT_URL_LOGS and the default endpoint (aws 2.9
# predates AWS_ENDPOINT_URL).
out=$(AWS_ENDPOINT_URL_LOGS=$LV_ENDPOINT "$LOGVAULT_BIN" logs describe-log-groups --query 'logGroups[0].logGroupName' --output text)
expect_eq "AWS_ENDPOINT_URL_LOGS" opt-a "$out"
out=$(AWS_ENDPOINT_URL=$LV_ENDPOINT "$LOGVAULT_BIN" logs describe-log-groups --query 'logGroups[0].logGroupName' --output text)
expect_eq "AWS_ENDPOINT_URL" opt-a "$out"
"$LOGVAULT_BIN" logs help | grep -q "associate-kms-key" || fail "logs help lacks associate-kms-key"
"$LOGVAULT_BIN" logs associate-kms-key help | grep -q -- "--kms-key-id (string)" || fail "op help lacks --kms-key-id"
"$LOGVAULT_BIN" kms create-key --help | grep -q -- "--key-spec" || fail "--help lacks --key-spec"
