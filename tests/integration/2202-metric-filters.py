#!/usr/bin/env python3
"""Metric filters (boto3): PutMetricFilter creates and replaces, validates
the pattern with the filter compiler, refuses dimensions on a text pattern
and dimensions with a default value, and stops at 100 filters per group
(LimitExceededException); DescribeMetricFilters by group, name prefix and
metric name + namespace (one without the other refused), with paging;
DeleteMetricFilter; metricFilterCount on DescribeLogGroups; the filters go
with their group; TestMetricFilter returns matches with extracted values."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T  # noqa: E402

t = T()


def mt(name="m", ns="ns", **kw):
    d = {"metricName": name, "metricNamespace": ns, "metricValue": "1"}
    d.update(kw)
    return [d]


with Server() as srv:
    logs = srv.client("logs")
    logs.create_log_group(logGroupName="g1")
    logs.create_log_group(logGroupName="g2")
    logs.put_metric_filter(logGroupName="g1", filterName="errors",
                           filterPattern="ERROR",
                           metricTransformations=mt(defaultValue=0,
                                                    unit="Count"))
    logs.put_metric_filter(logGroupName="g1", filterName="json",
                           filterPattern="{ $.status = 5* }",
                           metricTransformations=mt(
                               "m2", "ns2", dimensions={"S": "$.status"}))
    logs.put_metric_filter(logGroupName="g2", filterName="errors",
                           filterPattern="", metricTransformations=mt())
    f = logs.describe_metric_filters(logGroupName="g1")["metricFilters"]
    t.eq("by group, by name", ["errors", "json"],
         [x["filterName"] for x in f])
    # (Debian's botocore may not know applyOnTransformedLogs yet.)
    t.eq("members", ["filterName", "filterPattern", "metricTransformations",
                     "creationTime", "logGroupName"], list(f[0].keys())[:5])
    t.eq("transformation", [{"metricName": "m", "metricNamespace": "ns",
                             "metricValue": "1", "defaultValue": 0.0,
                             "unit": "Count"}], f[0]["metricTransformations"])
    t.eq("dimensions kept", {"S": "$.status"},
         f[1]["metricTransformations"][0]["dimensions"])
    t.eq("prefix", ["json"], [x["filterName"] for x in
         logs.describe_metric_filters(logGroupName="g1",
                                      filterNamePrefix="j")["metricFilters"]])
    t.eq("by metric across groups", [("errors", "g1"), ("errors", "g2")],
         [(x["filterName"], x["logGroupName"]) for x in
          logs.describe_metric_filters(metricName="m",
                                       metricNamespace="ns")["metricFilters"]])
    t.error("metricName alone", "InvalidParameterException",
            logs.describe_metric_filters, metricName="m")
    t.error("metricNamespace alone", "InvalidParameterException",
            logs.describe_metric_filters, metricNamespace="ns")
    t.error("describe: no such group", "ResourceNotFoundException",
            logs.describe_metric_filters, logGroupName="nope")
    t.eq("metricFilterCount", {"g1": 2, "g2": 1},
         {g["logGroupName"]: g["metricFilterCount"] for g in
          logs.describe_log_groups()["logGroups"]})

    logs.put_metric_filter(logGroupName="g1", filterName="errors",
                           filterPattern="WARN", metricTransformations=mt())
    f = logs.describe_metric_filters(logGroupName="g1",
                                     filterNamePrefix="errors")
    t.eq("replaced", "WARN", f["metricFilters"][0]["filterPattern"])
    t.error("bad pattern", "InvalidParameterException",
            logs.put_metric_filter, logGroupName="g1", filterName="bad",
            filterPattern="{ $.a = ", metricTransformations=mt())
    t.error("dimensions on a text pattern", "InvalidParameterException",
            logs.put_metric_filter, logGroupName="g1", filterName="d",
            filterPattern="ERROR",
            metricTransformations=mt(dimensions={"a": "$.a"}),
            msg="The specified filter pattern does not support dimensions")
    t.error("dimensions and default value", "InvalidParameterException",
            logs.put_metric_filter, logGroupName="g1", filterName="d",
            filterPattern="{ $.a = 1 }",
            metricTransformations=mt(dimensions={"a": "$.a"},
                                     defaultValue=0),
            msg="mutually exclusive")
    t.error("put: no such group", "ResourceNotFoundException",
            logs.put_metric_filter, logGroupName="nope", filterName="x",
            filterPattern="", metricTransformations=mt())

    for i in range(98):
        logs.put_metric_filter(logGroupName="g1", filterName="f%03d" % i,
                               filterPattern="x", metricTransformations=mt())
    t.error("101st filter", "LimitExceededException",
            logs.put_metric_filter, logGroupName="g1", filterName="over",
            filterPattern="x", metricTransformations=mt())
    logs.put_metric_filter(logGroupName="g1", filterName="f000",
                           filterPattern="y", metricTransformations=mt())
    t.ok("replacing at the limit works", True)
    names, tok = [], None
    while True:
        kw = {"nextToken": tok} if tok else {}
        r = logs.describe_metric_filters(logGroupName="g1", limit=30, **kw)
        names += [x["filterName"] for x in r["metricFilters"]]
        tok = r.get("nextToken")
        if not tok:
            break
    t.eq("paging", sorted(names), names)
    t.eq("paging: all 100", 100, len(set(names)))
    t.error("bad token", "InvalidParameterException",
            logs.describe_metric_filters, logGroupName="g1", nextToken="zz")

    logs.delete_metric_filter(logGroupName="g1", filterName="json")
    t.error("delete again", "ResourceNotFoundException",
            logs.delete_metric_filter, logGroupName="g1", filterName="json")
    logs.delete_log_group(logGroupName="g2")
    logs.create_log_group(logGroupName="g2")
    t.eq("filters go with their group", [], logs.describe_metric_filters(
        logGroupName="g2")["metricFilters"])

    r = logs.test_metric_filter(
        filterPattern="[ip, user, username, timestamp, request, "
                      "status_code = 4*, bytes]",
        logEventMessages=[
            '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] '
            '"GET /apache_pb.gif HTTP/1.0" 200 1534',
            '127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] '
            '"GET /index.html HTTP/1.0" 404 1534'])
    t.eq("test: only the 404", [2], [m["eventNumber"] for m in r["matches"]])
    t.eq("test: extracted", {"$ip": "127.0.0.1", "$user": "-",
                             "$username": "frank",
                             "$timestamp": "10/Oct/2000:13:25:15 -0700",
                             "$request": "GET /index.html HTTP/1.0",
                             "$status_code": "404", "$bytes": "1534"},
         r["matches"][0]["extractedValues"])
    t.eq("test: text pattern", [{"eventNumber": 1, "eventMessage": "an ERROR",
                                 "extractedValues": {}}],
         logs.test_metric_filter(filterPattern="ERROR",
                                 logEventMessages=["an ERROR", "ok"])[
                                     "matches"])
    t.error("test: bad pattern", "InvalidParameterException",
            logs.test_metric_filter, filterPattern="[a, b",
            logEventMessages=["x"])
t.done()
