#!/usr/bin/env python3
"""PutLogEvents and GetLogEvents through boto3: round trips, every
validation rule, rejectedLogEventsInfo, paging both ways with limit,
the token at the end, bad tokens, the 1 MB page cap, parallel puts to one
stream."""
import json
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T  # noqa: E402

t = T()
DAY = 86400 * 1000
HOUR = 3600 * 1000


def now_ms():
    return int(time.time() * 1000)


def ev(ts, msg):
    return {"timestamp": ts, "message": msg}


def all_events(logs, group, stream, **kw):
    """Every event of a stream, following nextForwardToken from the head."""
    out = []
    token = None
    for _ in range(10000):
        args = dict(logGroupName=group, logStreamName=stream,
                    startFromHead=True, **kw)
        if token:
            args["nextToken"] = token
        r = logs.get_log_events(**args)
        out.extend(r["events"])
        if r["nextForwardToken"] == token:
            return out
        token = r["nextForwardToken"]
    raise RuntimeError("paging did not end")


with Server() as srv:
    logs = srv.client("logs")
    logs.create_log_group(logGroupName="g1")
    logs.create_log_stream(logGroupName="g1", logStreamName="s1")
    base = now_ms() - HOUR

    # -- round trip -----------------------------------------------------
    msgs = ["hello", "caf\u00e9 \u20ac \U0001F600", '{"a": "q\\"uote"}',
            "tab\there\nnewline", "\u0001control"]
    r = logs.put_log_events(logGroupName="g1", logStreamName="s1",
                            logEvents=[ev(base + i, m)
                                       for i, m in enumerate(msgs)])
    t.ok("nextSequenceToken", isinstance(r.get("nextSequenceToken"), str)
         and r["nextSequenceToken"].isdigit())
    t.ok("no rejected info", "rejectedLogEventsInfo" not in r, repr(r))
    got = logs.get_log_events(logGroupName="g1", logStreamName="s1",
                              startFromHead=True)
    t.eq("round trip messages", msgs, [e["message"] for e in got["events"]])
    t.eq("round trip timestamps", [base + i for i in range(5)],
         [e["timestamp"] for e in got["events"]])
    t.ok("ingestionTime", all(abs(e["ingestionTime"] - now_ms()) < 60000
                              for e in got["events"]))
    t.ok("tokens present", got["nextForwardToken"].startswith("f/") and
         got["nextBackwardToken"].startswith("b/"))
    got2 = logs.get_log_events(logGroupName="g1", logStreamName="s1")
    t.eq("default from the tail, same events", msgs,
         [e["message"] for e in got2["events"]])
    arn = "arn:aws:logs:eu-west-2:123456789012:log-group:g1"
    # (raw: Debian's older botocore model lacks logGroupIdentifier here)
    code, _, body = srv.raw(json.dumps({
        "logGroupIdentifier": arn, "logStreamName": "s1",
        "startFromHead": True}), target="Logs_20140328.GetLogEvents",
        service="logs")
    t.eq("logGroupIdentifier ARN", msgs,
         [e["message"] for e in json.loads(body).get("events", [])])
    st = logs.describe_log_streams(logGroupName="g1")["logStreams"][0]
    raw = sum(len(m.encode()) + 26 for m in msgs)
    # (AWS reports a stream's storedBytes as 0 since 2019.)
    t.eq("stream firstEventTimestamp", base, st.get("firstEventTimestamp"))
    t.eq("stream lastEventTimestamp", base + 4, st.get("lastEventTimestamp"))
    grp = logs.describe_log_groups(logGroupNamePrefix="g1")["logGroups"][0]
    t.eq("group storedBytes", raw, grp.get("storedBytes"))

    # Same timestamp in two requests: ingestion order.
    logs.create_log_stream(logGroupName="g1", logStreamName="ties")
    logs.put_log_events(logGroupName="g1", logStreamName="ties",
                        logEvents=[ev(base, "first"), ev(base + 5, "late")])
    logs.put_log_events(logGroupName="g1", logStreamName="ties",
                        logEvents=[ev(base, "second")])
    got = logs.get_log_events(logGroupName="g1", logStreamName="ties",
                              startFromHead=True)
    t.eq("timestamp then ingestion order", ["first", "second", "late"],
         [e["message"] for e in got["events"]])

    # -- validation -----------------------------------------------------
    put = logs.put_log_events
    t.error("out of order", "InvalidParameterException", put,
            logGroupName="g1", logStreamName="s1",
            logEvents=[ev(base + 5, "a"), ev(base, "b")],
            msg="Log events in a single PutLogEvents request must be in "
                "chronological order.")
    t.error("span over 24 hours", "InvalidParameterException", put,
            logGroupName="g1", logStreamName="s1",
            logEvents=[ev(base - DAY, "a"), ev(base + 1, "b")],
            msg="cannot span more than 24 hours")
    big = "x" * 600000
    t.error("batch over 1 MiB", "InvalidParameterException", put,
            logGroupName="g1", logStreamName="s1",
            logEvents=[ev(base, big), ev(base, big)],
            msg="Upload too large")
    # Exactly at the limit is fine: 1,048,576 = (len + 26) * 2.
    half = "y" * (1048576 // 2 - 26)
    logs.create_log_stream(logGroupName="g1", logStreamName="limit")
    r = put(logGroupName="g1", logStreamName="limit",
            logEvents=[ev(base, half), ev(base, half)])
    t.ok("batch of exactly 1,048,576 bytes", "nextSequenceToken" in r)
    def raw_put(events):
        st_, _, body = srv.raw(json.dumps({
            "logGroupName": "g1", "logStreamName": "s1",
            "logEvents": events}), target="Logs_20140328.PutLogEvents",
            service="logs")
        return st_, json.loads(body)

    code, body = raw_put([ev(base, "")])
    t.ok("empty message", code == 400 and body.get("__type", "").endswith(
        "InvalidParameterException"), repr(body))
    code, body = raw_put([])
    t.ok("no events", code == 400 and body.get("__type", "").endswith(
        "InvalidParameterException"), repr(body))
    code, body = raw_put([ev(base, "m")] * 10001)
    t.ok("10,001 events", code == 400 and body.get("__type", "").endswith(
        "InvalidParameterException"), repr(body))
    t.error("missing group", "ResourceNotFoundException", put,
            logGroupName="nope", logStreamName="s1",
            logEvents=[ev(base, "m")],
            msg="The specified log group does not exist.")
    t.error("missing stream", "ResourceNotFoundException", put,
            logGroupName="g1", logStreamName="nope",
            logEvents=[ev(base, "m")],
            msg="The specified log stream does not exist.")
    t.error("get: missing stream", "ResourceNotFoundException",
            logs.get_log_events, logGroupName="g1", logStreamName="nope",
            msg="The specified log stream does not exist.")
    t.error("get: missing group", "ResourceNotFoundException",
            logs.get_log_events, logGroupName="nope", logStreamName="s1",
            msg="The specified log group does not exist.")
    r = put(logGroupName="g1", logStreamName="s1",
            logEvents=[ev(base + 10, "token ignored")],
            sequenceToken="whatever")
    t.ok("sequence token ignored", "nextSequenceToken" in r)

    # -- rejected events --------------------------------------------------
    n = now_ms()
    logs.create_log_stream(logGroupName="g1", logStreamName="rej")
    r = put(logGroupName="g1", logStreamName="rej",
            logEvents=[ev(n - 14 * DAY - 2 * HOUR, "old1"),
                       ev(n - 14 * DAY - HOUR, "old2"),
                       ev(n - 13 * DAY - 20 * HOUR, "ok-old")])
    t.eq("tooOldLogEventEndIndex", {"tooOldLogEventEndIndex": 2},
         r.get("rejectedLogEventsInfo"))
    r = put(logGroupName="g1", logStreamName="rej",
            logEvents=[ev(n + HOUR, "ok-new"),
                       ev(n + 2 * HOUR + 10 * 60000, "new1"),
                       ev(n + 3 * HOUR, "new2")])
    t.eq("tooNewLogEventStartIndex", {"tooNewLogEventStartIndex": 1},
         r.get("rejectedLogEventsInfo"))
    logs.create_log_group(logGroupName="g7")
    logs.put_retention_policy(logGroupName="g7", retentionInDays=7)
    logs.create_log_stream(logGroupName="g7", logStreamName="s")
    r = put(logGroupName="g7", logStreamName="s",
            logEvents=[ev(n - 7 * DAY - 5 * HOUR, "exp1"),
                       ev(n - 7 * DAY - HOUR, "exp2"),
                       ev(n - 7 * DAY + HOUR, "kept")])
    t.eq("expiredLogEventEndIndex", {"expiredLogEventEndIndex": 2},
         r.get("rejectedLogEventsInfo"))
    got = logs.get_log_events(logGroupName="g1", logStreamName="rej",
                              startFromHead=True)
    t.eq("only accepted events stored", ["ok-old", "ok-new"],
         [e["message"] for e in got["events"]])
    got = logs.get_log_events(logGroupName="g7", logStreamName="s",
                              startFromHead=True)
    t.eq("retention group stored the rest", ["kept"],
         [e["message"] for e in got["events"]])

    # -- paging -------------------------------------------------------------
    logs.create_log_stream(logGroupName="g1", logStreamName="page")
    put(logGroupName="g1", logStreamName="page",
        logEvents=[ev(base + i, "p%02d" % i) for i in range(13)])
    put(logGroupName="g1", logStreamName="page",
        logEvents=[ev(base + i, "p%02d" % i) for i in range(13, 25)])
    pages = []
    r = logs.get_log_events(logGroupName="g1", logStreamName="page",
                            startFromHead=True, limit=10)
    pages.append([e["message"] for e in r["events"]])
    tok = r["nextForwardToken"]
    for _ in range(3):
        r = logs.get_log_events(logGroupName="g1", logStreamName="page",
                                nextToken=tok, limit=10)
        pages.append([e["message"] for e in r["events"]])
        last_tok, tok = tok, r["nextForwardToken"]
    t.eq("forward pages", [["p%02d" % i for i in range(0, 10)],
                           ["p%02d" % i for i in range(10, 20)],
                           ["p%02d" % i for i in range(20, 25)], []], pages)
    t.eq("forward token at the end comes back unchanged", last_tok, tok)
    pages = []
    r = logs.get_log_events(logGroupName="g1", logStreamName="page",
                            limit=10)
    pages.append([e["message"] for e in r["events"]])
    tok = r["nextBackwardToken"]
    for _ in range(3):
        r = logs.get_log_events(logGroupName="g1", logStreamName="page",
                                nextToken=tok, limit=10)
        pages.append([e["message"] for e in r["events"]])
        last_tok, tok = tok, r["nextBackwardToken"]
    t.eq("backward pages", [["p%02d" % i for i in range(15, 25)],
                            ["p%02d" % i for i in range(5, 15)],
                            ["p%02d" % i for i in range(0, 5)], []], pages)
    t.eq("backward token at the end comes back unchanged", last_tok, tok)
    # Back then forward again from a middle page.
    r = logs.get_log_events(logGroupName="g1", logStreamName="page",
                            startFromHead=True, limit=5)
    r = logs.get_log_events(logGroupName="g1", logStreamName="page",
                            nextToken=r["nextForwardToken"], limit=5)
    r2 = logs.get_log_events(logGroupName="g1", logStreamName="page",
                             nextToken=r["nextBackwardToken"], limit=3)
    t.eq("backward from a middle page", ["p02", "p03", "p04"],
         [e["message"] for e in r2["events"]])
    r = logs.get_log_events(logGroupName="g1", logStreamName="page",
                            startTime=base + 3, endTime=base + 7,
                            startFromHead=True)
    t.eq("startTime inclusive, endTime exclusive",
         ["p03", "p04", "p05", "p06"], [e["message"] for e in r["events"]])
    r = logs.get_log_events(logGroupName="g1", logStreamName="page",
                            startTime=base + 3, endTime=base + 7, limit=2)
    t.eq("from the tail within a range", ["p05", "p06"],
         [e["message"] for e in r["events"]])
    for bad in ["garbage", "f/123", "f/" + "9" * 56 + "/s",
                "x/" + "0" * 56 + "/s"]:
        t.error("bad token %r" % bad, "InvalidParameterException",
                logs.get_log_events, logGroupName="g1", logStreamName="page",
                nextToken=bad, msg="The specified nextToken is invalid.")
    other = logs.get_log_events(logGroupName="g1", logStreamName="s1",
                                startFromHead=True)["nextForwardToken"]
    t.error("token of another stream", "InvalidParameterException",
            logs.get_log_events, logGroupName="g1", logStreamName="page",
            nextToken=other, msg="The specified nextToken is invalid.")
    logs.create_log_stream(logGroupName="g1", logStreamName="empty")
    r = logs.get_log_events(logGroupName="g1", logStreamName="empty")
    t.ok("empty stream", r["events"] == [] and
         r["nextForwardToken"].startswith("f/") and
         r["nextBackwardToken"].startswith("b/"))
    put(logGroupName="g1", logStreamName="empty",
        logEvents=[ev(base, "arrived later")])
    r = logs.get_log_events(logGroupName="g1", logStreamName="empty",
                            nextToken=r["nextForwardToken"])
    t.eq("forward token of an empty stream sees later events",
         ["arrived later"], [e["message"] for e in r["events"]])

    # -- 1 MB page cap ----------------------------------------------------
    logs.create_log_stream(logGroupName="g1", logStreamName="mb")
    blob = "z" * 300000
    put(logGroupName="g1", logStreamName="mb",
        logEvents=[ev(base + i, blob) for i in range(3)])
    put(logGroupName="g1", logStreamName="mb",
        logEvents=[ev(base + i, blob) for i in range(3, 5)])
    r = logs.get_log_events(logGroupName="g1", logStreamName="mb",
                            startFromHead=True)
    t.eq("1 MB page: 3 events of 300,000 bytes", 3, len(r["events"]))
    r = logs.get_log_events(logGroupName="g1", logStreamName="mb",
                            nextToken=r["nextForwardToken"])
    t.eq("the rest on the next page", 2, len(r["events"]))
    r = logs.get_log_events(logGroupName="g1", logStreamName="mb")
    t.eq("1 MB page from the tail", [base + 2, base + 3, base + 4],
         [e["timestamp"] for e in r["events"]])

    # -- a big batch is split into chunks and reads back whole -----------
    logs.create_log_stream(logGroupName="g1", logStreamName="bulk")
    bulk = [ev(base + i // 7, "bulk event %05d %s" % (i, "k" * 60))
            for i in range(10000)]
    put(logGroupName="g1", logStreamName="bulk", logEvents=bulk)
    got = all_events(logs, "g1", "bulk")
    t.eq("10,000 events back in order", [e["message"] for e in bulk],
         [e["message"] for e in got])

    # -- parallel puts to one stream ------------------------------------
    logs.create_log_stream(logGroupName="g1", logStreamName="par")
    errors = []

    def worker(k):
        c = srv.client("logs")
        try:
            for j in range(15):
                c.put_log_events(
                    logGroupName="g1", logStreamName="par",
                    logEvents=[ev(base + j, "w%d-r%d-e%d" % (k, j, e))
                               for e in range(40)])
        except Exception as e:  # noqa: BLE001
            errors.append(repr(e))

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    t.eq("parallel puts succeed", [], errors)
    got = [e["message"] for e in all_events(logs, "g1", "par")]
    want = sorted("w%d-r%d-e%d" % (k, j, e) for k in range(8)
                  for j in range(15) for e in range(40))
    t.eq("parallel: every event once", want, sorted(got))
    t.eq("parallel: none duplicated", len(set(got)), len(got))
    ts = [e["timestamp"] for e in all_events(logs, "g1", "par")]
    t.eq("parallel: timestamp order", sorted(ts), ts)

    # -- two events in one call, then out of order ---------------------------
    logs.create_log_stream(logGroupName="g1", logStreamName="cli")
    r = logs.put_log_events(logGroupName="g1", logStreamName="cli",
                            logEvents=[ev(base, "from-the-cli"),
                                       ev(base + 1, "second")])
    t.ok("two-event put-log-events", "nextSequenceToken" in r, r)
    t.eq("get-log-events from the head", ["from-the-cli", "second"], [
        e["message"] for e in logs.get_log_events(
            logGroupName="g1", logStreamName="cli",
            startFromHead=True)["events"]])
    t.error("out of order", "InvalidParameterException", logs.put_log_events,
            logGroupName="g1", logStreamName="cli",
            logEvents=[ev(base + 9, "b"), ev(base, "a")],
            msg="chronological order")

t.done()
