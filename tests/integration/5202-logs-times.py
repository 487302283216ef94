#!/usr/bin/env python3
"""Issue 10 §7: CloudWatch Logs times are milliseconds — creationTime of
groups, streams and metric filters, ingestionTime of events (never before
the event's own timestamp when that is "now"), a stream's
firstEventTimestamp / lastEventTimestamp / lastIngestionTime — and
storedBytes of streams and groups reflect what is stored (message bytes +
26 per event, the measure PutLogEvents' batch size uses)."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T  # noqa: E402

t = T()
ROUNDS = 5


def now_ms():
    return int(time.time() * 1000)


def size(msgs):
    return sum(len(m.encode("utf-8")) + 26 for m in msgs)


def within(name, lo, v, hi):
    t.ok(name, lo <= v <= hi, "expected %d <= %r <= %d" % (lo, v, hi))


with Server() as srv:
    logs = srv.client("logs")

    # ---- creationTime ------------------------------------------------------
    for i in range(ROUNDS):
        lo = now_ms()
        logs.create_log_group(logGroupName="g%d" % i)
        logs.create_log_stream(logGroupName="g%d" % i, logStreamName="s")
        logs.put_metric_filter(
            logGroupName="g%d" % i, filterName="f", filterPattern="ERROR",
            metricTransformations=[{"metricName": "m",
                                    "metricNamespace": "n",
                                    "metricValue": "1"}])
        hi = now_ms()
        g = logs.describe_log_groups(
            logGroupNamePrefix="g%d" % i)["logGroups"][0]
        within("group %d creationTime" % i, lo, g["creationTime"], hi)
        s = logs.describe_log_streams(
            logGroupName="g%d" % i)["logStreams"][0]
        within("stream %d creationTime" % i, lo, s["creationTime"], hi)
        f = logs.describe_metric_filters(
            logGroupName="g%d" % i)["metricFilters"][0]
        within("metric filter %d creationTime" % i, lo, f["creationTime"],
               hi)

    # ---- ingestionTime, the stream's times ------------------------------------
    msgs = []
    for i in range(ROUNDS):
        ts = now_ms()
        m = "event %d caf\u00e9" % i
        msgs.append(m)
        logs.put_log_events(logGroupName="g0", logStreamName="s",
                            logEvents=[{"timestamp": ts, "message": m}])
        hi = now_ms()
        ev = logs.get_log_events(logGroupName="g0", logStreamName="s",
                                 startFromHead=False, limit=1)["events"][0]
        t.eq("event %d timestamp" % i, ts, ev["timestamp"])
        within("event %d ingestionTime" % i, ts, ev["ingestionTime"], hi)
        s = logs.describe_log_streams(logGroupName="g0")["logStreams"][0]
        t.eq("stream lastEventTimestamp %d" % i, ts, s["lastEventTimestamp"])
        t.eq("stream lastIngestionTime %d" % i, ev["ingestionTime"],
             s["lastIngestionTime"])
        if i == 0:
            first = ts
        t.eq("stream firstEventTimestamp %d" % i, first,
             s["firstEventTimestamp"])
    got = logs.filter_log_events(logGroupName="g0")["events"]
    t.ok("FilterLogEvents ingestionTime >= timestamp",
         len(got) == ROUNDS and all(e["ingestionTime"] >= e["timestamp"]
                                    for e in got), repr(got))

    # ---- storedBytes ----------------------------------------------------------
    logs.create_log_stream(logGroupName="g0", logStreamName="t")
    more = ["x" * 100, "y" * 7]
    base = now_ms()
    logs.put_log_events(logGroupName="g0", logStreamName="t",
                        logEvents=[{"timestamp": base + i, "message": m}
                                   for i, m in enumerate(more)])
    streams = {s["logStreamName"]: s for s in
               logs.describe_log_streams(logGroupName="g0")["logStreams"]}
    t.eq("stream s storedBytes", size(msgs), streams["s"]["storedBytes"])
    t.eq("stream t storedBytes", size(more), streams["t"]["storedBytes"])
    g = logs.describe_log_groups(logGroupNamePrefix="g0")["logGroups"][0]
    t.eq("group storedBytes", size(msgs) + size(more), g["storedBytes"])
    logs.delete_log_stream(logGroupName="g0", logStreamName="t")
    g = logs.describe_log_groups(logGroupNamePrefix="g0")["logGroups"][0]
    t.eq("group storedBytes after DeleteLogStream", size(msgs),
         g["storedBytes"])
    s = logs.describe_log_streams(logGroupName="g1")["logStreams"][0]
    t.eq("empty stream storedBytes", 0, s["storedBytes"])
t.done()
