#!/usr/bin/env bash
# AWS managed keys with the AWS CLI (issue 17), as infrastructure code
# meets them: `describe-key --key-id alias/aws/rds` makes the AWS managed
# key (KeyManager AWS), a second call gives the same key, list-aliases then
# shows its TargetKeyId, get-key-rotation-status says true, and a direct
# encrypt or disable-key is refused (AccessDeniedException) by its key
# policy; alias/aws/nope stays NotFoundException.
. "$(dirname "$0")/lib.sh"

lv_start

got=$(aws kms list-aliases \
    --query "Aliases[?AliasName=='alias/aws/rds'].TargetKeyId" --output text)
expect_eq "no key behind alias/aws/rds yet" "" "$got"

out=$(aws kms describe-key --key-id alias/aws/rds \
    --query 'KeyMetadata.[KeyId,KeyManager,Origin,KeySpec,KeyState]' \
    --output text) || fail "describe-key alias/aws/rds"
read -r kid manager origin spec state <<<"$out"
[[ $kid =~ ^[0-9a-f-]{36}$ ]] || fail "describe-key gave KeyId [$kid]"
expect_eq "metadata" "AWS AWS_KMS SYMMETRIC_DEFAULT Enabled" \
    "$manager $origin $spec $state"
desc=$(aws kms describe-key --key-id "$kid" \
    --query KeyMetadata.Description --output text)
expect_eq "description" \
    "Default key that protects my RDS database volumes when no other key is defined" \
    "$desc"
again=$(aws kms describe-key --key-id alias/aws/rds \
    --query KeyMetadata.KeyId --output text)
expect_eq "second describe-key: same key" "$kid" "$again"

got=$(aws kms list-aliases \
    --query "Aliases[?AliasName=='alias/aws/rds'].TargetKeyId" --output text)
expect_eq "list-aliases shows the key" "$kid" "$got"
got=$(aws kms list-keys --query "Keys[?KeyId=='$kid'].KeyId" --output text)
expect_eq "list-keys includes it" "$kid" "$got"
got=$(aws kms get-key-rotation-status --key-id "$kid" \
    --query KeyRotationEnabled --output text)
expect_eq "rotated yearly" "True" "$got"
got=$(aws kms get-key-policy --key-id "$kid" --policy-name default \
    --query Policy --output text)
[[ $got == *'"kms:ViaService" : "rds.eu-west-2.amazonaws.com"'* ]] ||
    fail "key policy without the ViaService condition: $got"

expect_aws_error AccessDeniedException "kms:Encrypt" -- \
    kms encrypt --key-id alias/aws/rds --plaintext aGVsbG8=
expect_aws_error AccessDeniedException "kms:DisableKey" -- \
    kms disable-key --key-id "$kid"
expect_aws_error AccessDeniedException "kms:ScheduleKeyDeletion" -- \
    kms schedule-key-deletion --key-id "$kid"
state=$(aws kms describe-key --key-id "$kid" --query KeyMetadata.KeyState \
    --output text)
expect_eq "still enabled" "Enabled" "$state"

expect_aws_error NotFoundException \
    "Alias arn:aws:kms:eu-west-2:123456789012:alias/aws/nope is not found." \
    -- kms describe-key --key-id alias/aws/nope

lv_finish
