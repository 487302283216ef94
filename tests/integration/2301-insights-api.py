#!/usr/bin/env python3
"""Logs Insights' API through boto3 (issue 12): StartQuery and its errors
(the group parameters, exactly one of them; at most 50 groups; a group
that does not exist; endTime before startTime; SQL/PPL refused naming
CWLI; a malformed query refused at StartQuery), the status transitions to
Complete, statistics with every member of QueryStatistics, the time range
inclusive at both ends (epoch seconds), limit, GetQueryResults paging
(maxItems, nextToken, a forged token refused), StopQuery of an ended and
of an unknown query, DescribeQueries (filters, paging), ListLogGroupsForQuery,
GetLogRecord by @ptr (every field, a forged pointer and another account's
refused), GetLogGroupFields, the query definitions (create, update by id,
prefix, paging, the quota's error, delete), and the concurrency limit of
100 active queries (with runners kept from starting by the store's fault
wrapper, so that queries stay Scheduled), and the sweeper failing a query
left Running by a runner that is gone."""
import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T, write_creds  # noqa: E402

t = T()
ACCOUNT = "123456789012"
REGION = "eu-west-2"
G1 = "/insights/app"
G2 = "/insights/web"
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-"
                  r"[0-9a-f]{12}$")
STATS = {"recordsMatched", "recordsScanned", "estimatedRecordsSkipped",
         "bytesScanned", "estimatedBytesSkipped", "logGroupsScanned"}


def wait_done(logs, qid):
    """GetQueryResults until the query leaves Scheduled/Running (a bound
    on the wait so that a hung runner fails the test instead of hanging
    it); the statuses seen on the way."""
    seen = []
    for _ in range(600):
        r = logs.get_query_results(queryId=qid)
        if not seen or seen[-1] != r["status"]:
            seen.append(r["status"])
        if r["status"] not in ("Scheduled", "Running"):
            return r, seen
        time.sleep(0.05)
    return r, seen


def row_dict(row):
    return {f["field"]: f["value"] for f in row}


def call(srv, op, body, key="AKALICE", secret="alice-secret"):
    """A signed raw Logs request, for members newer than the system's
    botocore (queryLanguage, maxItems, ListLogGroupsForQuery, the newer
    members of QueryStatistics): (status, decoded body)."""
    st, _, data = srv.raw(json.dumps(body), target="Logs_20140328." + op,
                          service="logs", key=key, secret=secret)
    return st, json.loads(data or b"{}")


def raw_ok(srv, op, **body):
    st, out = call(srv, op, body)
    if st != 200:
        t.ok("%s answers 200" % op, False, out)
    return out


def raw_error(srv, check, code, op, msg=None, **body):
    st, out = call(srv, op, body)
    t.ok(check, st == 400 and out.get("__type") == code and
         (msg is None or msg in out.get("message", "")),
         "expected %s %r, got %d %r" % (code, msg, st, out))


users = {"alice": ("AKALICE", ACCOUNT, None),
         "bob": ("AKBOB", "210987654321", None)}
creds = write_creds(users, "lv-2301-")
try:
    with Server("--credentials", creds) as srv:
        logs = srv.client("logs", key="AKALICE", secret="alice-secret")
        other = srv.client("logs", key="AKBOB", secret="bob-secret")
        logs.create_log_group(logGroupName=G1)
        logs.create_log_group(logGroupName=G2)
        logs.create_log_stream(logGroupName=G1, logStreamName="s1")
        logs.create_log_stream(logGroupName=G2, logStreamName="w1")
        # Whole seconds, so that the range's ends fall on events.
        base_s = int(time.time()) - 3600
        base = base_s * 1000
        events = []
        for i in range(40):
            level = "ERROR" if i % 4 == 0 else "INFO"
            events.append({"timestamp": base + i * 1000,
                           "message": "%s request %d" % (level, i)})
        logs.put_log_events(logGroupName=G1, logStreamName="s1",
                            logEvents=events)
        logs.put_log_events(logGroupName=G2, logStreamName="w1", logEvents=[
            {"timestamp": base + i * 1000,
             "message": json.dumps({"status": 500 if i % 2 else 200,
                                    "path": "/p%d" % i})}
            for i in range(10)])
        end_s = base_s + 39

        # ---- StartQuery's errors ----------------------------------------
        q = "fields @timestamp, @message | sort @timestamp asc"
        t.error("no group", "InvalidParameterException", logs.start_query,
                startTime=base_s, endTime=end_s, queryString=q)
        t.error("two group parameters", "InvalidParameterException",
                logs.start_query, logGroupName=G1, logGroupNames=[G2],
                startTime=base_s, endTime=end_s, queryString=q)
        t.error("51 groups", "InvalidParameterException", logs.start_query,
                logGroupNames=["g%d" % i for i in range(51)],
                startTime=base_s, endTime=end_s, queryString=q, msg="50")
        t.error("a group that does not exist", "ResourceNotFoundException",
                logs.start_query, logGroupName="/nope", startTime=base_s,
                endTime=end_s, queryString=q,
                msg="The specified log group does not exist.")
        t.error("endTime before startTime", "InvalidParameterException",
                logs.start_query, logGroupName=G1, startTime=end_s,
                endTime=base_s, queryString=q)
        for lang in ("SQL", "PPL"):
            raw_error(srv, "queryLanguage " + lang,
                      "InvalidParameterException", "StartQuery",
                      logGroupName=G1, startTime=base_s, endTime=end_s,
                      queryString=q, queryLanguage=lang, msg="CWLI")
        t.error("malformed query refused at StartQuery",
                "MalformedQueryException", logs.start_query,
                logGroupName=G1, startTime=base_s, endTime=end_s,
                queryString="fields @message | bogus_command_xyz 1")
        t.error("limit over 100,000", "InvalidParameterException",
                logs.start_query, logGroupName=G1, startTime=base_s,
                endTime=end_s, queryString=q, limit=100001)

        # ---- a query to its end -----------------------------------------
        q_err = ("fields @timestamp, @message | filter @message like /ERROR/"
                 " | sort @timestamp asc")
        qid = logs.start_query(logGroupName=G1, startTime=base_s,
                               endTime=end_s, queryString=q_err)["queryId"]
        t.ok("queryId is a UUID", UUID.match(qid), qid)
        _, seen = wait_done(logs, qid)
        r = raw_ok(srv, "GetQueryResults", queryId=qid)
        t.eq("ends Complete", "Complete", r["status"])
        t.ok("statuses in order", all(
            s in ("Scheduled", "Running", "Complete") for s in seen) and
            seen == sorted(seen, key=["Scheduled", "Running",
                                      "Complete"].index), seen)
        t.eq("statistics has every member", STATS,
             set(r["statistics"].keys()))
        t.eq("recordsScanned: every event of the range", 40,
             r["statistics"]["recordsScanned"])
        t.eq("recordsMatched", 10, r["statistics"]["recordsMatched"])
        t.eq("bytesScanned: the messages' bytes",
             sum(len(e["message"]) for e in events),
             r["statistics"]["bytesScanned"])
        t.eq("logGroupsScanned", 1, r["statistics"]["logGroupsScanned"])
        rows = [row_dict(x) for x in r["results"]]
        t.eq("the ERROR events, in order",
             ["ERROR request %d" % i for i in range(0, 40, 4)],
             [x.get("@message") for x in rows])
        t.ok("every row has its @ptr", all(x.get("@ptr") for x in rows))
        t.eq("queryLanguage", "CWLI", r.get("queryLanguage"))
        t.ok("no encryptionKey", "encryptionKey" not in r)

        # The range: both ends inclusive, in seconds.
        qid2 = logs.start_query(logGroupName=G1, startTime=base_s + 4,
                                endTime=base_s + 8,
                                queryString=q)["queryId"]
        r2, _ = wait_done(logs, qid2)
        t.eq("both ends of the range", ["INFO request %d" % i if i % 4
                                        else "ERROR request %d" % i
                                        for i in range(4, 9)],
             [row_dict(x)["@message"] for x in r2["results"]])
        qid3 = logs.start_query(logGroupName=G1, startTime=base_s,
                                endTime=end_s, queryString=q,
                                limit=3)["queryId"]
        r3, _ = wait_done(logs, qid3)
        t.eq("limit", 3, len(r3["results"]))

        # ---- GetQueryResults paging --------------------------------------
        p1 = raw_ok(srv, "GetQueryResults", queryId=qid, maxItems=4)
        t.eq("first page", 4, len(p1["results"]))
        t.ok("a nextToken while rows remain", p1.get("nextToken"))
        got = list(p1["results"])
        tok = p1.get("nextToken")
        pages = 1
        while tok and pages < 10:
            p = raw_ok(srv, "GetQueryResults", queryId=qid, maxItems=4,
                       nextToken=tok)
            got += p["results"]
            tok = p.get("nextToken")
            pages += 1
        t.eq("pages add up to the results", r["results"], got)
        t.eq("three pages", 3, pages)
        raw_error(srv, "a forged nextToken", "InvalidParameterException",
                  "GetQueryResults", queryId=qid,
                  nextToken=p1["nextToken"][:-4] + "AAAA")
        raw_error(srv, "another query's nextToken",
                  "InvalidParameterException", "GetQueryResults",
                  queryId=qid2, nextToken=p1["nextToken"])
        t.error("an unknown query", "ResourceNotFoundException",
                logs.get_query_results,
                queryId="00000000-0000-4000-8000-000000000000")
        t.error("another account's query", "ResourceNotFoundException",
                other.get_query_results, queryId=qid)

        # ---- StopQuery ----------------------------------------------------
        t.error("StopQuery of an ended query", "InvalidParameterException",
                logs.stop_query, queryId=qid)
        t.error("StopQuery of an unknown query", "ResourceNotFoundException",
                logs.stop_query,
                queryId="00000000-0000-4000-8000-000000000000")

        # ---- several groups, ListLogGroupsForQuery -------------------------
        arn2 = "arn:aws:logs:%s:%s:log-group:%s" % (REGION, ACCOUNT, G2)
        arn1 = "arn:aws:logs:%s:%s:log-group:%s" % (REGION, ACCOUNT, G1)
        qm = logs.start_query(logGroupIdentifiers=[G1, arn2],
                              startTime=base_s, endTime=end_s,
                              queryString=q)["queryId"]
        wait_done(logs, qm)
        rm = raw_ok(srv, "GetQueryResults", queryId=qm)
        t.eq("two groups scanned", 2, rm["statistics"]["logGroupsScanned"])
        t.eq("records of both", 50, rm["statistics"]["recordsScanned"])
        t.eq("ListLogGroupsForQuery", [arn1, arn2],
             raw_ok(srv, "ListLogGroupsForQuery",
                    queryId=qm).get("logGroupIdentifiers"))
        raw_error(srv, "ListLogGroupsForQuery of an unknown query",
                  "ResourceNotFoundException", "ListLogGroupsForQuery",
                  queryId="00000000-0000-4000-8000-000000000000")

        # ---- DescribeQueries ----------------------------------------------
        allq = raw_ok(srv, "DescribeQueries")["queries"]
        ids = [x["queryId"] for x in allq]
        t.eq("every query, newest first", [qm, qid3, qid2, qid], ids)
        one = [x for x in allq if x["queryId"] == qid][0]
        t.eq("QueryInfo", ("CWLI", q_err, "Complete", G1),
             (one.get("queryLanguage"), one.get("queryString"),
              one.get("status"), one.get("logGroupName")))
        t.ok("createTime", abs(one["createTime"] / 1000 - time.time()) < 600)
        t.eq("status filter", 4, len(logs.describe_queries(
            status="Complete")["queries"]))
        t.eq("status filter (none)", [], logs.describe_queries(
            status="Cancelled")["queries"])
        t.eq("logGroupName filter", [qm, qid3, qid2, qid],
             [x["queryId"] for x in logs.describe_queries(
                 logGroupName=G1)["queries"]])
        paged, tok = [], None
        for _ in range(10):
            kw = {"maxResults": 1}
            if tok:
                kw["nextToken"] = tok
            p = logs.describe_queries(**kw)
            paged += [x["queryId"] for x in p["queries"]]
            tok = p.get("nextToken")
            if not tok:
                break
        t.eq("paging one by one", ids, paged)
        t.eq("another account sees none", [],
             other.describe_queries()["queries"])

        # ---- SOURCE ---------------------------------------------------------
        src_q = ("SOURCE logGroups(namePrefix: ['/insights/']) | fields "
                 "@message")
        t.error("SOURCE and a group parameter", "InvalidParameterException",
                logs.start_query, logGroupName=G1, startTime=base_s,
                endTime=end_s, queryString=src_q)
        t.error("SOURCE selecting nothing", "ResourceNotFoundException",
                logs.start_query, startTime=base_s, endTime=end_s,
                queryString="SOURCE logGroups(namePrefix: ['/none/']) "
                            "| fields @message")
        qs = logs.start_query(startTime=base_s, endTime=end_s,
                              queryString=src_q)["queryId"]
        wait_done(logs, qs)
        rs = raw_ok(srv, "GetQueryResults", queryId=qs)
        t.eq("SOURCE: both groups read", (2, 50),
             (rs["statistics"]["logGroupsScanned"],
              rs["statistics"]["recordsScanned"]))
        t.eq("SOURCE: ListLogGroupsForQuery", [arn1, arn2],
             raw_ok(srv, "ListLogGroupsForQuery",
                    queryId=qs).get("logGroupIdentifiers"))
        t.ok("SOURCE: no logGroupName in QueryInfo", "logGroupName" not in [
            x for x in raw_ok(srv, "DescribeQueries")["queries"]
            if x["queryId"] == qs][0])
        t.error("SOURCE: another account sees none of these",
                "ResourceNotFoundException", other.start_query,
                startTime=base_s, endTime=end_s, queryString=src_q)
        t.error("SOURCE: accountIdentifiers without the caller's",
                "ResourceNotFoundException", logs.start_query,
                startTime=base_s, endTime=end_s,
                queryString="SOURCE logGroups(namePrefix: ['/insights/'], "
                            "accountIdentifiers: ['999999999999']) "
                            "| fields @message")

        # ---- GetLogRecord ---------------------------------------------------
        ptr = rows[1]["@ptr"]
        rec = logs.get_log_record(logRecordPointer=ptr)["logRecord"]
        t.eq("GetLogRecord's fields", {
            "@message": "ERROR request 4", "@timestamp": str(base + 4000),
            "@logStream": "s1", "@log": "%s:%s" % (ACCOUNT, G1)},
            {k: rec.get(k) for k in ("@message", "@timestamp", "@logStream",
                                     "@log")})
        t.ok("@ingestionTime", rec.get("@ingestionTime", "").isdigit())
        forged = ptr[:-2] + ("AA" if ptr[-2:] != "AA" else "BB")
        t.error("a forged @ptr", "InvalidParameterException",
                logs.get_log_record, logRecordPointer=forged)
        t.error("a made-up @ptr", "InvalidParameterException",
                logs.get_log_record, logRecordPointer="MTIzLjQ1Ni43ODkuMA")
        t.error("another account's @ptr", "InvalidParameterException",
                other.get_log_record, logRecordPointer=ptr)
        qj = logs.start_query(logGroupName=G2, startTime=base_s,
                              endTime=end_s, queryString=q)["queryId"]
        rj, _ = wait_done(logs, qj)
        jrec = logs.get_log_record(logRecordPointer=row_dict(
            rj["results"][1])["@ptr"])["logRecord"]
        t.eq("discovered fields in the record", ("500", "/p1"),
             (jrec.get("status"), jrec.get("path")))
        # @ptr under another name is the same signed pointer, usable as
        # GetLogRecord's logRecordPointer
        qp = logs.start_query(logGroupName=G2, startTime=base_s,
                              endTime=end_s,
                              queryString="fields @ptr as p | limit 1"
                              )["queryId"]
        rp, _ = wait_done(logs, qp)
        prow = row_dict(rp["results"][0])
        t.eq("fields @ptr as p: p is the row's signed @ptr",
             prow.get("@ptr"), prow.get("p"))
        t.eq("GetLogRecord takes p", G2,
             logs.get_log_record(logRecordPointer=prow["p"])["logRecord"]
             .get("@log", "").split(":", 1)[-1])

        # ---- GetLogGroupFields ----------------------------------------------
        f = logs.get_log_group_fields(logGroupName=G2,
                                      time=base_s + 5)["logGroupFields"]
        names = {x["name"]: x["percent"] for x in f}
        t.eq("system fields at 100%", [100] * 5, [names.get(n) for n in (
            "@ingestionTime", "@timestamp", "@message", "@logStream",
            "@log")])
        t.eq("discovered fields", (100, 100), (names.get("status"),
                                               names.get("path")))
        t.eq("nothing in a window without events", [],
             logs.get_log_group_fields(logGroupName=G2,
                                       time=base_s - 86400)["logGroupFields"])
        t.error("GetLogGroupFields of a group that does not exist",
                "ResourceNotFoundException", logs.get_log_group_fields,
                logGroupName="/nope")

        # ---- query definitions -----------------------------------------
        d1 = logs.put_query_definition(name="ops/errors", queryString=q_err,
                                       logGroupNames=[G1])
        t.ok("a definition id", UUID.match(d1["queryDefinitionId"]))
        d2 = logs.put_query_definition(name="ops/all", queryString=q)
        logs.put_query_definition(name="web/5xx", queryString=q)
        defs = raw_ok(srv, "DescribeQueryDefinitions",
                      queryDefinitionNamePrefix="ops/")["queryDefinitions"]
        t.eq("prefix, by name", ["ops/all", "ops/errors"],
             [x["name"] for x in defs])
        e = [x for x in defs if x["name"] == "ops/errors"][0]
        t.eq("a definition's members", (q_err, [G1], "CWLI"),
             (e["queryString"], e["logGroupNames"], e.get("queryLanguage")))
        logs.put_query_definition(name="ops/errors2",
                                  queryDefinitionId=d1["queryDefinitionId"],
                                  queryString=q)
        e = [x for x in logs.describe_query_definitions()["queryDefinitions"]
             if x["queryDefinitionId"] == d1["queryDefinitionId"]][0]
        t.eq("an update replaces the whole definition",
             ("ops/errors2", q, []),
             (e["name"], e["queryString"], e["logGroupNames"]))
        # (T.error's own first parameter is called name.)
        t.error("an update of an unknown id", "ResourceNotFoundException",
                lambda: logs.put_query_definition(
                    name="x", queryString=q,
                    queryDefinitionId="00000000-0000-4000-8000-000000000000"))
        raw_error(srv, "a SQL definition", "InvalidParameterException",
                  "PutQueryDefinition", name="x", queryString="SELECT 1",
                  queryLanguage="SQL")
        paged, tok = [], None
        for _ in range(10):
            kw = {"maxResults": 1}
            if tok:
                kw["nextToken"] = tok
            p = logs.describe_query_definitions(**kw)
            paged += [x["name"] for x in p["queryDefinitions"]]
            tok = p.get("nextToken")
            if not tok:
                break
        t.eq("definitions one by one", ["ops/all", "ops/errors2", "web/5xx"],
             paged)
        t.eq("another account has none", [],
             other.describe_query_definitions()["queryDefinitions"])
        t.eq("DeleteQueryDefinition", True, logs.delete_query_definition(
            queryDefinitionId=d2["queryDefinitionId"])["success"])
        t.error("deleted twice", "ResourceNotFoundException",
                logs.delete_query_definition,
                queryDefinitionId=d2["queryDefinitionId"])

    # ---- the concurrency limit: queries kept Scheduled ---------------------
    with Server("--credentials", creds,
                env={"LOGVAULT_STORE_FAULT":
                     "insights.query_transition"}) as srv:
        if "fault injection on" not in srv.read_log():
            print("skipped part: this build has no store fault injection")
        else:
            logs = srv.client("logs", key="AKALICE", secret="alice-secret")
            other = srv.client("logs", key="AKBOB", secret="bob-secret")
            logs.create_log_group(logGroupName=G1)
            other.create_log_group(logGroupName=G1)
            now = int(time.time())
            started = [logs.start_query(logGroupName=G1, startTime=now - 60,
                                        endTime=now, queryString="fields "
                                        "@message")["queryId"]
                       for _ in range(100)]
            t.eq("100 queries started", 100, len(set(started)))
            t.eq("they stay Scheduled", {"Scheduled"}, {
                logs.get_query_results(queryId=x)["status"]
                for x in started[:5]})
            t.error("the 101st", "LimitExceededException", logs.start_query,
                    logGroupName=G1, startTime=now - 60, endTime=now,
                    queryString="fields @message",
                    msg="Account maximum query concurrency limit of [100] "
                        "reached.")
            t.ok("another account is not limited by it", UUID.match(
                other.start_query(logGroupName=G1, startTime=now - 60,
                                  endTime=now,
                                  queryString="fields @message")["queryId"]))

    # ---- the sweeper: a query whose runner is gone ------------------------
    # The runner's end cannot be written (the fault wrapper fails every
    # query_finish), so the query is left Running with a heartbeat that no
    # longer moves, as when its node dies; the sweeper fails it once the
    # heartbeat is LV_QUERY_STALE_MS (30 s) old.
    with Server("--credentials", creds,
                env={"LOGVAULT_STORE_FAULT":
                     "insights.query_finish"}) as srv:
        if "fault injection on" not in srv.read_log():
            print("skipped part: this build has no store fault injection")
        else:
            logs = srv.client("logs", key="AKALICE", secret="alice-secret")
            logs.create_log_group(logGroupName=G1)
            now = int(time.time())
            qid = logs.start_query(logGroupName=G1, startTime=now - 60,
                                   endTime=now,
                                   queryString="fields @message")["queryId"]
            st = None
            for _ in range(200):
                st = logs.get_query_results(queryId=qid)["status"]
                if st != "Scheduled":
                    break
                time.sleep(0.05)
            t.eq("left Running by its runner", "Running", st)
            for _ in range(1200):
                st = logs.get_query_results(queryId=qid)["status"]
                if st != "Running":
                    break
                time.sleep(0.1)
            t.eq("the sweeper fails it", "Failed", st)
            t.ok("the log says why", "its runner is gone query=" + qid
                 in srv.read_log())
finally:
    os.unlink(creds)
t.done()
