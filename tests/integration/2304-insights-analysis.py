#!/usr/bin/env python3
"""Logs Insights' analysis commands through boto3 (issue 12): outlier,
relevantfields, logcompare and anomaly, each run once by StartQuery /
GetQueryResults over events ingested with PutLogEvents, checking the
documented output fields and the values the methods of cmd_outlier.c,
cmd_relevant.c, diff.c and cmd_anomaly.c give (the arithmetic is in the
comments); and a refused argument answering MalformedQueryException at
StartQuery."""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T  # noqa: E402

t = T()
GJ = "/analysis/json"
GP = "/analysis/patterns"
GC = "/analysis/compare"
WEEK_S = 7 * 86400


def run(logs, group, query, start_s, end_s):
    """Runs query over group; the rows as dicts (and the status)."""
    qid = logs.start_query(logGroupName=group, startTime=start_s,
                           endTime=end_s, queryString=query)["queryId"]
    for _ in range(600):
        r = logs.get_query_results(queryId=qid)
        if r["status"] not in ("Scheduled", "Running"):
            break
        time.sleep(0.05)
    t.eq("%s: Complete" % query, "Complete", r["status"])
    return [{f["field"]: f["value"] for f in row} for row in r["results"]]


with Server() as srv:
    logs = srv.client("logs")
    for g in (GJ, GP, GC):
        logs.create_log_group(logGroupName=g)
        logs.create_log_stream(logGroupName=g, logStreamName="s")
    # A range of 20 minutes starting on a multiple of 30 s: pattern's
    # windows are then 30 s (1,200 s / 30 s = 40 ≤ 100), window k starting
    # at base_s + 30k.
    base_s = (int(time.time()) - 3600) // 30 * 30
    end_s = base_s + 1200
    base = base_s * 1000

    # ---- outlier and relevantfields: JSON events, Time > 400 on 4 -------
    rows = [(500, "A", "/x", 100, 10), (600, "A", "/x", 200, 12),
            (700, "A", "/x", 300, 14), (800, "B", "/x", 400, 16),
            (10, "B", "/y", 10, 18), (20, "B", "/y", 20, 100),
            (30, "B", "/y", 30, 11), (40, "A", "/y", 40, 13)]
    logs.put_log_events(logGroupName=GJ, logStreamName="s", logEvents=[
        {"timestamp": base + i * 1000,
         "message": json.dumps({"Time": tm, "Controller": c, "Path": p,
                                "size": sz, "cpu": cpu,
                                "requestId": "req-%d" % i})}
        for i, (tm, c, p, sz, cpu) in enumerate(rows)])

    # cpu sorted 10 11 12 13 14 16 18 100: Q1 = 11 + .75·1 = 11.75, Q3 =
    # 16 + .25·2 = 16.5, IQR 4.75: upper bound 16.5 + 2.5·4.75 = 28.375.
    got = run(logs, GJ, "fields cpu | outlier cpu | sort cpu desc "
              "| limit 2", base_s, end_s)
    t.eq("outlier clamps 100 to Q3 + 2.5 IQR",
         ["28.375", "18"], [r.get("cpu") for r in got])
    got = run(logs, GJ, "fields @timestamp, cpu | outlier action=remove "
              "param=2.5 uselower=true mark=true cpu", base_s, end_s)
    t.eq("outlier action=remove drops the one row", 7, len(got))
    t.eq("outlier mark=true: @isOutlier 0 on the rows left",
         ["0"] * 7, [r.get("@isOutlier") for r in got])
    t.ok("outlier: 100 is gone", all(r.get("cpu") != "100" for r in got))

    got = run(logs, GJ, "relevantfields Controller, Path, Service, size "
              "where Time > 400", base_s, end_s)
    t.eq("relevantfields: fields ranked by @relevanceScore",
         [("Path", "1"), ("size", "1"), ("Controller", "0.5")],
         [(r.get("@fieldName"), r.get("@relevanceScore")) for r in got])
    by = {r.get("@fieldName"): r for r in got}
    t.eq("relevantfields: medians of a numerical field",
         ("250", "25"), (by.get("size", {}).get("@conditionalMedian"),
                         by.get("size", {}).get("@baselineMedian")))
    top = json.loads(by.get("Controller", {}).get(
        "@topRelevanceContributors", "[]"))
    t.eq("relevantfields: top contributors of a categorical field",
         [{"value": "A", "conditionalRatio": 0.75, "baselineRatio": 0.25},
          {"value": "B", "conditionalRatio": 0.25, "baselineRatio": 0.75}],
         top)
    got = run(logs, GJ, "relevantfields where Time > 400", base_s, end_s)
    names = [r.get("@fieldName") for r in got]
    t.ok("relevantfields: every field but the condition's and ids",
         "Path" in names and "cpu" in names and "Time" not in names and
         "requestId" not in names and "@message" not in names, names)

    # ---- anomaly: windows k = 0 … 11 ----------------------------------------
    ev = []
    for k in range(12):
        ev.append((k * 30 + 1, "Heartbeat ok"))
    for k, code in enumerate([200, 200, 404, 200, 500]):
        ev.append((k * 30 + 2, "GET /index status %d" % code))
    for j in range(5):
        ev.append((11 * 30 + 3 + j, "Disk quota exceeded"))
    ev.sort()
    logs.put_log_events(logGroupName=GP, logStreamName="s", logEvents=[
        {"timestamp": base + s * 1000, "message": m} for s, m in ev])
    # Disk quota: first in window 11 > (12 - 1) / 2, new; 5 in a window
    # where the median is 0 (> 0 + 3), a frequency anomaly. GET: codes
    # 404 and 500 in a pattern with GET and "status", 5xx → HIGH.
    # Heartbeat: one a window, nothing.
    got = run(logs, GP, "fields @timestamp, @message\n| pattern @message\n"
              "| anomaly", base_s, end_s)
    t.eq("anomaly: the patterns with an anomaly, kinds and priorities",
         [("Disk quota exceeded", "New Pattern, Pattern Frequency",
           "MEDIUM"),
          ("GET /index status <Number-1>", "HTTP Error Code", "HIGH")],
         [(r.get("@pattern"), r.get("@anomalyType"),
           r.get("@anomalyPriority")) for r in got])
    t.ok("anomaly keeps pattern's fields",
         all("@sampleCount" in r and "@tokens" in r and
             "@anomalyDescription" in r for r in got), got)

    # ---- logcompare timeshift 7d: the same range a week before ---------------
    logs.put_log_events(logGroupName=GC, logStreamName="s", logEvents=[
        {"timestamp": (base_s - WEEK_S + s) * 1000, "message": m}
        for s, m in [(1, "User bob logged in"), (2, "Cache warmed"),
                     (5, "Cache warmed")]])
    logs.put_log_events(logGroupName=GC, logStreamName="s", logEvents=[
        {"timestamp": base + s * 1000, "message": m}
        for s, m in [(0, "User alice logged in"), (3, "ERROR disk full"),
                     (4, "User alice logged in"), (6, "ERROR disk full"),
                     (7, "User alice logged in")]])
    got = run(logs, GC, "logcompare timeshift 7d", base_s, end_s)
    t.eq("logcompare: patterns of both windows, largest change first",
         [("User <Token-1> logged in", "3", "1", "Increased by 200%"),
          ("ERROR disk full", "2", "0", "New pattern"),
          ("Cache warmed", "0", "2", "Pattern no longer present")],
         [(r.get("@pattern"), r.get("@sampleCount"),
           r.get("@previousSampleCount"), r.get("@diffDescription"))
          for r in got])
    got = run(logs, GC, "logcompare timeshift 1d", base_s, end_s)
    t.eq("logcompare timeshift 1d: an empty baseline",
         ["New pattern", "New pattern"],
         [r.get("@diffDescription") for r in got])

    # ---- a refusal ----------------------------------------------------------
    t.error("outlier param=0 refused", "MalformedQueryException",
            logs.start_query, logGroupName=GJ, startTime=base_s,
            endTime=end_s, queryString="outlier param=0 cpu")
t.done()
