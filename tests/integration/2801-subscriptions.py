#!/usr/bin/env python3
"""Subscription filters and destinations (boto3), which answer as AWS
answers when the destination is absent (issue 17 item 7): logvault hosts
no Kinesis, Firehose or Lambda, so PutSubscriptionFilter validates the
pattern, the group, the destination ARN and the role, then fails with
AWS's "Could not deliver test message …" / "Could not execute the lambda
function …"; PutDestination fails the same way for its target, so no
destination exists: a filter naming a logs destination, PutDestinationPolicy
(after the policy engine checked the document) and DeleteDestination answer
ResourceNotFoundException; the Describe* operations answer empty lists
and refuse a nextToken they did not issue; nothing was created; every call
is recorded in the audit trail with its error code."""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T  # noqa: E402

t = T()
ACCT = "000000000000"
REGION = "eu-west-2"
ROLE = "arn:aws:iam::%s:role/CWLtoKinesisRole" % ACCT
KINESIS = "arn:aws:kinesis:%s:%s:stream/RootAccess" % (REGION, ACCT)
FIREHOSE = "arn:aws:firehose:%s:%s:deliverystream/my-fh" % (REGION, ACCT)
LAMBDA = "arn:aws:lambda:%s:%s:function:ship-logs" % (REGION, ACCT)
DEST = "arn:aws:logs:%s:%s:destination:testDestination" % (REGION, ACCT)
NO_GROUP = "The specified log group does not exist."
NO_DEST = "The specified destination does not exist."
KINESIS_MSG = ("Could not deliver test message to specified Kinesis stream. "
               "Check if the given kinesis stream is in ACTIVE state.")
FIREHOSE_MSG = ("Could not deliver test message to specified Firehose "
                "stream. Check if the given Firehose stream is in ACTIVE "
                "state.")
LAMBDA_MSG = ("Could not execute the lambda function. Make sure you have "
              "given CloudWatch Logs permission to execute your function.")
POLICY = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Sid": "", "Effect": "Allow", "Principal": {"AWS": "111111111111"},
    "Action": "logs:PutSubscriptionFilter", "Resource": DEST}]})


def put(logs, **kw):
    args = {"logGroupName": "g", "filterName": "f", "filterPattern": "",
            "destinationArn": KINESIS, "roleArn": ROLE}
    args.update(kw)
    args = {k: v for k, v in args.items() if v is not None}
    return logs.put_subscription_filter(**args)


with Server("--audit-trail", "--lookup-events-rate", "0") as srv:
    logs = srv.client("logs", region=REGION)
    logs.create_log_group(logGroupName="g")

    # ---- PutSubscriptionFilter -------------------------------------------
    t.error("kinesis: test message not delivered", "InvalidParameterException",
            put, logs, msg=KINESIS_MSG)
    t.error("kinesis with a pattern and ByLogStream",
            "InvalidParameterException", put, logs,
            filterPattern="[ip, user, ...]", distribution="ByLogStream",
            msg=KINESIS_MSG)
    t.error("firehose: test message not delivered",
            "InvalidParameterException", put, logs, destinationArn=FIREHOSE,
            msg=FIREHOSE_MSG)
    t.error("lambda: not executed", "InvalidParameterException", put, logs,
            destinationArn=LAMBDA, roleArn=None, msg=LAMBDA_MSG)
    t.error("lambda with a qualifier", "InvalidParameterException", put,
            logs, destinationArn=LAMBDA + ":$LATEST", roleArn=None,
            msg=LAMBDA_MSG)
    t.error("kinesis without roleArn", "InvalidParameterException", put,
            logs, roleArn=None,
            msg="destinationArn for vendor kinesis cannot be used without "
                "roleArn")
    t.error("firehose without roleArn", "InvalidParameterException", put,
            logs, destinationArn=FIREHOSE, roleArn=None,
            msg="destinationArn for vendor firehose cannot be used without "
                "roleArn")
    t.error("logs destination: none exists", "ResourceNotFoundException",
            put, logs, destinationArn=DEST, roleArn=None, msg=NO_DEST)
    t.error("cross-account logs destination: none exists",
            "ResourceNotFoundException", put, logs,
            destinationArn=DEST.replace(ACCT, "111111111111"), roleArn=None,
            msg=NO_DEST)
    t.error("no such group", "ResourceNotFoundException", put, logs,
            logGroupName="nope", msg=NO_GROUP)
    # The same compiler and answer as PutMetricFilter's.
    e = t.error("bad pattern (metric filter)", "InvalidParameterException",
                logs.put_metric_filter, logGroupName="g", filterName="m",
                filterPattern="{ $.x = ", metricTransformations=[{
                    "metricName": "m", "metricNamespace": "n",
                    "metricValue": "1"}])
    t.error("bad pattern", "InvalidParameterException", put, logs,
            filterPattern="{ $.x = ",
            msg=e.response["Error"]["Message"] if e else "?")
    for bad in ("arn:aws:sqs:eu-west-2:000000000000:q",
                "arn:aws:kinesis:eu-west-2:000000000000:stream/",
                "arn:aws:kinesis:eu-west-2:12345:stream/s",
                "arn:aws:kinesis::000000000000:stream/s",
                "arn:aws:kinesis:eu-west-2:000000000000:stream/a b",
                "arn:aws:lambda:eu-west-2:000000000000:function:f:a:b",
                "arn:aws:logs:eu-west-2:000000000000:destination:",
                "kinesis-stream", "arn:aws"):
        t.error("destinationArn %r refused" % bad,
                "InvalidParameterException", put, logs, destinationArn=bad,
                msg="Invalid destinationArn")
    for bad in ("CWLtoKinesisRole", "arn:aws:iam::000000000000:user/u",
                "arn:aws:iam:eu-west-2:000000000000:role/r",
                "arn:aws:iam::000000000000:role/"):
        t.error("roleArn %r refused" % bad, "InvalidParameterException",
                put, logs, roleArn=bad, msg="Invalid roleArn")
    t.error("distribution outside the enum", "InvalidParameterException",
            put, logs, distribution="RoundRobin")
    t.error("filter name with ':'", "InvalidParameterException", put, logs,
            filterName="a:b")

    # ---- DescribeSubscriptionFilters / DeleteSubscriptionFilter ---------
    r = logs.describe_subscription_filters(logGroupName="g")
    t.eq("nothing was created", [], r["subscriptionFilters"])
    t.ok("no nextToken", "nextToken" not in r, r)
    t.eq("prefix and limit: empty", [], logs.describe_subscription_filters(
        logGroupName="g", filterNamePrefix="f", limit=1)[
        "subscriptionFilters"])
    t.error("describe: no such group", "ResourceNotFoundException",
            logs.describe_subscription_filters, logGroupName="nope",
            msg=NO_GROUP)
    t.error("describe: a token not issued", "InvalidParameterException",
            logs.describe_subscription_filters, logGroupName="g",
            nextToken="bm90IGEgdG9rZW4=",
            msg="The specified nextToken is invalid.")
    t.error("describe: limit 51", "InvalidParameterException",
            logs.describe_subscription_filters, logGroupName="g", limit=51)
    t.error("delete: no such filter", "ResourceNotFoundException",
            logs.delete_subscription_filter, logGroupName="g",
            filterName="f",
            msg="The specified subscription filter does not exist.")
    t.error("delete: no such group", "ResourceNotFoundException",
            logs.delete_subscription_filter, logGroupName="nope",
            filterName="f", msg=NO_GROUP)

    # ---- destinations -----------------------------------------------------
    t.error("PutDestination: kinesis target unreachable",
            "InvalidParameterException", logs.put_destination,
            destinationName="testDestination", targetArn=KINESIS,
            roleArn=ROLE, msg=KINESIS_MSG)
    t.error("PutDestination: firehose target unreachable",
            "InvalidParameterException", logs.put_destination,
            destinationName="testDestination", targetArn=FIREHOSE,
            roleArn=ROLE, tags={"k": "v"}, msg=FIREHOSE_MSG)
    for bad in (LAMBDA, DEST, "arn:aws:s3:::bucket"):
        t.error("PutDestination: target %s refused" % bad.split(":")[2],
                "InvalidParameterException", logs.put_destination,
                destinationName="d", targetArn=bad, roleArn=ROLE,
                msg="Invalid targetArn")
    t.error("PutDestination: roleArn not a role", "InvalidParameterException",
            logs.put_destination, destinationName="d", targetArn=KINESIS,
            roleArn="arn:aws:iam::000000000000:user/u", msg="Invalid roleArn")
    t.error("PutDestination: name with '*'", "InvalidParameterException",
            logs.put_destination, destinationName="d*", targetArn=KINESIS,
            roleArn=ROLE)
    r = logs.describe_destinations()
    t.eq("no destination exists", [], r["destinations"])
    t.ok("describe destinations: no nextToken", "nextToken" not in r, r)
    t.eq("describe destinations by prefix", [], logs.describe_destinations(
        DestinationNamePrefix="test", limit=5)["destinations"])
    t.error("describe destinations: a token not issued",
            "InvalidParameterException", logs.describe_destinations,
            nextToken="bm90IGEgdG9rZW4=",
            msg="The specified nextToken is invalid.")
    t.error("PutDestinationPolicy: no such destination",
            "ResourceNotFoundException", logs.put_destination_policy,
            destinationName="testDestination", accessPolicy=POLICY,
            msg=NO_DEST)
    t.error("PutDestinationPolicy: forceUpdate, no such destination",
            "ResourceNotFoundException", logs.put_destination_policy,
            destinationName="testDestination", accessPolicy=POLICY,
            forceUpdate=True, msg=NO_DEST)
    for name, doc in (("not JSON", "{"),
                      ("no Statement", '{"Version": "2012-10-17"}'),
                      ("bad Effect", json.dumps({"Statement": [{
                          "Effect": "Maybe", "Principal": "*",
                          "Action": "logs:*", "Resource": "*"}]}))):
        t.error("PutDestinationPolicy: policy %s" % name,
                "InvalidParameterException", logs.put_destination_policy,
                destinationName="testDestination", accessPolicy=doc)
    t.error("DeleteDestination: no such destination",
            "ResourceNotFoundException", logs.delete_destination,
            destinationName="testDestination", msg=NO_DEST)

    # ---- the audit trail ----------------------------------------------------
    ct = srv.client("cloudtrail", region=REGION)
    want = {"PutSubscriptionFilter", "DeleteSubscriptionFilter",
            "DescribeSubscriptionFilters", "PutDestination",
            "PutDestinationPolicy", "DescribeDestinations",
            "DeleteDestination"}
    # Some records are written asynchronously: wait for them (the bound
    # only ends the wait; what is checked does not depend on it).
    deadline = time.time() + 30
    seen = {}
    while time.time() < deadline and not want <= set(seen):
        seen = {}
        for page in ct.get_paginator("lookup_events").paginate():
            for e in page["Events"]:
                rec = json.loads(e["CloudTrailEvent"])
                seen.setdefault(e["EventName"], rec)
        time.sleep(0.2)
    for op, code, ro in (("PutSubscriptionFilter",
                          "InvalidParameterException", False),
                         ("DeleteSubscriptionFilter",
                          "ResourceNotFoundException", False),
                         ("DescribeSubscriptionFilters",
                          "InvalidParameterException", True),
                         ("PutDestination", "InvalidParameterException",
                          False),
                         ("PutDestinationPolicy",
                          "InvalidParameterException", False),
                         ("DescribeDestinations", "InvalidParameterException",
                          True),
                         ("DeleteDestination", "ResourceNotFoundException",
                          False)):
        rec = seen.get(op)
        if not t.ok("%s recorded" % op, rec is not None, sorted(seen)):
            continue
        t.eq("%s: readOnly" % op, ro, rec.get("readOnly"))
        # The newest record of each: the last call made above.
        t.eq("%s: errorCode of the last call" % op, code,
             rec.get("errorCode"))
    rec = seen.get("DeleteDestination") or {}
    t.eq("DeleteDestination: its request parameters",
         {"destinationName": "testDestination"},
         rec.get("requestParameters"))
t.done()
