#!/usr/bin/env python3
"""Logs Insights on two nodes sharing one PostgreSQL database (issue 12:
"Query state lives in the store, so on several nodes any node answers
GetQueryResults and StopQuery for any query"): a query started on A is
seen Complete through B with the same results and statistics; the @ptr of
a row read through B opens on A and B; DescribeQueries and
ListLogGroupsForQuery answer the same on both; a query that A has not
started running (its runner's first Scheduled → Running is made to fail
by the store's fault wrapper, so that it stays Scheduled however fast the
machine is) is stopped through B, and A then shows it Cancelled, as B
shows a query of B stopped through A; query definitions put through one
node are listed by the other."""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvpg import Nodes, client, need_pg, wait_for  # noqa: E402
from lvtest import T  # noqa: E402

need_pg()
t = T()
G = "/nodes/insights"
Q = "fields @timestamp, @message | filter @message like /ERROR/ " \
    "| sort @timestamp asc"


def status(logs, qid):
    return logs.get_query_results(queryId=qid)["status"]


with Nodes(2, env={"LOGVAULT_STORE_FAULT":
                   "insights.query_transition#1"}) as nodes:
    a, b = nodes.servers
    if "fault injection on" not in a.read_log():
        print("skipped: this build has no store fault injection")
        sys.exit(77)
    la, lb = client(a, "logs"), client(b, "logs")
    la.create_log_group(logGroupName=G)
    la.create_log_stream(logGroupName=G, logStreamName="s")
    base_s = int(time.time()) - 600
    lb.put_log_events(logGroupName=G, logStreamName="s", logEvents=[
        {"timestamp": (base_s + i) * 1000,
         "message": "%s n%d" % ("ERROR" if i % 3 == 0 else "INFO", i)}
        for i in range(30)])

    # Each node's first runner transition fails: these stay Scheduled.
    qa = la.start_query(logGroupName=G, startTime=base_s,
                        endTime=base_s + 60, queryString=Q)["queryId"]
    qb = lb.start_query(logGroupName=G, startTime=base_s,
                        endTime=base_s + 60, queryString=Q)["queryId"]
    # Each runner has tried (and failed) before anything else here calls
    # query_transition, whose first call on each node is the faulted one.
    wait_for("A's runner to try its query",
             lambda: "query %s cannot start" % qa in a.read_log())
    wait_for("B's runner to try its query",
             lambda: "query %s cannot start" % qb in b.read_log())
    t.eq("A's stuck query is Scheduled, seen from B", "Scheduled",
         status(lb, qa))
    t.eq("StopQuery through B of A's query", True,
         lb.stop_query(queryId=qa)["success"])
    t.eq("A shows it Cancelled", "Cancelled", status(la, qa))
    t.eq("StopQuery through A of B's query", True,
         la.stop_query(queryId=qb)["success"])
    t.eq("B shows it Cancelled", "Cancelled", status(lb, qb))

    # A query that runs on A, read through B.
    qid = la.start_query(logGroupName=G, startTime=base_s,
                         endTime=base_s + 60, queryString=Q)["queryId"]
    wait_for("the query to end (through B)",
             lambda: status(lb, qid) not in ("Scheduled", "Running"))
    rb = lb.get_query_results(queryId=qid)
    ra = la.get_query_results(queryId=qid)
    t.eq("Complete through B", "Complete", rb["status"])
    t.eq("the same results and statistics on both nodes",
        (ra["results"], ra["statistics"], ra["status"]),
        (rb["results"], rb["statistics"], rb["status"]))
    msgs = [{f["field"]: f["value"] for f in row}["@message"]
            for row in rb["results"]]
    t.eq("the rows", ["ERROR n%d" % i for i in range(0, 30, 3)], msgs)
    ptr = {f["field"]: f["value"] for f in rb["results"][2]}["@ptr"]
    t.eq("GetLogRecord on A and B", ("ERROR n6", "ERROR n6"),
         (la.get_log_record(logRecordPointer=ptr)["logRecord"]["@message"],
          lb.get_log_record(logRecordPointer=ptr)["logRecord"]["@message"]))
    t.error("StopQuery through B of A's ended query",
            "InvalidParameterException", lb.stop_query, queryId=qid)
    ids_a = [x["queryId"] for x in la.describe_queries()["queries"]]
    t.eq("DescribeQueries: the same on both", ids_a,
         [x["queryId"] for x in lb.describe_queries()["queries"]])
    t.eq("… newest first", [qid, qb, qa], ids_a)
    # (a raw request: the system's botocore predates this operation)
    st, _, body = b.raw(json.dumps({"queryId": qid}),
                        target="Logs_20140328.ListLogGroupsForQuery",
                        service="logs")
    t.eq("ListLogGroupsForQuery through B",
         (200, ["arn:aws:logs:eu-west-2:123456789012:log-group:" + G]),
         (st, json.loads(body).get("logGroupIdentifiers")))

    d = la.put_query_definition(name="shared", queryString=Q,
                                logGroupNames=[G])["queryDefinitionId"]
    t.eq("a definition put through A, listed by B", [d], [
        x["queryDefinitionId"]
        for x in lb.describe_query_definitions()["queryDefinitions"]])
    t.eq("deleted through B", True,
         lb.delete_query_definition(queryDefinitionId=d)["success"])
t.done()
