"""Logs Insights with the audit trail on (serve --audit-trail): StartQuery
changes something, so the front records it in the request's own
transaction (src/audit/audit.h), which commits after the handler queued
the query for a runner. The runner must wait for that commit: a query
started so must still run to Complete with its rows (it stayed Scheduled
for ever when the runner gave up on a record it could not see yet), and
StartQuery is in the trail."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T  # noqa: E402

t = T()
with Server("--audit-trail") as srv:
    logs = srv.client("logs")
    ct = srv.client("cloudtrail")
    logs.create_log_group(logGroupName="g")
    logs.create_log_stream(logGroupName="g", logStreamName="s")
    now = int(time.time()) * 1000
    logs.put_log_events(logGroupName="g", logStreamName="s", logEvents=[
        {"timestamp": now - (20 - i) * 1000, "message": "m %d" % i}
        for i in range(20)])
    for n in range(3):
        qid = logs.start_query(logGroupName="g", startTime=now // 1000 - 3600,
                               endTime=now // 1000 + 60,
                               queryString="stats count() as n")["queryId"]
        # A bound on the wait, so that a query that never runs fails the
        # test instead of hanging it.
        for _ in range(600):
            r = logs.get_query_results(queryId=qid)
            if r["status"] not in ("Scheduled", "Running"):
                break
            time.sleep(0.05)
        t.eq("query %d: Complete" % n, "Complete", r["status"])
        t.eq("query %d: counts every event" % n,
             [[{"field": "n", "value": "20"}]],
             [[dict(f) for f in row] for row in r["results"]])
    names = []
    for _ in range(50):
        try:
            names = [e["EventName"] for e in ct.lookup_events(
                LookupAttributes=[{"AttributeKey": "EventName",
                                   "AttributeValue": "StartQuery"}])
                ["Events"]]
        except ct.exceptions.ClientError as e:
            # LookupEvents may be rate-limited (CloudTrail's quota).
            if e.response["Error"]["Code"] != "ThrottlingException":
                raise
        if len(names) == 3:
            break
        time.sleep(0.6)
    t.eq("the trail has the three StartQuery", 3, len(names))
t.done()
