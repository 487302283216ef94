#!/usr/bin/env python3
"""Export and import tasks (boto3), which answer as AWS answers when the
destination (an S3 bucket) or the source (a CloudTrail Lake event data
store) is absent (issue 17 item 7): CreateExportTask checks the group and
the time range, then fails with "The specified bucket does not exist.";
CreateImportTask checks the source ARN, the role and the filter's times,
then fails with ResourceNotFoundException; nothing was created, so the
Describe* operations answer empty lists (refusing a nextToken they did
not issue) and CancelExportTask, CancelImportTask and
DescribeImportTaskBatches answer ResourceNotFoundException; every call is
recorded in the audit trail."""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T, logs_call  # noqa: E402

t = T()
ACCT = "000000000000"
REGION = "eu-west-2"
ROLE = "arn:aws:iam::%s:role/import-role" % ACCT
EDS = ("arn:aws:cloudtrail:%s:%s:eventdatastore/"
       "f1d45bff-d0e3-4868-b5d9-2eb678aa32fb" % (REGION, ACCT))
NO_GROUP = "The specified log group does not exist."
NO_BUCKET = "The specified bucket does not exist."


def export(logs, **kw):
    args = {"logGroupName": "g", "fromTime": 1715918400000,
            "to": 1715920200000, "destination": "amzn-s3-demo-bucket"}
    args.update(kw)
    args = {k: v for k, v in args.items() if v is not None}
    return logs.create_export_task(**args)


with Server("--audit-trail", "--lookup-events-rate", "0") as srv:
    logs = srv.client("logs", region=REGION)
    logs.create_log_group(logGroupName="g")

    # ---- CreateExportTask ------------------------------------------------
    t.error("export: the bucket does not exist", "InvalidParameterException",
            export, logs, msg=NO_BUCKET)
    t.error("export: every member", "InvalidParameterException", export,
            logs, taskName="t", logStreamNamePrefix="s",
            destinationPrefix="exportedlogs", msg=NO_BUCKET)
    t.error("export: from == to", "InvalidParameterException", export, logs,
            fromTime=5, to=5, msg=NO_BUCKET)
    t.error("export: to before from", "InvalidParameterException", export,
            logs, fromTime=1715920200000, to=1715918400000,
            msg="Specified time range of 1715920200000 and 1715918400000 "
                "is not valid.")
    t.error("export: no such group", "ResourceNotFoundException", export,
            logs, logGroupName="nope", msg=NO_GROUP)
    # (botocore would refuse these itself: sent raw.)
    t.logs_error("export: negative from", "InvalidParameterException", srv,
                 "CreateExportTask", logGroupName="g", to=5, destination="b",
                 **{"from": -1})
    t.logs_error("export: destination too long", "InvalidParameterException",
                 srv, "CreateExportTask", logGroupName="g", to=5,
                 destination="b" * 513, **{"from": 1})
    r = logs.describe_export_tasks()
    t.eq("no export task exists", [], r["exportTasks"])
    t.ok("describe export tasks: no nextToken", "nextToken" not in r, r)
    t.eq("describe by status", [], logs.describe_export_tasks(
        statusCode="RUNNING", limit=3)["exportTasks"])
    t.eq("describe by id", [], logs.describe_export_tasks(
        taskId="a1b2c3d4-5678-90ab-cdef-example11111")["exportTasks"])
    t.error("describe export tasks: bad status", "InvalidParameterException",
            logs.describe_export_tasks, statusCode="DONE")
    t.error("describe export tasks: a token not issued",
            "InvalidParameterException", logs.describe_export_tasks,
            nextToken="bm90IGEgdG9rZW4=",
            msg="The specified nextToken is invalid.")
    t.error("cancel export: no such task", "ResourceNotFoundException",
            logs.cancel_export_task,
            taskId="a1b2c3d4-5678-90ab-cdef-example11111",
            msg="The specified export task does not exist.")

    # ---- CreateImportTask -------------------------------------------------
    # Sent raw: Debian's botocore predates the import operations.
    def imp(name, code, msg=None, **body):
        t.logs_error(name, code, srv, "CreateImportTask", msg=msg, **body)

    imp("import: the event data store does not exist",
        "ResourceNotFoundException", importSourceArn=EDS,
        importRoleArn=ROLE,
        msg="The specified event data store does not exist.")
    imp("import: with a filter", "ResourceNotFoundException",
        importSourceArn=EDS, importRoleArn=ROLE,
        importFilter={"startEventTime": 1, "endEventTime": 1},
        msg="The specified event data store does not exist.")
    imp("import: start after end", "InvalidParameterException",
        importSourceArn=EDS, importRoleArn=ROLE,
        importFilter={"startEventTime": 2, "endEventTime": 1},
        msg="The startEventTime must be less than or equal to "
            "endEventTime.")
    for bad in ("arn:aws:cloudtrail:eu-west-2:000000000000:trail/t",
                "arn:aws:s3:::bucket", "eventdatastore/x",
                "arn:aws:cloudtrail:eu-west-2:0000:eventdatastore/x",
                "arn:aws:cloudtrail:eu-west-2:000000000000:eventdatastore/"):
        imp("import: source %r refused" % bad, "InvalidParameterException",
            importSourceArn=bad, importRoleArn=ROLE,
            msg="Invalid importSourceArn")
    imp("import: role not a role", "InvalidParameterException",
        importSourceArn=EDS, importRoleArn="arn:aws:iam::000000000000:user/u",
        msg="Invalid importRoleArn")
    imp("import: no role", "InvalidParameterException", importSourceArn=EDS)
    st, r = logs_call(srv, "DescribeImportTasks", {})
    t.eq("no import exists", (200, {"imports": []}), (st, r))
    st, r = logs_call(srv, "DescribeImportTasks", {
        "importId": "abc-123", "importStatus": "IN_PROGRESS",
        "importSourceArn": EDS, "limit": 2})
    t.eq("describe imports filtered", (200, {"imports": []}), (st, r))
    t.logs_error("describe imports: a token not issued",
                 "InvalidParameterException", srv, "DescribeImportTasks",
                 nextToken="bm90IGEgdG9rZW4=",
                 msg="The specified nextToken is invalid.")
    t.logs_error("describe imports: bad id", "InvalidParameterException",
                 srv, "DescribeImportTasks", importId="a b")
    t.logs_error("describe import batches: no such import",
                 "ResourceNotFoundException", srv,
                 "DescribeImportTaskBatches", importId="abc-123",
                 msg="The specified import task does not exist.")
    t.logs_error("cancel import: no such import",
                 "ResourceNotFoundException", srv, "CancelImportTask",
                 importId="abc-123",
                 msg="The specified import task does not exist.")

    # ---- the audit trail ----------------------------------------------------
    ct = srv.client("cloudtrail", region=REGION)
    # The last call of each operation above and the error it got.
    want = {"CreateExportTask": ("InvalidParameterException", False),
            "DescribeExportTasks": ("InvalidParameterException", True),
            "CancelExportTask": ("ResourceNotFoundException", False),
            "CreateImportTask": ("InvalidParameterException", False),
            "DescribeImportTasks": ("InvalidParameterException", True),
            "DescribeImportTaskBatches": ("ResourceNotFoundException",
                                          True),
            "CancelImportTask": ("ResourceNotFoundException", False)}
    # Some records are written asynchronously: wait for them (the bound
    # only ends the wait; what is checked does not depend on it).
    deadline = time.time() + 30
    seen = {}
    while time.time() < deadline and not set(want) <= set(seen):
        seen = {}
        for page in ct.get_paginator("lookup_events").paginate():
            for e in page["Events"]:
                seen.setdefault(e["EventName"],
                                json.loads(e["CloudTrailEvent"]))
        time.sleep(0.2)
    for op, (code, ro) in want.items():
        rec = seen.get(op)
        if not t.ok("%s recorded" % op, rec is not None, sorted(seen)):
            continue
        t.eq("%s: readOnly" % op, ro, rec.get("readOnly"))
        t.eq("%s: errorCode of the last call" % op, code,
             rec.get("errorCode"))
    t.eq("CancelImportTask: its request parameters", {"importId": "abc-123"},
         (seen.get("CancelImportTask") or {}).get("requestParameters"))
t.done()
