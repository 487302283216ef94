#!/usr/bin/env bash
# The first run: with HOME an empty directory, no AWS_* variables and no
# --endpoint-url, `logvault logs …` and `logvault kms …` reach a server
# on the default address (127.0.0.1:4566) with its default credential
# (test/test, account 123456789012) and region us-east-1, or the region
# configured. With an endpoint or credentials configured, the AWS CLI's
# errors and exit codes stand. Skipped when 127.0.0.1:4566 is taken (the
# default address is the point of the test).
. "$(dirname "$0")/lib.sh"

# The port is fixed, so this test's runs on the two backends (one pool)
# take turns: each holds a lock on a file named after the port. Another
# program on the port still makes it a skip, below.
exec 9>"${TMPDIR:-/tmp}/logvault-test-127.0.0.1-4566.lock"
flock -w 600 9 || { echo "skipped: no turn on 127.0.0.1:4566 in 600 s"; exit 77; }

LV_DATA=$LV_SCRATCH/first-run-data
lv_store_args || exit 1
data=$LV_DATA
log=$LV_SCRATCH/first-run.log
"$LOGVAULT_BIN" serve --listen 127.0.0.1:4566 --data-dir "$data" \
    --threads 2 "${LV_STORE_ARGS[@]}" 2>"$log" &
fpid=$!
for ((i = 0; i < 500; i++)); do
    grep -q 'serve: listening' "$log" && break
    if ! kill -0 "$fpid" 2>/dev/null; then
        echo "skipped: 127.0.0.1:4566 is taken: $(tail -n 1 "$log")"
        exit 77
    fi
    sleep 0.02
done
stop_first() {
    kill -TERM "$fpid" 2>/dev/null
    wait "$fpid"
    sanitizer_check "$log"
}

empty=$LV_SCRATCH/empty-home
mkdir -p "$empty"
bare() {
    env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_REGION \
        -u AWS_DEFAULT_REGION -u AWS_CONFIG_FILE \
        -u AWS_SHARED_CREDENTIALS_FILE HOME="$empty" "$@"
}

out=$(bare "$LOGVAULT_BIN" logs create-log-group --log-group-name first 2>&1)
expect_eq "create-log-group with nothing configured" "0" "$?"
arn=$(bare "$LOGVAULT_BIN" logs describe-log-groups \
    --query 'logGroups[0].arn' --output text 2>&1)
expect_eq "the default credential's account, region us-east-1" \
    "arn:aws:logs:us-east-1:123456789012:log-group:first:*" "$arn"
karn=$(bare "$LOGVAULT_BIN" kms create-key --query KeyMetadata.Arn \
    --output text 2>&1)
expect_eq "kms with nothing configured" "arn:aws:kms:us-east-1:123456789012" \
    "${karn%%:key/*}"
n=$(bare env AWS_REGION=eu-west-2 "$LOGVAULT_BIN" logs describe-log-groups \
    --query 'length(logGroups)' --output text 2>&1)
expect_eq "a configured region is used" "0" "$n"

err=$(bare env AWS_REGION=us-east-1 "$LOGVAULT_BIN" logs \
    describe-log-groups --endpoint-url http://127.0.0.1:4566 2>&1)
expect_eq "an endpoint configured: no credentials is the AWS CLI's error" \
    "253|Unable to locate credentials. You can configure credentials by running \"aws configure\"." \
    "$?|$(echo $err)"
bare env AWS_ENDPOINT_URL=http://127.0.0.1:4566 AWS_REGION=us-east-1 \
    "$LOGVAULT_BIN" logs describe-log-groups >/dev/null 2>&1
expect_eq "AWS_ENDPOINT_URL is an endpoint configured too" 253 $?
err=$(bare env AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test \
    "$LOGVAULT_BIN" logs describe-log-groups 2>&1)
expect_eq "credentials configured: no region is the AWS CLI's error" \
    "253|You must specify a region. You can also configure your region by running \"aws configure\"." \
    "$?|$(echo $err)"
bare env AWS_ACCESS_KEY_ID=nobody AWS_SECRET_ACCESS_KEY=x \
    AWS_REGION=us-east-1 "$LOGVAULT_BIN" logs describe-log-groups \
    >/dev/null 2>&1
expect_eq "credentials configured are the ones used" 254 $?
stop_first
