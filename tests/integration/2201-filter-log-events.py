#!/usr/bin/env python3
"""FilterLogEvents (boto3) on a KMS-encrypted group: events of several
streams interleaved by timestamp then ingestion time; logStreamNames,
logStreamNamePrefix (never both), startTime/endTime (both inclusive),
filterPattern (syntax errors refused with the compiler's message), limit
and nextToken paging to the end (no token once finished, a forged or
foreign token refused), searchedLogStreams empty, stable eventIds, and the
AccessDeniedException of GetLogEvents once the key is disabled."""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T  # noqa: E402

t = T()
ACCOUNT = "123456789012"
REGION = "eu-west-2"
G = "search-group"
POLICY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::%s:root" % ACCOUNT},
     "Action": "kms:*", "Resource": "*"},
    {"Effect": "Allow",
     "Principal": {"Service": "logs.%s.amazonaws.com" % REGION},
     "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*",
                "kms:GenerateDataKey*", "kms:Describe*"], "Resource": "*"}]})


def msgs(r):
    return [e["message"] for e in r["events"]]


with Server() as srv:
    logs = srv.client("logs")
    kms = srv.client("kms")
    key = kms.create_key()["KeyMetadata"]["Arn"]
    kms.put_key_policy(KeyId=key, PolicyName="default", Policy=POLICY)
    logs.create_log_group(logGroupName=G, kmsKeyId=key)
    for s in ("app-1", "app-2", "web"):
        logs.create_log_stream(logGroupName=G, logStreamName=s)
    base = int(time.time() * 1000) - 3600 * 1000
    # app-1 even ms, app-2 odd ms, web every 3 ms, two batches for app-1
    logs.put_log_events(logGroupName=G, logStreamName="app-1", logEvents=[
        {"timestamp": base + 2 * i, "message": "app1 ERROR %d" % i}
        for i in range(50)])
    logs.put_log_events(logGroupName=G, logStreamName="app-2", logEvents=[
        {"timestamp": base + 2 * i + 1, "message": "app2 INFO %d" % i}
        for i in range(50)])
    logs.put_log_events(logGroupName=G, logStreamName="web", logEvents=[
        {"timestamp": base + 3 * i, "message": '{"status": %d, "n": %d}'
         % (200 if i % 2 else 500, i)} for i in range(20)])

    r = logs.filter_log_events(logGroupName=G)
    ev = r["events"]
    t.eq("all events", 120, len(ev))
    t.ok("sorted by timestamp then ingestion time",
         [(e["timestamp"], e["ingestionTime"]) for e in ev] ==
         sorted((e["timestamp"], e["ingestionTime"]) for e in ev))
    t.eq("no nextToken when finished", None, r.get("nextToken"))
    t.eq("searchedLogStreams is empty", [], r["searchedLogStreams"])
    t.eq("members in AWS's order",
         ["logStreamName", "timestamp", "message", "ingestionTime",
          "eventId"], list(ev[0].keys()))
    t.ok("eventIds are 56 digits and unique",
         all(len(e["eventId"]) == 56 and e["eventId"].isdigit() for e in ev)
         and len({e["eventId"] for e in ev}) == 120)
    t.eq("eventIds stable", [e["eventId"] for e in ev],
         [e["eventId"] for e in logs.filter_log_events(
             logGroupName=G)["events"]])
    t.eq("interleaved", ["app1 ERROR 0", "app2 INFO 0", "app1 ERROR 1"],
         msgs(logs.filter_log_events(logGroupName=G,
                                     logStreamNames=["app-1", "app-2"],
                                     limit=3)))
    arn = "arn:aws:logs:%s:%s:log-group:%s" % (REGION, ACCOUNT, G)
    # Debian's botocore predates logGroupIdentifier: a raw signed request.
    status, _, body = srv.raw(json.dumps({"logGroupIdentifier": arn}),
                              target="Logs_20140328.FilterLogEvents",
                              service="logs")
    t.eq("logGroupIdentifier ARN", (200, 120),
         (status, len(json.loads(body).get("events", []))))
    t.eq("filter pattern", 50, len(logs.filter_log_events(
        logGroupName=G, filterPattern="ERROR")["events"]))
    t.eq("json pattern", 10, len(logs.filter_log_events(
        logGroupName=G, filterPattern="{ $.status = 500 }")["events"]))
    t.eq("space-delimited pattern", ["app2 INFO 7"], msgs(
        logs.filter_log_events(logGroupName=G,
                               filterPattern="[s, level=INFO, n=7]")))
    t.eq("prefix", {"app-1", "app-2"}, {e["logStreamName"] for e in
         logs.filter_log_events(logGroupName=G,
                                logStreamNamePrefix="app")["events"]})
    t.eq("unknown stream name selects nothing", [], logs.filter_log_events(
        logGroupName=G, logStreamNames=["nope"])["events"])
    t.eq("time range inclusive", ["app1 ERROR 5", "app2 INFO 5",
                                  "app1 ERROR 6"],
         msgs(logs.filter_log_events(logGroupName=G, startTime=base + 10,
                                     endTime=base + 12,
                                     logStreamNamePrefix="app")))
    t.error("names and prefix", "InvalidParameterException",
            logs.filter_log_events, logGroupName=G, logStreamNames=["web"],
            logStreamNamePrefix="w")
    t.error("bad pattern", "InvalidParameterException",
            logs.filter_log_events, logGroupName=G,
            filterPattern="?Status: timeout", msg="Invalid character(s)")
    t.error("no such group", "ResourceNotFoundException",
            logs.filter_log_events, logGroupName="nope")

    # Paging to the end gives every match once, in order.
    seen, tok, pages = [], None, 0
    while True:
        kw = {"nextToken": tok} if tok else {}
        r = logs.filter_log_events(logGroupName=G, filterPattern="ERROR",
                                   limit=7, **kw)
        pages += 1
        t.ok("page %d within limit" % pages, len(r["events"]) <= 7)
        seen += msgs(r)
        tok = r.get("nextToken")
        if not tok:
            break
    t.eq("paging: every match once, in order",
         ["app1 ERROR %d" % i for i in range(50)], seen)
    r = logs.filter_log_events(logGroupName=G, limit=5)
    t.error("token of another query", "InvalidParameterException",
            logs.filter_log_events, logGroupName=G, filterPattern="INFO",
            nextToken=r["nextToken"],
            msg="The specified nextToken is invalid.")
    t.error("forged token", "InvalidParameterException",
            logs.filter_log_events, logGroupName=G, nextToken="abc",
            msg="The specified nextToken is invalid.")

    # Pages stop at 1 MB.
    logs.create_log_stream(logGroupName=G, logStreamName="big")
    big = "x" * 200000
    for b in range(2):
        logs.put_log_events(logGroupName=G, logStreamName="big", logEvents=[
            {"timestamp": base + 1000 + 4 * b + i, "message": big}
            for i in range(4)])
    r = logs.filter_log_events(logGroupName=G, logStreamNames=["big"])
    t.eq("1 MB page", 5, len(r["events"]))
    r = logs.filter_log_events(logGroupName=G, logStreamNames=["big"],
                               nextToken=r["nextToken"])
    t.eq("rest after 1 MB", (3, None), (len(r["events"]),
                                        r.get("nextToken")))

    kms.disable_key(KeyId=key)
    e = t.error("key disabled", "AccessDeniedException",
                logs.filter_log_events, logGroupName=G)
    if e:
        text = e.response["Error"]["Message"]
        t.ok("names the key and group", key in text and arn in text, text)
    t.error("same error as GetLogEvents", "AccessDeniedException",
            logs.get_log_events, logGroupName=G, logStreamName="web")
    kms.enable_key(KeyId=key)
    t.eq("enabled again", 120, len(logs.filter_log_events(
        logGroupName=G, logStreamNames=["app-1", "app-2", "web"])["events"]))
t.done()
