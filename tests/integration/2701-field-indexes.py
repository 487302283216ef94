"""Field indexes: PutIndexPolicy / DescribeIndexPolicies /
DeleteIndexPolicy / DescribeFieldIndexes with their validation errors, and
Insights queries that skip chunks whose field index proves a value absent
(filterIndex, a leading filter, `in [...]`): the same events in a group
with an index policy and in one without give identical results, and only
the indexed run reports estimatedBytesSkipped > 0."""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T, logs_call  # noqa: E402

t = T()
BATCHES = 8
PER = 5
FIELDS = ("@timestamp", "@message", "requestId")


def ok_call(srv, op, **body):
    """A raw call (Debian's botocore predates the field index operations)
    that must succeed: its decoded answer."""
    st, out = logs_call(srv, op, body)
    t.ok(op + " answers 200", st == 200, "%d %r" % (st, out))
    return out


def wait_done(logs, qid):
    r = None
    for _ in range(600):
        r = logs.get_query_results(queryId=qid)
        if r["status"] not in ("Scheduled", "Running"):
            return r
        time.sleep(0.05)
    return r


def run(logs, group, q):
    now = int(time.time())
    qid = logs.start_query(logGroupName=group, startTime=now - 3600,
                           endTime=now + 60, queryString=q)["queryId"]
    r = wait_done(logs, qid)
    rows = sorted(tuple((f["field"], f["value"]) for f in row
                        if f["field"] in FIELDS) for row in r["results"])
    # Raw for the statistics: Debian's botocore drops the skipped ones.
    st, raw = logs_call(logs.srv, "GetQueryResults", {"queryId": qid})
    return r["status"], rows, raw.get("statistics", {})


with Server() as srv:
    logs = srv.client("logs")
    logs.srv = srv
    base = int(time.time() * 1000) - 600000
    for name in ("/fi/indexed", "/fi/plain"):
        logs.create_log_group(logGroupName=name)
        logs.create_log_stream(logGroupName=name, logStreamName="s")
    arn = "arn:aws:logs:eu-west-2:123456789012:log-group:/fi/indexed"

    # ---- PutIndexPolicy -------------------------------------------------
    doc = json.dumps({"Fields": ["requestId"],
                      "FieldsV2": {"user.name": {"type": "FACET"}}})
    p = ok_call(srv, "PutIndexPolicy", logGroupIdentifier="/fi/indexed",
                policyDocument=doc).get("indexPolicy", {})
    t.eq("put: identifier is the ARN", arn, p.get("logGroupIdentifier"))
    t.eq("put: document kept", doc, p.get("policyDocument"))
    t.eq("put: source", "LOG_GROUP", p.get("source"))
    t.ok("put: lastUpdateTime", p.get("lastUpdateTime", 0) > base,
         repr(p))
    bad = [
        ("not JSON", "{Fields"),
        ("no field", json.dumps({"Fields": []})),
        ("21 fields", json.dumps({"Fields": ["f%d" % i for i in range(21)]})),
        ("101 characters", json.dumps({"Fields": ["x" * 101]})),
        ("a number", json.dumps({"Fields": [1]})),
        ("Fields and FieldsV2 overlap", json.dumps(
            {"Fields": ["a"], "FieldsV2": {"a": {"type": "FACET"}}})),
        ("unknown type", json.dumps(
            {"FieldsV2": {"a": {"type": "NOPE"}}})),
    ]
    for what, d in bad:
        t.logs_error("put refused: " + what, "InvalidParameterException",
                     srv, "PutIndexPolicy", logGroupIdentifier="/fi/plain",
                     policyDocument=d, msg="index policy")
    t.logs_error("put on a missing group", "ResourceNotFoundException",
                 srv, "PutIndexPolicy", logGroupIdentifier="/fi/none",
                 policyDocument=doc)
    t.logs_error("put without a document", "InvalidParameterException",
                 srv, "PutIndexPolicy", logGroupIdentifier="/fi/plain")
    st, _ = logs_call(srv, "CreateLogGroup", {
        "logGroupName": "/fi/ia", "logGroupClass": "INFREQUENT_ACCESS"})
    t.eq("IA group made", 200, st)
    t.logs_error("put on an Infrequent Access group",
                 "InvalidParameterException", srv, "PutIndexPolicy",
                 logGroupIdentifier="/fi/ia", policyDocument=doc,
                 msg="Infrequent Access log class")

    # ---- DescribeIndexPolicies ------------------------------------------
    got = ok_call(srv, "DescribeIndexPolicies",
                  logGroupIdentifiers=[arn]).get("indexPolicies")
    t.eq("describe by ARN", [(arn, doc, "LOG_GROUP")],
         [(x["logGroupIdentifier"], x["policyDocument"], x["source"])
          for x in got])
    t.eq("describe a group without one", [], ok_call(
        srv, "DescribeIndexPolicies",
        logGroupIdentifiers=["/fi/plain"]).get("indexPolicies"))
    t.logs_error("describe a missing group", "ResourceNotFoundException",
                 srv, "DescribeIndexPolicies",
                 logGroupIdentifiers=["/fi/none"])
    t.logs_error("describe two groups", "InvalidParameterException",
                 srv, "DescribeIndexPolicies",
                 logGroupIdentifiers=["/fi/plain", "/fi/indexed"])

    # ---- the same events in both groups, one batch = one chunk ----------
    for b in range(BATCHES):
        events = []
        for i in range(PER):
            ts = base + b * 1000 + i
            if i == PER - 1:
                msg = "plain text line %d without the field" % b
            else:
                msg = json.dumps({"requestId": "req-%d-%d" % (b, i),
                                  "user": {"name": "u%d" % (b % 2)},
                                  "n": b})
            events.append({"timestamp": ts, "message": msg})
        for name in ("/fi/indexed", "/fi/plain"):
            logs.put_log_events(logGroupName=name, logStreamName="s",
                                logEvents=events)

    queries = [
        "filterIndex requestId = 'req-3-1' | fields @timestamp, @message, "
        "requestId",
        "filter requestId = 'req-5-0' | fields @timestamp, @message, "
        "requestId",
        "filterIndex requestId in ['req-1-2', 'req-6-3'] | fields "
        "@timestamp, @message, requestId",
        "filter user.name = 'u1' and requestId = 'req-7-0' | fields "
        "@timestamp, @message, requestId",
        "filterIndex requestId = 'absent' | fields @timestamp, @message",
    ]
    for q in queries:
        s1, rows1, stats1 = run(logs, "/fi/indexed", q)
        s2, rows2, stats2 = run(logs, "/fi/plain", q)
        t.eq("complete: " + q, ("Complete", "Complete"), (s1, s2))
        t.eq("identical results: " + q, rows2, rows1)
        t.ok("skipped bytes reported: " + q,
             stats1.get("estimatedBytesSkipped", 0) > 0 and
             stats1.get("estimatedRecordsSkipped", 0) >= PER, repr(stats1))
        t.eq("nothing skipped without an index: " + q, (0.0, 0.0),
             (stats2.get("estimatedBytesSkipped"),
              stats2.get("estimatedRecordsSkipped")))
        t.ok("scanned less with the index: " + q,
             stats1.get("bytesScanned", 0) < stats2.get("bytesScanned", 0),
             "%r vs %r" % (stats1, stats2))
    t.eq("expected rows found", 1, len(run(logs, "/fi/indexed",
                                             queries[0])[1]))
    # A query the index cannot serve (numeric literal, or not leading)
    # skips nothing and still agrees.
    for q in ("filter n = 3 | fields @timestamp, @message",
              "fields @message | filter requestId = 'req-2-2'",
              "filter requestId != 'req-2-2' | fields @timestamp"):
        s1, rows1, stats1 = run(logs, "/fi/indexed", q)
        s2, rows2, stats2 = run(logs, "/fi/plain", q)
        t.eq("no index use, same results: " + q, rows2, rows1)
        t.eq("no index use, nothing skipped: " + q, 0.0,
             stats1.get("estimatedBytesSkipped"))

    # ---- the default index @logStream (every Standard group) -------------
    logs.create_log_stream(logGroupName="/fi/ia", logStreamName="s")
    for name in ("/fi/plain", "/fi/ia"):
        logs.create_log_stream(logGroupName=name, logStreamName="t")
        for stream in ("s", "t"):
            logs.put_log_events(logGroupName=name, logStreamName=stream,
                                logEvents=[{"timestamp": base + 50000,
                                            "message": "in " + stream}])
    s1, rows1, stats1 = run(logs, "/fi/plain",
                            "filter @logStream = 't' | fields @message")
    s2, rows2, stats2 = run(logs, "/fi/plain",
                            "filter @logStream =~ /^t$/ | fields @message")
    t.eq("@logStream: same results", rows2, rows1)
    t.ok("@logStream: other streams skipped",
         stats1.get("estimatedRecordsSkipped", 0) > BATCHES * PER and
         stats2.get("estimatedRecordsSkipped") == 0.0,
         "%r %r" % (stats1, stats2))
    s1, rows1, stats1 = run(logs, "/fi/ia",
                            "filter @logStream = 't' | fields @message")
    t.eq("@logStream on Infrequent Access: no default index", (1, 0.0),
         (len(rows1), stats1.get("estimatedRecordsSkipped")))

    # ---- DescribeFieldIndexes --------------------------------------------
    fi = ok_call(srv, "DescribeFieldIndexes",
                 logGroupIdentifiers=["/fi/indexed", "/fi/plain"]).get(
                     "fieldIndexes", [])
    by = {x["fieldIndexName"]: x for x in fi}
    t.eq("field indexes listed", ["requestId", "user.name"], sorted(by))
    r = by.get("requestId", {})
    t.eq("first and last event", (base, base + (BATCHES - 1) * 1000 +
                                  PER - 2),
         (r.get("firstEventTime"), r.get("lastEventTime")))
    t.ok("last scan time", r.get("lastScanTime", 0) >= base, repr(r))
    t.eq("identifier", arn, r.get("logGroupIdentifier"))
    t.eq("types", ("FIELD_INDEX", "FACET"), (
        r.get("type"), by.get("user.name", {}).get("type")))

    # ---- DeleteIndexPolicy -----------------------------------------------
    ok_call(srv, "DeleteIndexPolicy", logGroupIdentifier="/fi/indexed")
    t.eq("deleted", [], ok_call(
        srv, "DescribeIndexPolicies",
        logGroupIdentifiers=["/fi/indexed"]).get("indexPolicies"))
    t.logs_error("delete again", "ResourceNotFoundException", srv,
                 "DeleteIndexPolicy", logGroupIdentifier="/fi/indexed")
    t.eq("no field indexes without a policy", [], ok_call(
        srv, "DescribeFieldIndexes",
        logGroupIdentifiers=["/fi/indexed"]).get("fieldIndexes"))
t.done()
