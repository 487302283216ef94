#!/usr/bin/env python3
"""Delivery sources and deliveries through boto3 (logs/delivery_absent.c):
a delivery source names a resource of a service logvault does not host
(CloudFront, Bedrock …), so PutDeliverySource answers as AWS does for a
resource that does not exist (ResourceNotFoundException), and
ValidationException for a malformed ARN or one of a service logvault hosts
(logs, kms: not delivery sources on AWS); nothing is stored, so
CreateDelivery fails on its source, Get/Delete/Update find nothing, the
Describe listings are empty and refuse a token they did not issue; the
model's constraints are checked before any of that; and
DescribeConfigurationTemplates is empty."""
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
    t.error("source: a name outside [\\w-]", "InvalidParameterException",
            put_source, name_="a b", resourceArn=CF,
            logType="ACCESS_LOGS")
    t.error("source: a name of 61 characters", "InvalidParameterException",
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
            "InvalidParameterException", logs.describe_delivery_sources,
            nextToken="bm90LWlzc3VlZA==")
    t.error("describe sources: limit 0", "InvalidParameterException",
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
            "InvalidParameterException", logs.get_delivery, id="a-b")
    t.eq("describe deliveries: none", [],
         logs.describe_deliveries()["deliveries"])
    t.error("describe deliveries: a token not issued",
            "InvalidParameterException", logs.describe_deliveries,
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
