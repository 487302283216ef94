#!/usr/bin/env python3
"""Scheduled queries through boto3: CreateScheduledQuery,
GetScheduledQuery, UpdateScheduledQuery, ListScheduledQueries,
DeleteScheduledQuery and their errors (ConflictException, the
ValidationExceptions logvault answers, ResourceNotFoundException), and the
scheduler: with the test clock (LOGVAULT_TEST_SCHED_SPEED=60, so that
rate(1 minute) fires about every second of real time) a schedule over a
group with events runs, GetScheduledQueryHistory shows a run Complete with
the Insights query's id — whose results are the group's events — and the
S3 destination's delivery failed (CLIENT_ERROR, never COMPLETE); a
disabled schedule does not run; a query over a group deleted since ends
InvalidQuery. Every wait polls until a deadline and fails the check when
the state does not come, so no check passes on timing."""
import json
import os
import subprocess
import sys
import time

import botocore.exceptions

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T, logs_call, on_pg  # noqa: E402

t = T()
ACCOUNT = "123456789012"
REGION = "eu-west-2"
ROLE = "arn:aws:iam::%s:role/sq-role" % ACCOUNT
GROUP = "/sq/app"
DEADLINE = 60


class RawLogs:
    """The scheduled-query calls as boto3 methods, sent raw: Debian's
    botocore predates them. An error is raised as botocore's ClientError;
    the other calls go to boto3's client."""

    RAW = ("create_scheduled_query", "get_scheduled_query",
           "update_scheduled_query", "delete_scheduled_query",
           "list_scheduled_queries", "get_scheduled_query_history")

    def __init__(self, srv, client):
        self.srv = srv
        self.client = client

    def __getattr__(self, name):
        if name not in self.RAW:
            return getattr(self.client, name)
        op = "".join(w.capitalize() for w in name.split("_"))

        def call(**body):
            st, out = logs_call(self.srv, op, body, region=REGION)
            if st != 200:
                raise botocore.exceptions.ClientError({"Error": {
                    "Code": out.get("__type", "").split("#")[-1],
                    "Message": out.get("message", "")}}, op)
            return out
        return call


def now_ms():
    return int(time.time() * 1000)


def wait_for(fn, what):
    """Polls fn() until it returns something true, or DEADLINE seconds."""
    end = time.time() + DEADLINE
    while time.time() < end:
        got = fn()
        if got:
            return got
        time.sleep(0.25)
    t.ok(what, False, "not seen within %ds" % DEADLINE)
    return None


def history(logs, name, **kw):
    return logs.get_scheduled_query_history(
        identifier=name, startTime=0, endTime=now_ms() + 10 ** 11,
        **kw)["triggerHistory"]


with Server(env={"LOGVAULT_TEST_SCHED_SPEED": "60"}) as srv:
    logs = RawLogs(srv, srv.client("logs", region=REGION))
    logs.create_log_group(logGroupName=GROUP)
    logs.create_log_stream(logGroupName=GROUP, logStreamName="s")
    base = now_ms()
    logs.put_log_events(logGroupName=GROUP, logStreamName="s", logEvents=[
        {"timestamp": base - 1000 * i, "message": "line %d" % i}
        for i in range(5, 0, -1)])

    common = dict(queryLanguage="CWLI",
                  queryString="fields @message | stats count(*) as n",
                  logGroupIdentifiers=[GROUP], executionRoleArn=ROLE)

    def create(sq_name, **kw):
        return logs.create_scheduled_query(name=sq_name, **kw)

    # ---- CRUD and errors ----------------------------------------------------
    out = logs.create_scheduled_query(
        name="every-minute", scheduleExpression="rate(1 minute)",
        startTimeOffset=7200, description="d1",
        destinationConfiguration={"s3Configuration": {
            "destinationIdentifier": "s3://sq-results-bucket/prefix",
            "roleArn": ROLE}}, **common)
    arn = "arn:aws:logs:%s:%s:scheduled-query:every-minute" % (REGION,
                                                                ACCOUNT)
    t.eq("create: the ARN", arn, out["scheduledQueryArn"])
    t.eq("create: ENABLED by default", "ENABLED", out["state"])
    got = logs.get_scheduled_query(identifier="every-minute")
    t.eq("get: the expression", "rate(1 minute)", got["scheduleExpression"])
    t.eq("get: the description", "d1", got["description"])
    t.eq("get: the role", ROLE, got["executionRoleArn"])
    t.eq("get: the group as its ARN",
         ["arn:aws:logs:%s:%s:log-group:%s" % (REGION, ACCOUNT, GROUP)],
         got["logGroupIdentifiers"])
    t.eq("get by ARN", "every-minute",
         logs.get_scheduled_query(identifier=arn)["name"])
    t.ok("get: creation time", abs(got["creationTime"] - now_ms()) < 600000)

    t.error("create: name taken", "ConflictException",
            create, sq_name="every-minute",
            scheduleExpression="rate(5 minutes)", **common)
    for expr in ("rate(1 minutes)", "rate(0 hours)", "cron(* * * * *)",
                 "cron(0 0 * * * *)", "cron(0 0 L * ? *)", "hourly"):
        t.error("create: bad expression %s" % expr, "ValidationException",
                create, sq_name="bad",
                scheduleExpression=expr, **common)
    t.error("create: SQL is not run", "ValidationException",
            create, sq_name="bad",
            scheduleExpression="rate(5 minutes)",
            **dict(common, queryLanguage="SQL"),
            msg="CWLI")
    t.error("create: a malformed query", "ValidationException",
            create, sq_name="bad",
            scheduleExpression="rate(5 minutes)",
            **dict(common, queryString="fields @message | nosuchcommand"))
    t.error("create: a group that does not exist",
            "ResourceNotFoundException", create,
            sq_name="bad", scheduleExpression="rate(5 minutes)",
            **dict(common, logGroupIdentifiers=["/sq/missing"]))
    t.error("create: a role that is not a role ARN", "ValidationException",
            create, sq_name="bad",
            scheduleExpression="rate(5 minutes)",
            **dict(common, executionRoleArn="not-a-role"))
    t.error("create: an unknown time zone", "ValidationException",
            create, sq_name="bad",
            scheduleExpression="rate(5 minutes)", timezone="Mars/Olympus",
            **common)
    t.error("create: startTimeOffset past 30 days", "ValidationException",
            create, sq_name="bad", scheduleExpression="rate(5 minutes)",
            startTimeOffset=30 * 86400 + 1, **common)
    t.error("create: end before start", "ValidationException",
            create, sq_name="bad",
            scheduleExpression="rate(5 minutes)", scheduleStartTime=2000,
            scheduleEndTime=1000, **common)
    # The front's own constraint check answers the operation's error:
    # ListScheduledQueries' model lists ValidationException, not
    # InvalidParameterException (botocore checks no maximum itself).
    t.error("list: maxResults past the model's 1000", "ValidationException",
            logs.list_scheduled_queries, maxResults=1001)
    t.error("get: unknown", "ResourceNotFoundException",
            logs.get_scheduled_query, identifier="nope")
    t.error("get: another account's ARN", "ResourceNotFoundException",
            logs.get_scheduled_query,
            identifier="arn:aws:logs:%s:999999999999:scheduled-query:"
                       "every-minute" % REGION)

    logs.create_scheduled_query(
        name="off", scheduleExpression="rate(1 minute)", state="DISABLED",
        timezone="Europe/London", **common)
    logs.create_scheduled_query(
        name="daily", scheduleExpression="cron(30 6 * * ? *)", **common)
    names = [q["name"] for q in
             logs.list_scheduled_queries()["scheduledQueries"]]
    t.eq("list: every query, by name", ["daily", "every-minute", "off"],
         names)
    page = logs.list_scheduled_queries(maxResults=2)
    t.eq("list: page 1", ["daily", "every-minute"],
         [q["name"] for q in page["scheduledQueries"]])
    page2 = logs.list_scheduled_queries(maxResults=2,
                                        nextToken=page["nextToken"])
    t.eq("list: page 2", ["off"],
         [q["name"] for q in page2["scheduledQueries"]])
    t.ok("list: no token after the last page", "nextToken" not in page2)
    t.eq("list: by state", ["off"],
         [q["name"] for q in logs.list_scheduled_queries(
             state="DISABLED")["scheduledQueries"]])

    # ---- the scheduler ------------------------------------------------------
    def a_complete_run():
        runs = history(logs, "every-minute")
        done = [r for r in runs if r["executionStatus"] == "Complete"]
        return done[0] if done else None

    run = wait_for(a_complete_run, "history: a Complete run")
    if run:
        t.ok("run: triggered on the scheduler's clock",
             run["triggeredTimestamp"] >= base - 1000)
        res = logs.get_query_results(queryId=run["queryId"])
        t.eq("run: its Insights query completed", "Complete", res["status"])
        t.eq("run: the query counted the group's events",
             [[{"field": "n", "value": "5"}]], res["results"])
        t.eq("run: the S3 delivery failed, never COMPLETE",
             [("S3", "s3://sq-results-bucket/prefix", "CLIENT_ERROR")],
             [(d["destinationType"], d["destinationIdentifier"],
               d["status"]) for d in run["destinations"]])
        t.ok("run: the delivery says why",
             "not reachable" in run["destinations"][0].get("errorMessage",
                                                           ""))
        got = logs.get_scheduled_query(identifier="every-minute")
        t.ok("get: lastTriggeredTime set",
             got.get("lastTriggeredTime", 0) >= run["triggeredTimestamp"])
        t.ok("get: lastExecutionStatus set",
             got.get("lastExecutionStatus") in ("Complete", "Running"))
        only = history(logs, "every-minute",
                       executionStatuses=["InvalidQuery"])
        t.eq("history: filtered by status", [], only)
    t.eq("history: a disabled schedule never runs", [],
         history(logs, "off"))
    t.error("history: unknown", "ResourceNotFoundException",
            logs.get_scheduled_query_history, identifier="nope",
            startTime=0, endTime=1)

    # Update: disable it; no run starts after the update settles.
    up = logs.update_scheduled_query(
        identifier="every-minute", scheduleExpression="rate(1 minute)",
        state="DISABLED", **common)
    t.eq("update: DISABLED", "DISABLED", up["state"])
    t.ok("update: the description left out is cleared",
         "description" not in up)

    # A group deleted after the schedule was made: the run is InvalidQuery.
    logs.create_log_group(logGroupName="/sq/gone")
    logs.create_scheduled_query(
        name="gone", scheduleExpression="rate(1 minute)",
        **dict(common, logGroupIdentifiers=["/sq/gone"]))
    logs.delete_log_group(logGroupName="/sq/gone")
    bad = wait_for(lambda: [r for r in history(logs, "gone")
                            if r["executionStatus"] == "InvalidQuery"],
                   "history: InvalidQuery for a deleted group")
    if bad:
        t.ok("InvalidQuery: says why", "log group" in
             bad[0].get("errorMessage", ""))

    # The CLI: the model's commands.
    env = dict(os.environ, AWS_ACCESS_KEY_ID="test",
               AWS_SECRET_ACCESS_KEY="test", AWS_DEFAULT_REGION=REGION)

    def cli(*args):
        p = subprocess.run([os.environ["LOGVAULT_BIN"], "logs"] + list(args)
                           + ["--endpoint-url", srv.endpoint, "--output",
                              "json"], env=env, capture_output=True,
                           text=True, timeout=60)
        return p.returncode, p.stdout, p.stderr

    rc, out, err = cli("create-scheduled-query", "--name", "cli-sq",
                       "--query-language", "CWLI", "--query-string",
                       "fields @message", "--log-group-identifiers", GROUP,
                       "--schedule-expression", "cron(0 12 ? * MON *)",
                       "--execution-role-arn", ROLE, "--state", "DISABLED")
    t.eq("cli: create", (0, "DISABLED"),
         (rc, json.loads(out or "{}").get("state")))
    rc, out, err = cli("get-scheduled-query", "--identifier", "cli-sq")
    t.eq("cli: get", (0, "cron(0 12 ? * MON *)"),
         (rc, json.loads(out or "{}").get("scheduleExpression")))
    rc, out, err = cli("delete-scheduled-query", "--identifier", "cli-sq")
    t.eq("cli: delete", 0, rc)
    rc, out, err = cli("get-scheduled-query", "--identifier", "cli-sq")
    t.ok("cli: gone, an error exit naming ResourceNotFoundException",
         rc != 0 and "ResourceNotFoundException" in err, (rc, err))

    # Two nodes on one PostgreSQL database: the lease lets one of them run
    # the schedules, so each run is triggered once, by one node.
    if on_pg():
        with Server("--store", srv.store_uri, "--root-key-file",
                    srv.root_key_file,
                    env={"LOGVAULT_TEST_SCHED_SPEED": "60"}) as srv2:
            logs2 = RawLogs(srv2, srv2.client("logs", region=REGION))
            logs2.create_scheduled_query(
                name="two-nodes", scheduleExpression="rate(1 minute)",
                startTimeOffset=7200, **common)
            runs = wait_for(lambda: [r for r in history(logs2, "two-nodes")
                                     if r["executionStatus"] == "Complete"]
                            if len(history(logs2, "two-nodes")) >= 3
                            else None, "two nodes: three runs")
            if runs:
                times = sorted(r["triggeredTimestamp"]
                               for r in history(logs2, "two-nodes"))
                t.eq("two nodes: no run twice", len(set(times)), len(times))
                t.ok("two nodes: runs on the minute grid",
                     all((b - a) > 0 and (b - a) % 60000 == 0
                         for a, b in zip(times, times[1:])), times)
                n1 = srv.read_log().count("scheduled query triggered")
                n2 = srv2.read_log().count("scheduled query triggered")
                t.ok("two nodes: one node triggers", (n1 == 0) != (n2 == 0),
                     (n1, n2))

    logs.delete_scheduled_query(identifier="every-minute")
    t.error("delete: gone", "ResourceNotFoundException",
            logs.get_scheduled_query, identifier="every-minute")
    t.error("delete: twice", "ResourceNotFoundException",
            logs.delete_scheduled_query, identifier="every-minute")

t.done()
