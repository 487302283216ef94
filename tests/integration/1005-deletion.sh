# KMS key deletion, for real: ScheduleKeyDeletion with a 7-day window; before
# the date the key is PendingDeletion and CancelKeyDeletion brings it back
# Disabled; after the date (the server restarted under Debian's libfaketime
# 8 days on, and the AWS CLI run under the same faked clock so SigV4 dates
# match) the background sweeper has destroyed the key: DescribeKey answers
# NotFoundException, its aliases are gone, ListKeys no longer shows it, and
# a normal restart does not bring it back.
. "$(dirname "$0")/lib.sh"

FAKETIME=/usr/bin/faketime
if [[ ! -x $FAKETIME ]]; then
    echo "faketime (Debian's faketime package) is not installed"
    exit 77
fi
# The server gets libfaketime preloaded directly (the faketime command
# runs its child and waits, so a SIGTERM would not reach the server).
LIBFAKETIME=
for f in /usr/lib/*/faketime/libfaketimeMT.so.1; do
    [[ -e $f ]] && LIBFAKETIME=$f
done
if [[ -z $LIBFAKETIME ]]; then
    echo "libfaketime (Debian's libfaketime package) is not installed"
    exit 77
fi
REAL_BIN=$LOGVAULT_BIN
# ASan insists on coming first in the library list unless told not to
# check; that option goes to the server only.
if ! ASAN_OPTIONS=verify_asan_link_order=0 LD_PRELOAD=$LIBFAKETIME \
        FAKETIME=+8d "$REAL_BIN" version >/dev/null 2>&1; then
    echo "logvault does not run under libfaketime here (sanitizer build?)"
    exit 77
fi

FAKE_PREFIX=()
aws() {
    "${FAKE_PREFIX[@]}" /usr/bin/aws --endpoint-url "$LV_ENDPOINT" "$@"
}

# Waits (up to ~20 s) until describe-key of $1 fails with NotFound.
wait_deleted() {
    local i
    for ((i = 0; i < 100; i++)); do
        if aws kms describe-key --key-id "$1" 2>&1 |
                grep -q 'NotFoundException'; then
            return 0
        fi
        sleep 0.2
    done
    return 1
}

lv_start
KEY=$(aws kms create-key --description doomed --query KeyMetadata.KeyId \
      --output text)
ARN=arn:aws:kms:$AWS_REGION:123456789012:key/$KEY
aws kms create-alias --alias-name alias/doomed --target-key-id "$KEY"
KEEP=$(aws kms create-key --description kept --query KeyMetadata.KeyId \
       --output text)
CT=$(aws kms encrypt --key-id "$KEY" --plaintext fileb://<(printf secret) \
     --query CiphertextBlob --output text)

out=$(aws kms schedule-key-deletion --key-id "$KEY" \
      --pending-window-in-days 7 --query '[KeyId,KeyState,PendingWindowInDays]' \
      --output text)
expect_eq "schedule-key-deletion" "$ARN	PendingDeletion	7" "$out"
expect_eq "pending before the date" "PendingDeletion" \
    "$(aws kms describe-key --key-id "$KEY" --query KeyMetadata.KeyState \
       --output text)"
expect_aws_error KMSInvalidStateException "$ARN is pending deletion." -- \
    kms encrypt --key-id "$KEY" --plaintext fileb://<(printf x)

# The kept key: scheduled, then cancelled before the date -> Disabled.
aws kms schedule-key-deletion --key-id "$KEEP" --pending-window-in-days 7 \
    >/dev/null
out=$(aws kms cancel-key-deletion --key-id "$KEEP" --query KeyId --output text)
expect_eq "cancel-key-deletion" \
    "arn:aws:kms:$AWS_REGION:123456789012:key/$KEEP" "$out"
expect_eq "cancelled key is Disabled" "Disabled" \
    "$(aws kms describe-key --key-id "$KEEP" --query KeyMetadata.KeyState \
       --output text)"
aws kms enable-key --key-id "$KEEP"

# A restart before the date deletes nothing.
lv_stop
lv_start
expect_eq "still pending after a restart" "PendingDeletion" \
    "$(aws kms describe-key --key-id "$KEY" --query KeyMetadata.KeyState \
       --output text)"

# Eight days on: the server and the client under the same faked clock.
lv_stop
cat >"$LV_SCRATCH/fake-logvault" <<WRAP
#!/bin/sh
ASAN_OPTIONS="\${ASAN_OPTIONS:+\$ASAN_OPTIONS:}verify_asan_link_order=0"
LD_PRELOAD=$LIBFAKETIME FAKETIME=+8d
export ASAN_OPTIONS LD_PRELOAD FAKETIME
exec "$REAL_BIN" "\$@"
WRAP
chmod +x "$LV_SCRATCH/fake-logvault"
LOGVAULT_BIN=$LV_SCRATCH/fake-logvault
FAKE_PREFIX=(env -u ASAN_OPTIONS "$FAKETIME" -f '+8d')
lv_start
if wait_deleted "$KEY"; then
    echo "ok: the sweeper deleted the key after its deletion date"
else
    fail "key $KEY still exists 8 days on"
fi
expect_aws_error NotFoundException "Key '$ARN' does not exist" -- \
    kms describe-key --key-id "$KEY"
expect_aws_error NotFoundException "Key '$ARN' does not exist" -- \
    kms decrypt --ciphertext-blob fileb://<(printf %s "$CT" | base64 -d)
expect_aws_error NotFoundException "is not found." -- \
    kms describe-key --key-id alias/doomed
expect_eq "its alias is gone" "" \
    "$(aws kms list-aliases --query 'Aliases[].AliasName' --output text)"
expect_eq "list-keys shows only the kept key" "$KEEP" \
    "$(aws kms list-keys --query 'Keys[].KeyId' --output text)"
expect_eq "the kept key is untouched" "Enabled" \
    "$(aws kms describe-key --key-id "$KEEP" --query KeyMetadata.KeyState \
       --output text)"
expect_aws_error NotFoundException "does not exist" -- \
    kms cancel-key-deletion --key-id "$KEY"

# Back to the real clock: deleted stays deleted.
lv_stop
LOGVAULT_BIN=$REAL_BIN
FAKE_PREFIX=()
lv_start
expect_aws_error NotFoundException "Key '$ARN' does not exist" -- \
    kms describe-key --key-id "$KEY"
