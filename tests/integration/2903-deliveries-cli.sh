#!/usr/bin/env bash
# Delivery destinations, sources and integrations with the AWS CLI as a
# user types it: `aws logs put-delivery-destination` to a log group (the
# shorthand configuration), get / describe with --query, the policy from a
# file:// document; the errors as the CLI prints them ("An error occurred
# (CODE) when calling the OPERATION operation …: MESSAGE") for a missing
# group, an S3 bucket, a CloudFront delivery source, a delivery, an
# integration and a log object; and `logvault logs …` prints what `aws`
# prints for a get and for a refused put. Debian's AWS CLI may predate these
# operations: then every step runs with `logvault logs …` alone (same
# arguments, same output format) and the comparisons are left out, saying
# so; with neither able to run them the test is skipped.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cli-compare.sh"

lv_start

compare=1
if ! /usr/bin/aws logs put-delivery-destination help >/dev/null 2>&1; then
    echo "note: /usr/bin/aws predates the delivery operations:" \
        "checking logvault logs alone, no comparison"
    compare=0
    [[ -x $LOGVAULT_BIN ]] || { echo "skipped: no aws nor logvault"; exit 77; }
    aws() {
        "$LOGVAULT_BIN" "$@" --endpoint-url "$LV_ENDPOINT"
    }
fi

group=cli-deliveries
aws logs create-log-group --log-group-name "$group" || fail "create-log-group"
garn=$(aws logs describe-log-groups --log-group-name-prefix "$group" \
    --query 'logGroups[0].logGroupArn' --output text)

got=$(aws logs put-delivery-destination --name to-group --output-format json \
    --delivery-destination-configuration "destinationResourceArn=$garn" \
    --query 'deliveryDestination.[deliveryDestinationType, outputFormat]' \
    --output text)
expect_eq "put-delivery-destination" "CWL	json" "$got"
q='deliveryDestination.deliveryDestinationConfiguration'
got=$(aws logs get-delivery-destination --name to-group \
    --query "$q.destinationResourceArn" --output text)
expect_eq "get-delivery-destination" "$garn" "$got"
got=$(aws logs describe-delivery-destinations \
    --query 'deliveryDestinations[*].name' --output text)
expect_eq "describe-delivery-destinations" "to-group" "$got"

cat >"$LV_SCRATCH/policy.json" <<JSON
{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
 "Principal":{"AWS":"222233334444"},"Action":"logs:CreateDelivery",
 "Resource":"*"}]}
JSON
aws logs put-delivery-destination-policy --delivery-destination-name to-group \
    --delivery-destination-policy "file://$LV_SCRATCH/policy.json" \
    >/dev/null || fail "put-delivery-destination-policy"
got=$(aws logs get-delivery-destination-policy \
    --delivery-destination-name to-group \
    --query 'policy.deliveryDestinationPolicy' --output text)
expect_eq "get-delivery-destination-policy" \
    "$(cat "$LV_SCRATCH/policy.json")" "$got"

retries="(reached max retries: 0)"
expect_aws_error ResourceNotFoundException \
    "when calling the PutDeliveryDestination operation $retries: \
The specified log group does not exist." \
    -- logs put-delivery-destination --name nope \
    --delivery-destination-configuration "destinationResourceArn=$garn-x"
expect_aws_error ResourceNotFoundException \
    "The specified resource arn:aws:s3:::bucket-x does not exist." \
    -- logs put-delivery-destination --name nope \
    --delivery-destination-configuration \
    destinationResourceArn=arn:aws:s3:::bucket-x
expect_aws_error ValidationException \
    "Invalid Delivery Destination resource Policy is provided." \
    -- logs put-delivery-destination-policy \
    --delivery-destination-name to-group --delivery-destination-policy '{'
cf=arn:aws:cloudfront::123456789012:distribution/E2EXAMPLE
expect_aws_error ResourceNotFoundException \
    "when calling the PutDeliverySource operation $retries: \
The specified resource $cf does not exist." \
    -- logs put-delivery-source --name cf --resource-arn "$cf" \
    --log-type ACCESS_LOGS
expect_aws_error ResourceNotFoundException \
    "The specified delivery abc123 does not exist." \
    -- logs get-delivery --id abc123
expect_aws_error ResourceNotFoundException \
    "The specified integration os1 does not exist." \
    -- logs get-integration --integration-name os1
expect_aws_error ResourceNotFoundException \
    "The specified log object p1 does not exist." \
    -- logs get-log-object --log-object-pointer p1

if ((compare)); then
    cmp_cli "logvault logs get-delivery-destination" -- logs \
        get-delivery-destination --name to-group
    cmp_cli "logvault logs put-delivery-source refused" -- logs \
        put-delivery-source --name cf --resource-arn "$cf" \
        --log-type ACCESS_LOGS
fi

aws logs delete-delivery-destination --name to-group ||
    fail "delete-delivery-destination"
got=$(aws logs describe-delivery-destinations \
    --query 'length(deliveryDestinations)' --output text)
expect_eq "none left" 0 "$got"

lv_finish
