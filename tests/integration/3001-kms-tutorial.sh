#!/usr/bin/env bash
# The CloudWatch Logs + KMS tutorial, played with the AWS CLI exactly as a
# user types it (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/
# encrypt-log-data-kms.html): a new key's default policy does not let
# CloudWatch Logs use it, so associate-kms-key is refused with AWS's
# message; after the statement for logs.eu-west-2.amazonaws.com is added to
# the key policy, associating works, describe-log-groups shows the key, and
# create-log-group --kms-key-id works too.
. "$(dirname "$0")/lib.sh"

lv_start

key_arn=$(aws kms create-key --query KeyMetadata.Arn --output text)
[[ $key_arn == arn:aws:kms:eu-west-2:123456789012:key/* ]] ||
    fail "create-key gave [$key_arn]"
group=/aws/lambda/hello-world
group_arn="arn:aws:logs:eu-west-2:123456789012:log-group:$group"

aws logs create-log-group --log-group-name "$group" || fail "create-log-group"

expect_aws_error AccessDeniedException \
    "The specified KMS key does not exist or is not allowed to be used with Arn '$group_arn'" \
    -- logs associate-kms-key --log-group-name "$group" --kms-key-id "$key_arn"
got=$(aws logs describe-log-groups --log-group-name-prefix "$group" \
    --query 'logGroups[0].kmsKeyId' --output text)
expect_eq "no key after the refusal" "None" "$got"

# The key policy as the tutorial gives it: the default root statement plus
# one for the CloudWatch Logs service principal of the region.
cat >"$LV_SCRATCH/policy.json" <<JSON
{
  "Version": "2012-10-17",
  "Id": "key-default-1",
  "Statement": [
    {
      "Sid": "Enable IAM User Permissions",
      "Effect": "Allow",
      "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
      "Action": "kms:*",
      "Resource": "*"
    },
    {
      "Effect": "Allow",
      "Principal": {"Service": "logs.eu-west-2.amazonaws.com"},
      "Action": [
        "kms:Encrypt*",
        "kms:Decrypt*",
        "kms:ReEncrypt*",
        "kms:GenerateDataKey*",
        "kms:Describe*"
      ],
      "Resource": "*"
    }
  ]
}
JSON
aws kms put-key-policy --key-id "$key_arn" --policy-name default \
    --policy "file://$LV_SCRATCH/policy.json" || fail "put-key-policy"

aws logs associate-kms-key --log-group-name "$group" --kms-key-id "$key_arn" ||
    fail "associate-kms-key after the policy statement"
got=$(aws logs describe-log-groups --log-group-name-prefix "$group" \
    --query 'logGroups[0].kmsKeyId' --output text)
expect_eq "describe-log-groups shows the key" "$key_arn" "$got"

aws logs create-log-group --log-group-name example-encrypted-log-group \
    --kms-key-id "$key_arn" || fail "create-log-group --kms-key-id"
got=$(aws logs describe-log-groups --log-group-name-prefix example-encrypted \
    --query 'logGroups[0].kmsKeyId' --output text)
expect_eq "the new group has the key" "$key_arn" "$got"

# A bare key id is not what CloudWatch Logs takes.
key_id=${key_arn##*/}
expect_aws_error InvalidParameterException \
    "The specified KMS Key Id could not be found. 'bare-id-group'" \
    -- logs create-log-group --log-group-name bare-id-group --kms-key-id "$key_id"

aws logs disassociate-kms-key --log-group-name "$group" ||
    fail "disassociate-kms-key"
got=$(aws logs describe-log-groups --log-group-name-prefix "$group" \
    --query 'logGroups[0].kmsKeyId' --output text)
expect_eq "no key after disassociate" "None" "$got"
