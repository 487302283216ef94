#!/usr/bin/env python3
"""Logs Insights' lookup command through the API: a query enriching JSON
events from a lookup table (AWS's sample form `lookup TABLE FIELD OUTPUT
FIELD`, with coalesce over the events the table lacks, then stats), a
table under a KMS key whose policy allows the Logs principal, the same
query Failed once that key is disabled (AccessDeniedException's text)
and Complete again once enabled, the table's update seen by the next
query, a query naming a table that does not exist (or was deleted)
Failed with its name, a table lacking an OUTPUT column Failed naming the
column, cidrlookup with the example of its page (longest prefix wins),
and the forms logvault refuses at StartQuery (MalformedQueryException)."""
import json
import os
import sys
import time

import botocore.exceptions

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T, logs_call  # noqa: E402

t = T()
ACCOUNT = "123456789012"
REGION = "eu-west-2"
GROUP = "/lookup/chat"


def arn_of(name):
    return "arn:aws:logs:%s:%s:lookup-table:%s" % (REGION, ACCOUNT, name)


def raw(srv, op, **body):
    st, out = logs_call(srv, op, body)
    if st != 200:
        raise botocore.exceptions.ClientError({"Error": {
            "Code": out.get("__type", "").split("#")[-1],
            "Message": out.get("message", "")}}, op)
    return out


def policy():
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow",
         "Principal": {"AWS": "arn:aws:iam::%s:root" % ACCOUNT},
         "Action": "kms:*", "Resource": "*"},
        {"Effect": "Allow",
         "Principal": {"Service": "logs.%s.amazonaws.com" % REGION},
         "Action": ["kms:Decrypt*", "kms:GenerateDataKey*"],
         "Resource": "*"}]})


def query(srv, logs, text, start, end):
    """Runs text over GROUP: (status, rows as dicts, why it failed: the
    reason the server logged, "" if none)."""
    qid = logs.start_query(logGroupName=GROUP, startTime=start,
                           endTime=end, queryString=text)["queryId"]
    for _ in range(600):
        r = logs.get_query_results(queryId=qid)
        if r["status"] not in ("Scheduled", "Running"):
            break
        time.sleep(0.05)
    why = ""
    # The runner logs why a query failed just after it records the end
    # (src/logs/query_run.c finish_other): the status can be read first.
    mark = "query=%s why=" % qid
    log = srv.wait_log(mark) if r["status"] == "Failed" else srv.read_log()
    for line in log.splitlines():
        if mark in line:
            why = line.split(" why=", 1)[1]
    rows = [{f["field"]: f["value"] for f in row if f["field"] != "@ptr"}
            for row in r.get("results", [])]
    return r["status"], rows, why


DASH = ("filter logType = \"CHAT_LOGS\" | lookup %s agent_id OUTPUT "
        "agent_name | fields coalesce(agent_name, agent_id) as "
        "resolved_agent_name, agent_id | stats count(*) as message_count by "
        "resolved_agent_name, agent_id | sort message_count desc | display "
        "resolved_agent_name, message_count, agent_id | limit 100")

with Server() as srv:
    logs = srv.client("logs")
    kms = srv.client("kms")
    logs.create_log_group(logGroupName=GROUP)
    logs.create_log_stream(logGroupName=GROUP, logStreamName="s")
    now = int(time.time() * 1000)
    events = [{"logType": "CHAT_LOGS", "agent_id": "a1"},
              {"logType": "CHAT_LOGS", "agent_id": "a2"},
              {"logType": "CHAT_LOGS", "agent_id": "a1"},
              {"logType": "CHAT_LOGS", "agent_id": "a9"},
              {"logType": "FEEDBACK_LOGS", "agent_id": "a1"},
              {"logType": "FLOW", "srcAddr": "10.1.2.3"},
              {"logType": "FLOW", "srcAddr": "192.168.7.7"}]
    logs.put_log_events(logGroupName=GROUP, logStreamName="s",
                        logEvents=[{"timestamp": now - 60000 + i,
                                    "message": json.dumps(e)}
                                   for i, e in enumerate(events)])
    start, end = now // 1000 - 3600, now // 1000 + 60
    raw(srv, "CreateLookupTable", lookupTableName="agents",
        tableBody="agent_id,agent_name\na1,Planner\na2,Writer\n")

    st, rows, _ = query(srv, logs, DASH % "agents", start, end)
    t.eq("enriched: Complete", "Complete", st)
    t.eq("enriched: names from the table, the id where it has none",
         [{"resolved_agent_name": "Planner", "message_count": "2",
           "agent_id": "a1"},
          {"resolved_agent_name": "Writer", "message_count": "1",
           "agent_id": "a2"},
          {"resolved_agent_name": "a9", "message_count": "1",
           "agent_id": "a9"}], rows)

    # The next query sees an update.
    raw(srv, "UpdateLookupTable", lookupTableArn=arn_of("agents"),
        tableBody="agent_id,agent_name\na1,Planner2\na9,Ninth\n")
    st, rows, _ = query(srv, logs, DASH % "agents", start, end)
    t.eq("after UpdateLookupTable: the new content",
         {"Planner2": "2", "a2": "1", "Ninth": "1"},
         {r["resolved_agent_name"]: r["message_count"] for r in rows})

    # A table under a KMS key: read through it, refused once disabled.
    key = kms.create_key(Description="lookup")["KeyMetadata"]["Arn"]
    kms.put_key_policy(KeyId=key, PolicyName="default", Policy=policy())
    raw(srv, "CreateLookupTable", lookupTableName="secure_agents",
        tableBody="agent_id,agent_name\na2,Secret Writer\n", kmsKeyId=key)
    q2 = ("filter agent_id = \"a2\" | lookup secure_agents agent_id OUTPUT "
          "agent_name | fields agent_name")
    st, rows, _ = query(srv, logs, q2, start, end)
    t.eq("kms table: enriched", ("Complete", [{"agent_name":
                                               "Secret Writer"}]),
         (st, rows))
    kms.disable_key(KeyId=key)
    st, rows, why = query(srv, logs, q2, start, end)
    t.eq("kms table, key disabled: Failed", "Failed", st)
    t.ok("kms table, key disabled: the reason names the table",
         "is not allowed to be used with Arn '%s'" % arn_of("secure_agents")
         in why, why)
    kms.enable_key(KeyId=key)
    st, rows, _ = query(srv, logs, q2, start, end)
    t.eq("kms table, key enabled again: Complete", "Complete", st)

    # Missing tables and columns fail the query.
    st, rows, why = query(srv, logs, DASH % "nosuch", start, end)
    t.eq("a table that does not exist: Failed", ("Failed", []), (st, rows))
    t.eq("a table that does not exist: the reason",
         "The lookup table nosuch does not exist.", why)
    raw(srv, "DeleteLookupTable", lookupTableArn=arn_of("agents"))
    st, rows, _ = query(srv, logs, DASH % "agents", start, end)
    t.eq("a deleted table: Failed", "Failed", st)
    raw(srv, "CreateLookupTable", lookupTableName="thin",
        tableBody="agent_id\na1\n")
    st, rows, why = query(srv, logs,
                          "lookup thin agent_id OUTPUT agent_name", start,
                          end)
    t.eq("a table without the OUTPUT column: Failed", "Failed", st)
    t.eq("a table without the OUTPUT column: the reason",
         "The lookup table thin has no column named agent_name.", why)

    # cidrlookup, the page's example over a table of ranges.
    raw(srv, "CreateLookupTable", lookupTableName="net_table",
        tableBody="cidr,region,owner,datacenter\n10.0.0.0/8,eu,net,dc1\n"
                  "10.1.0.0/16,eu,lab,dc2\n")
    st, rows, _ = query(srv, logs, "filter logType = \"FLOW\" | fields "
                        "@timestamp, srcAddr | cidrlookup net_table srcAddr "
                        "OUTPUT region, owner, datacenter | display srcAddr, "
                        "owner, datacenter | sort @timestamp asc", start, end)
    t.eq("cidrlookup: the longest prefix, none outside every range",
         ("Complete", [{"srcAddr": "10.1.2.3", "owner": "lab",
                        "datacenter": "dc2"}, {"srcAddr": "192.168.7.7"}]),
         (st, rows))

    # Refused at StartQuery.
    for name, text in [("OUTPUTNEW", "lookup thin agent_id OUTPUTNEW x"),
                       ("as", "lookup thin agent_id as a OUTPUT x"),
                       ("no OUTPUT", "lookup thin agent_id"),
                       ("cidrlookup without OUTPUT", "cidrlookup nets ip")]:
        t.error("StartQuery refuses " + name, "MalformedQueryException",
                logs.start_query, logGroupName=GROUP, startTime=start,
                endTime=end, queryString=text)

t.done()
