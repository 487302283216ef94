#!/usr/bin/env python3
"""Logs Insights sub-queries over a second log group (issue 12, r8/iqsub):
join (CWL_QuerySyntax-Join), appendcols (-Appendcols) and
`filter f in ( … )` (-Subqueries), through boto3.

Two groups: API access logs (plain) and a Lambda function's logs, whose
group is encrypted under a customer key whose policy allows
logs.eu-west-2.amazonaws.com. A query over the first reads the second
through its sub-queries: the joined rows, the appended columns and the
filtered rows are what the pages define; the statistics count the events
of both groups. A sub-query naming a group that does not exist is
refused by StartQuery as a missing group is (ResourceNotFoundException);
with the second group's key disabled the query fails as a query over
that group does (3102), and completes again once the key is enabled.
Then the time-series page: rate(), histogram() and `offset`, which reads
the period before the range."""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T  # noqa: E402

t = T()
ACCOUNT = "123456789012"
REGION = "eu-west-2"
API = "/aws/apigw/access"
FN = "/aws/lambda/my-function"
FN_ARN = "arn:aws:logs:%s:%s:log-group:%s" % (REGION, ACCOUNT, FN)


def policy():
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "Enable IAM User Permissions", "Effect": "Allow",
         "Principal": {"AWS": "arn:aws:iam::%s:root" % ACCOUNT},
         "Action": "kms:*", "Resource": "*"},
        {"Effect": "Allow",
         "Principal": {"Service": "logs.%s.amazonaws.com" % REGION},
         "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*",
                    "kms:GenerateDataKey*", "kms:Describe*"],
         "Resource": "*"}]})


def run(logs, query, start_s, end_s):
    qid = logs.start_query(logGroupName=API, startTime=start_s,
                           endTime=end_s, queryString=query)["queryId"]
    for _ in range(600):
        r = logs.get_query_results(queryId=qid)
        if r["status"] not in ("Scheduled", "Running"):
            return qid, r
        time.sleep(0.05)
    return qid, r


def rows(r):
    return [{f["field"]: f["value"] for f in row if f["field"] != "@ptr"}
            for row in r["results"]]


with Server() as srv:
    logs = srv.client("logs")
    kms = srv.client("kms")
    key = kms.create_key()["KeyMetadata"]["Arn"]
    kms.put_key_policy(KeyId=key, PolicyName="default", Policy=policy())
    logs.create_log_group(logGroupName=API)
    logs.create_log_group(logGroupName=FN, kmsKeyId=key)
    for g in (API, FN):
        logs.create_log_stream(logGroupName=g, logStreamName="s")
    base = (int(time.time()) - 600) * 1000
    api = [("r1", 502, 150, "svc-a"), ("r2", 500, 950, "svc-a"),
           ("r3", 503, 40, "svc-b"), ("r4", 200, 20, "svc-b")]
    fn = [("r1", 120, 64, "svc-a"), ("r2", 900, 128, "svc-a"),
          ("r4", 15, 32, "svc-b")]
    logs.put_log_events(logGroupName=API, logStreamName="s", logEvents=[
        {"timestamp": base + i * 1000,
         "message": json.dumps({"requestId": a, "status": s, "latency": l,
                                "svc": v})}
        for i, (a, s, l, v) in enumerate(api)])
    logs.put_log_events(logGroupName=FN, logStreamName="s", logEvents=[
        {"timestamp": base + i * 1000,
         "message": json.dumps({"requestId": a, "duration": d,
                                "memoryUsed": m, "svc": v})}
        for i, (a, d, m, v) in enumerate(fn)])
    start_s, end_s = base // 1000 - 1, base // 1000 + 60

    # The join page's example 1.
    join_q = ("filter status >= 500\n"
              "| join type=inner left=api right=lambda\n"
              "    where api.requestId=lambda.requestId\n"
              "    (SOURCE '%s')\n"
              "| fields api.requestId, api.status, api.latency, "
              "lambda.duration, lambda.memoryUsed\n"
              "| sort api.latency desc" % FN)
    qid, r = run(logs, join_q, start_s, end_s)
    t.eq("join over the encrypted group completes", "Complete", r["status"])
    t.eq("join: the 5xx requests with their Lambda runs", [
        {"api.requestId": "r2", "api.status": "500", "api.latency": "950",
         "lambda.duration": "900", "lambda.memoryUsed": "128"},
        {"api.requestId": "r1", "api.status": "502", "api.latency": "150",
         "lambda.duration": "120", "lambda.memoryUsed": "64"}], rows(r))
    t.eq("statistics: both groups' events scanned", 7.0,
         r["statistics"]["recordsScanned"])
    t.ok("statistics: both groups' bytes", r["statistics"]["bytesScanned"]
         > sum(len(json.dumps({"requestId": a, "status": s, "latency": l,
                                "svc": v})) for a, s, l, v in api))

    qid, r = run(logs, "filter status >= 500 | join type=left left=a "
                       "right=l where a.requestId = l.requestId "
                       "(SOURCE '%s') | fields a.requestId, l.duration "
                       "| sort a.requestId" % FN, start_s, end_s)
    t.eq("join type=left keeps r3 without a match", [
        {"a.requestId": "r1", "l.duration": "120"},
        {"a.requestId": "r2", "l.duration": "900"},
        {"a.requestId": "r3"}], rows(r))

    # The appendcols page's example.
    qid, r = run(logs, "fields svc | stats count(*) as cnt by svc "
                       "| appendcols override=true ( SOURCE '%s' | stats "
                       "avg(duration) as avgDur by svc )" % FN,
                 start_s, end_s)
    t.eq("appendcols: the columns of the sub-query, row by row", [
        {"svc": "svc-a", "cnt": "2", "avgDur": "510"},
        {"svc": "svc-b", "cnt": "2", "avgDur": "15"}],
        sorted(rows(r), key=lambda x: x["svc"]))

    # The subqueries page's example 1, in this data's terms.
    qid, r = run(logs, "filter requestId in ( SOURCE '%s' | filter "
                       "duration > 100 | fields requestId ) | fields "
                       "requestId, status | sort requestId" % FN,
                 start_s, end_s)
    t.eq("in ( subquery )", [{"requestId": "r1", "status": "502"},
                             {"requestId": "r2", "status": "500"}],
         rows(r))
    qid, r = run(logs, "filter requestId not in ( SOURCE '%s' ) | fields "
                       "requestId | sort requestId" % FN_ARN,
                 start_s, end_s)
    t.eq("not in ( subquery ), the group by ARN", [{"requestId": "r3"}],
         rows(r))

    t.error("a sub-query over a group that does not exist",
            "ResourceNotFoundException", logs.start_query,
            logGroupName=API, startTime=start_s, endTime=end_s,
            queryString="filter requestId in (SOURCE '/aws/lambda/none')",
            msg="The specified log group does not exist.")
    t.error("a sub-query over another account's group",
            "ResourceNotFoundException", logs.start_query,
            logGroupName=API, startTime=start_s, endTime=end_s,
            queryString="filter requestId in (SOURCE 'arn:aws:logs:%s:"
                        "210987654321:log-group:%s')" % (REGION, FN))
    t.error("a sub-query inside a sub-query", "MalformedQueryException",
            logs.start_query, logGroupName=API, startTime=start_s,
            endTime=end_s, queryString="filter requestId in (SOURCE a | "
                                       "filter b in (SOURCE c))",
            msg="a subquery cannot contain another subquery")
    t.error("appendcols max=0", "MalformedQueryException",
            logs.start_query, logGroupName=API, startTime=start_s,
            endTime=end_s, queryString="appendcols max=0 (SOURCE a)")

    # The time-series page's offset: over the range an hour later, the
    # events of the hour before, each bin reported an hour later.
    def hour_bin(ms):
        return time.strftime("%Y-%m-%d %H:%M:%S.000",
                             time.gmtime((ms // 3600000 + 1) * 3600))
    want = {}
    for i in range(len(api)):
        want[hour_bin(base + i * 1000)] = want.get(
            hour_bin(base + i * 1000), 0) + 1
    qid, r = run(logs, "stats count(*) as n by bin(1h) offset 1h",
                 start_s + 3600, end_s + 3600)
    t.eq("offset 1h: the earlier hour's events, bins an hour later",
         want, {x["bin(1h)"]: int(x["n"]) for x in rows(r)})
    qid, r = run(logs, "stats count(*) as n by bin(1h)", start_s + 3600,
                 end_s + 3600)
    t.eq("… which the range itself does not hold", [], rows(r))
    qid, r = run(logs, "stats rate(latency, 1s) as r, histogram(latency, 2) "
                       "as h", start_s, end_s)
    # latency 150 at the first event, 20 three seconds later: -130/3 a
    # second; ranges over [20, 950]
    t.eq("rate() and histogram()", [{
        "r": "-43.333333333333336",
        "h": '{"[20,485)":3,"[485,950]":1}'}], rows(r))

    kms.disable_key(KeyId=key)
    qid, r = run(logs, join_q, start_s, end_s)
    t.eq("the sub-query's key disabled: the query fails", ("Failed", []),
         (r["status"], r["results"]))
    t.ok("the log says why (the key and the sub-query's group)",
         "query Failed query=%s why=The specified KMS key does not exist or "
         "is not allowed to be used with Arn '%s'" % (qid, FN_ARN)
         in srv.wait_log("query Failed query=%s why=" % qid))
    kms.enable_key(KeyId=key)
    qid, r = run(logs, join_q, start_s, end_s)
    t.eq("enabled again: complete again", ("Complete", 2),
         (r["status"], len(r["results"])))
    t.eq("the server stops cleanly", 0, srv.stop())
t.done()
