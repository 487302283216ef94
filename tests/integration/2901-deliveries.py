#!/usr/bin/env python3
"""Delivery destinations, sources and deliveries through boto3.

Delivery destinations (logs/delivery_dest.c): one whose resource is a log
group is real — put, get, describe (paging), overwrite, a policy put, got
and deleted, kept across a restart (on both backends), deleted; its errors
(a group that does not exist or is of another Region, a type that does
not match, parquet, no configuration, an invalid policy, names that do not
exist); S3, Firehose and X-Ray destinations answer as a resource that does
not exist, and nothing is stored for them.

Delivery sources and deliveries (logs/delivery_absent.c):
a delivery source names a resource of a service logvault does not host
(CloudFront, Bedrock …), so PutDeliverySource answers as AWS does for a
resource that does not exist (ResourceNotFoundException), and
ValidationException for a malformed ARN or one of a service logvault hosts
(logs, kms: not delivery sources on AWS); nothing is stored, so
CreateDelivery fails on its source, Get/Delete/Update find nothing, the
Describe listings are empty and refuse a token they did not issue; the
model's constraints are checked before any of that; and
DescribeConfigurationTemplates is empty."""
import json
import os
import sys

import botocore.exceptions

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T, logs_call  # noqa: E402

class RawLogs:
    """The Logs calls of this test as boto3 methods, sent raw (signed by
    lvtest.logs_call): the botocore the suite runs may predate these
    operations. An error is raised as botocore's ClientError, as a client
    would."""

    def __init__(self, srv):
        self.srv = srv

    def __getattr__(self, name):
        op = "".join(w.capitalize() for w in name.split("_"))

        def call(**body):
            if "name_" in body:         # T.error has a `name` of its own
                body["name"] = body.pop("name_")
            st, out = logs_call(self.srv, op, body)
            if st != 200:
                raise botocore.exceptions.ClientError({"Error": {
                    "Code": out.get("__type", "").split("#")[-1],
                    "Message": out.get("message", "")}}, op)
            return out
        return call


def by_name(fn):
    """fn with its `name` member given as name_ (T.error has its own)."""
    def call(name_, **kw):
        return fn(name=name_, **kw)
    return call


t = T()
CF = "arn:aws:cloudfront::123456789012:distribution/E1ABCDEFGHIJKL"

with Server() as srv:
    logs = RawLogs(srv)
    real = srv.client("logs")
    put_source = by_name(logs.put_delivery_source)
    get_source = by_name(logs.get_delivery_source)
    delete_source = by_name(logs.delete_delivery_source)
    real.create_log_group(logGroupName="target")
    group_arn = "arn:aws:logs:eu-west-2:123456789012:log-group:target"

    # ---- delivery destinations -------------------------------------------
    conf = {"destinationResourceArn": group_arn}
    r = logs.put_delivery_destination(
        name="to-target", outputFormat="json",
        deliveryDestinationConfiguration=conf, tags={"env": "test"})
    want = {"name": "to-target",
            "arn": "arn:aws:logs:eu-west-2:123456789012:"
                   "delivery-destination:to-target",
            "deliveryDestinationType": "CWL", "outputFormat": "json",
            "deliveryDestinationConfiguration": conf,
            "tags": {"env": "test"}}
    t.eq("dest: put answers the destination", want, r["deliveryDestination"])
    t.eq("dest: get", want,
         logs.get_delivery_destination(name_="to-target")
         ["deliveryDestination"])
    r = logs.put_delivery_destination(
        name="to-target-star", deliveryDestinationType="CWL",
        deliveryDestinationConfiguration={
            "destinationResourceArn": group_arn + ":*"})
    t.ok("dest: a group ARN with :* and the type CWL",
         "outputFormat" not in r["deliveryDestination"],
         repr(r))
    d = logs.describe_delivery_destinations(limit=1)
    t.eq("describe: the first page", ["to-target"],
         [x["name"] for x in d["deliveryDestinations"]])
    t.ok("describe: a nextToken", "nextToken" in d, repr(d))
    d2 = logs.describe_delivery_destinations(limit=1,
                                             nextToken=d.get("nextToken"))
    t.eq("describe: the second page", ["to-target-star"],
         [x["name"] for x in d2["deliveryDestinations"]])
    t.ok("describe: no token after the last",
         "nextToken" not in d2, repr(d2))

    # Overwrite: all parameters replaced, the policy kept.
    pol = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": "AllowCreateDelivery", "Effect": "Allow",
        "Principal": {"AWS": "222233334444"},
        "Action": "logs:CreateDelivery",
        "Resource": want["arn"]}]})
    r = logs.put_delivery_destination_policy(
        deliveryDestinationName="to-target", deliveryDestinationPolicy=pol)
    t.eq("policy: put answers it", {"deliveryDestinationPolicy": pol},
         r["policy"])
    logs.put_delivery_destination(name="to-target", outputFormat="plain",
                                  deliveryDestinationConfiguration=conf)
    g = logs.get_delivery_destination(name_="to-target")["deliveryDestination"]
    t.eq("dest: overwritten (format, tags)", ("plain", None),
         (g.get("outputFormat"), g.get("tags")))
    srv.restart()
    real = srv.client("logs")
    t.eq("policy: kept by the overwrite and a restart",
         {"deliveryDestinationPolicy": pol},
         logs.get_delivery_destination_policy(
             deliveryDestinationName="to-target")["policy"])
    t.eq("policy: none on the other", {},
         logs.get_delivery_destination_policy(
             deliveryDestinationName="to-target-star")["policy"])
    t.error("policy: invalid JSON", "ValidationException",
            logs.put_delivery_destination_policy,
            msg="Invalid Delivery Destination resource Policy is provided.",
            deliveryDestinationName="to-target",
            deliveryDestinationPolicy="{not json")
    t.error("policy: a statement without a principal",
            "ValidationException", logs.put_delivery_destination_policy,
            deliveryDestinationName="to-target",
            deliveryDestinationPolicy=json.dumps({"Statement": [{
                "Effect": "Allow", "Action": "logs:CreateDelivery",
                "Resource": "*"}]}))
    t.error("policy: no such destination", "ResourceNotFoundException",
            logs.put_delivery_destination_policy,
            deliveryDestinationName="nope", deliveryDestinationPolicy=pol)
    logs.delete_delivery_destination_policy(
        deliveryDestinationName="to-target")
    t.eq("policy: deleted", {},
         logs.get_delivery_destination_policy(
             deliveryDestinationName="to-target")["policy"])
    t.error("policy: delete when there is none", "ResourceNotFoundException",
            logs.delete_delivery_destination_policy,
            deliveryDestinationName="to-target")
    t.error("policy: get of no destination", "ResourceNotFoundException",
            logs.get_delivery_destination_policy,
            deliveryDestinationName="nope")

    # Errors of put; nothing stored by any of them.
    t.error("dest: the group does not exist", "ResourceNotFoundException",
            logs.put_delivery_destination, name_="bad",
            msg="The specified log group does not exist.",
            deliveryDestinationConfiguration={
                "destinationResourceArn": group_arn + "-missing"})
    t.error("dest: a group of another Region", "ResourceNotFoundException",
            logs.put_delivery_destination, name_="bad",
            deliveryDestinationConfiguration={
                "destinationResourceArn": group_arn.replace("eu-west-2",
                                                            "us-east-1")})
    s3 = "arn:aws:s3:::my-log-bucket"
    e = t.error("dest: an S3 bucket does not exist",
                "ResourceNotFoundException", logs.put_delivery_destination,
                name_="bad", deliveryDestinationConfiguration={
                    "destinationResourceArn": s3})
    t.ok("dest: the message names the bucket",
         e and s3 in e.response["Error"]["Message"], repr(e and e.response))
    t.error("dest: a Firehose stream does not exist",
            "ResourceNotFoundException", logs.put_delivery_destination,
            name_="bad", deliveryDestinationConfiguration={
                "destinationResourceArn": "arn:aws:firehose:eu-west-2:"
                "123456789012:deliverystream/s"})
    t.error("dest: X-Ray is not hosted", "ResourceNotFoundException",
            logs.put_delivery_destination, name_="bad",
            deliveryDestinationType="XRAY")
    t.error("dest: no configuration", "ValidationException",
            logs.put_delivery_destination, name_="bad")
    t.error("dest: a type that does not match", "ValidationException",
            logs.put_delivery_destination, name_="bad",
            deliveryDestinationType="S3",
            deliveryDestinationConfiguration=conf)
    t.error("dest: parquet to a log group", "ValidationException",
            logs.put_delivery_destination, name_="bad",
            outputFormat="parquet", deliveryDestinationConfiguration=conf)
    t.error("dest: an unknown format", "ValidationException",
            logs.put_delivery_destination, name_="bad",
            outputFormat="xml", deliveryDestinationConfiguration=conf)
    t.error("dest: not an ARN", "ValidationException",
            logs.put_delivery_destination, name_="bad",
            deliveryDestinationConfiguration={
                "destinationResourceArn": "target"})
    t.error("dest: get of none", "ResourceNotFoundException",
            logs.get_delivery_destination, name_="bad")
    t.eq("dest: only the two", ["to-target", "to-target-star"],
         [x["name"] for x in logs.describe_delivery_destinations()
          ["deliveryDestinations"]])
    t.error("describe: limit 51", "ValidationException",
            logs.describe_delivery_destinations, limit=51)

    logs.delete_delivery_destination(name_="to-target-star")
    t.error("dest: deleted", "ResourceNotFoundException",
            logs.get_delivery_destination, name_="to-target-star")
    t.error("dest: delete twice", "ResourceNotFoundException",
            logs.delete_delivery_destination, name_="to-target-star")

    # PutDeliverySource: the resource of another service does not exist.
    e = t.error("source: a CloudFront distribution does not exist",
                "ResourceNotFoundException", put_source,
                name_="cf", resourceArn=CF, logType="ACCESS_LOGS")
    t.ok("source: the message names the resource",
         e and CF in e.response["Error"]["Message"], repr(e and e.response))
    t.error("source: a Bedrock resource does not exist either",
            "ResourceNotFoundException", put_source,
            name_="br", logType="APPLICATION_LOGS",
            resourceArn="arn:aws:bedrock:eu-west-2:123456789012:"
                        "model-invocation-logging")
    t.error("source: a log group is not a delivery source",
            "ValidationException", put_source, name_="lg",
            resourceArn=group_arn, logType="ACCESS_LOGS")
    t.error("source: not an ARN", "ValidationException",
            put_source, name_="x", resourceArn="not-an-arn",
            logType="ACCESS_LOGS")
    t.error("source: a name outside [\\w-]", "ValidationException",
            put_source, name_="a b", resourceArn=CF,
            logType="ACCESS_LOGS")
    t.error("source: a name of 61 characters", "ValidationException",
            put_source, name_="n" * 61, resourceArn=CF,
            logType="ACCESS_LOGS")
    t.eq("source: nothing was stored", [],
         logs.describe_delivery_sources()["deliverySources"])

    # Sources: nothing to get or delete.
    e = t.error("get source", "ResourceNotFoundException",
                get_source, name_="cf")
    t.ok("get source: the message names it",
         e and "cf" in e.response["Error"]["Message"], repr(e and e.response))
    t.error("delete source", "ResourceNotFoundException",
            delete_source, name_="cf")
    t.error("describe sources: a token not issued",
            "ValidationException", logs.describe_delivery_sources,
            nextToken="bm90LWlzc3VlZA==")
    t.error("describe sources: limit 0", "ValidationException",
            logs.describe_delivery_sources, limit=0)

    # Deliveries: the source never exists.
    e = t.error("create delivery: no such source",
                "ResourceNotFoundException", logs.create_delivery,
                deliverySourceName="cf",
                deliveryDestinationArn="arn:aws:logs:eu-west-2:123456789012:"
                                       "delivery-destination:d")
    t.ok("create delivery: the message names the source",
         e and "cf" in e.response["Error"]["Message"], repr(e and e.response))
    t.error("get delivery", "ResourceNotFoundException", logs.get_delivery,
            id="abcDEF123")
    t.error("delete delivery", "ResourceNotFoundException",
            logs.delete_delivery, id="abcDEF123")
    t.error("update delivery", "ResourceNotFoundException",
            logs.update_delivery_configuration, id="abcDEF123",
            fieldDelimiter=",")
    t.error("get delivery: an id outside [0-9A-Za-z]",
            "ValidationException", logs.get_delivery, id="a-b")
    t.eq("describe deliveries: none", [],
         logs.describe_deliveries()["deliveries"])
    t.error("describe deliveries: a token not issued",
            "ValidationException", logs.describe_deliveries,
            nextToken="bm90LWlzc3VlZA==")

    # Configuration templates: AWS service data of absent services.
    t.eq("templates: none", [],
         logs.describe_configuration_templates()["configurationTemplates"])
    t.eq("templates: none for CloudFront", [],
         logs.describe_configuration_templates(
             service="cloudfront")["configurationTemplates"])

    # The log group is untouched by all of this.
    t.eq("the group is still there", ["target"],
         [g["logGroupName"] for g in real.describe_log_groups()["logGroups"]])

t.done()
