"""Log streams with boto3: CreateLogStream (names, duplicates, missing
group), DescribeLogStreams (fields in AWS's order, prefix, orderBy
LogStreamName / LastEventTime, descending, limit 1 paging, bad tokens,
logGroupIdentifier), DeleteLogStream (missing, deletion protection)."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T, logs_call as call  # noqa: E402

t = T()
err = t.logs_error
ACCOUNT = "123456789012"
REGION = "eu-west-2"
GARN = "arn:aws:logs:%s:%s:log-group:g" % (REGION, ACCOUNT)


def names(srv, **kw):
    """Every stream name through nextToken paging (raw requests, so
    logGroupIdentifier works with the old botocore); (names, pages)."""
    out, pages, token = [], 0, None
    while True:
        args = dict(kw)
        if token:
            args["nextToken"] = token
        status, r = call(srv, "DescribeLogStreams", args)
        if status != 200:
            raise RuntimeError("DescribeLogStreams: %d %r" % (status, r))
        pages += 1
        out += [s["logStreamName"] for s in r["logStreams"]]
        token = r.get("nextToken")
        if not token:
            return out, pages


with Server() as srv:
    logs = srv.client("logs")
    logs.create_log_group(logGroupName="g")
    logs.create_log_group(logGroupName="h")

    logs.create_log_stream(logGroupName="g", logStreamName="s1")
    r = logs.describe_log_streams(logGroupName="g")
    t.eq("one stream", 1, len(r["logStreams"]))
    s = r["logStreams"][0]
    t.eq("empty stream members",
         ["logStreamName", "creationTime", "uploadSequenceToken", "arn",
          "storedBytes"], list(s.keys()))
    t.eq("stream arn", GARN + ":log-stream:s1", s["arn"])
    t.ok("sequence token is decimal", s["uploadSequenceToken"].isdigit())
    t.eq("stored bytes", 0, s["storedBytes"])
    t.error("duplicate", "ResourceAlreadyExistsException",
            logs.create_log_stream, logGroupName="g", logStreamName="s1",
            msg="The specified log stream already exists")
    logs.create_log_stream(logGroupName="h", logStreamName="s1")
    t.error("missing group", "ResourceNotFoundException",
            logs.create_log_stream, logGroupName="nope", logStreamName="s",
            msg="The specified log group does not exist.")
    t.error("colon", "InvalidParameterException", logs.create_log_stream,
            logGroupName="g", logStreamName="a:b")
    t.error("star", "InvalidParameterException", logs.create_log_stream,
            logGroupName="g", logStreamName="a*b")
    logs.create_log_stream(logGroupName="g",
                           logStreamName="2024/01/01/[$LATEST]\u00e9 x")
    logs.create_log_stream(logGroupName="g", logStreamName="y" * 512)
    err("too long", "InvalidParameterException", srv, "CreateLogStream",
        logGroupName="g", logStreamName="y" * 513)
    logs.delete_log_stream(logGroupName="g", logStreamName="y" * 512)
    logs.delete_log_stream(logGroupName="g",
                           logStreamName="2024/01/01/[$LATEST]\u00e9 x")

    # ---- by name, paging -----------------------------------------------------
    want = ["p%02d" % i for i in range(30)]
    for n in reversed(want):
        logs.create_log_stream(logGroupName="g", logStreamName=n)
    got, pages = names(srv, logGroupName="g", logStreamNamePrefix="p",
                       limit=1)
    t.eq("limit 1 pages by name", want, got)
    t.eq("one page per stream", 30, pages)
    got, _ = names(srv, logGroupName="g", logStreamNamePrefix="p",
                   descending=True, limit=1)
    t.eq("descending by name, limit 1", list(reversed(want)), got)
    got, _ = names(srv, logGroupName="g", descending=True, limit=7)
    t.eq("descending by name, limit 7", list(reversed(want + ["s1"])), got)
    got, _ = names(srv, logGroupIdentifier=GARN, logStreamNamePrefix="p1")
    t.eq("identifier and prefix", ["p%02d" % i for i in range(10, 20)], got)
    t.eq("default limit 50", 31,
         len(logs.describe_log_streams(logGroupName="g")["logStreams"]))
    r = logs.describe_log_streams(logGroupName="g", limit=5)
    tok = r["nextToken"]
    for bad in ["x", tok[:-4] + "AAAA", "p04"]:
        t.error("bad token %r" % bad[:10], "InvalidParameterException",
                logs.describe_log_streams, logGroupName="g", nextToken=bad,
                msg="The specified nextToken is invalid.")
    t.error("token of another group", "InvalidParameterException",
            logs.describe_log_streams, logGroupName="h", nextToken=tok)
    t.error("token of another order", "InvalidParameterException",
            logs.describe_log_streams, logGroupName="g", nextToken=tok,
            descending=True)
    t.error("LastEventTime with a prefix", "InvalidParameterException",
            logs.describe_log_streams, logGroupName="g",
            orderBy="LastEventTime", logStreamNamePrefix="p",
            msg="Cannot order by LastEventTime with a logStreamNamePrefix.")
    err("name and identifier", "InvalidParameterException", srv,
        "DescribeLogStreams", logGroupName="g", logGroupIdentifier=GARN)
    err("neither name nor identifier", "InvalidParameterException", srv,
        "DescribeLogStreams")
    t.error("missing group", "ResourceNotFoundException",
            logs.describe_log_streams, logGroupName="nope")
    err("limit 0", "InvalidParameterException", srv, "DescribeLogStreams",
        logGroupName="g", limit=0)
    err("limit 51", "InvalidParameterException", srv, "DescribeLogStreams",
        logGroupName="g", limit=51)

    # ---- by last event time ------------------------------------------------------
    now = int(time.time() * 1000)
    have_events = True
    try:
        for i, n in enumerate(["p07", "p03", "p21"]):
            logs.put_log_events(logGroupName="g", logStreamName=n,
                                logEvents=[{"timestamp": now - 60000 + i,
                                            "message": "m%d" % i}])
    except Exception as e:  # the events half may not be built yet
        print("note: PutLogEvents unavailable (%s); time order unchecked"
              % e)
        have_events = False
    if have_events:
        got, _ = names(srv, logGroupName="g", orderBy="LastEventTime",
                       descending=True, limit=1)
        t.eq("newest first", ["p21", "p03", "p07"], got[:3])
        t.eq("all of them", 31, len(got))
        got, _ = names(srv, logGroupName="g", orderBy="LastEventTime",
                       limit=2)
        t.eq("oldest first, empty streams first", ["p07", "p03", "p21"],
             got[-3:])
        s = [x for x in logs.describe_log_streams(
            logGroupName="g", logStreamNamePrefix="p21")["logStreams"]][0]
        t.eq("stream with events members",
             ["logStreamName", "creationTime", "firstEventTimestamp",
              "lastEventTimestamp", "lastIngestionTime",
              "uploadSequenceToken", "arn", "storedBytes"], list(s.keys()))
        t.eq("event times", (now - 59998, now - 59998),
             (s["firstEventTimestamp"], s["lastEventTimestamp"]))

    # ---- DeleteLogStream -----------------------------------------------------------
    logs.delete_log_stream(logGroupName="g", logStreamName="p00")
    t.error("deleted", "ResourceNotFoundException", logs.delete_log_stream,
            logGroupName="g", logStreamName="p00",
            msg="The specified log stream does not exist.")
    t.error("missing group", "ResourceNotFoundException",
            logs.delete_log_stream, logGroupName="nope", logStreamName="x",
            msg="The specified log group does not exist.")
    status, _ = call(srv, "PutLogGroupDeletionProtection",
                     {"logGroupIdentifier": "g",
                      "deletionProtectionEnabled": True})
    t.eq("protect", 200, status)
    t.error("protected group's stream", "ValidationException",
            logs.delete_log_stream, logGroupName="g", logStreamName="p01")
    call(srv, "PutLogGroupDeletionProtection",
         {"logGroupIdentifier": "g", "deletionProtectionEnabled": False})
    logs.delete_log_stream(logGroupName="g", logStreamName="p01")
    logs.delete_log_group(logGroupName="h")
    t.error("streams go with their group", "ResourceNotFoundException",
            logs.describe_log_streams, logGroupName="h")
    logs.create_log_group(logGroupName="h")
    t.eq("a recreated group is empty", [],
         logs.describe_log_streams(logGroupName="h")["logStreams"])

    before = logs.describe_log_streams(logGroupName="g")["logStreams"]
    srv.restart()
    logs = srv.client("logs")
    t.eq("streams survive a restart", before,
         logs.describe_log_streams(logGroupName="g")["logStreams"])

t.done()
