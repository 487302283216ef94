#!/usr/bin/env python3
"""Issue 10 §6: a log group (or stream) deleted and created again at once —
in the same second, even the same millisecond — is a new group: PutLogEvents
works immediately and reads back only the new events. (A reused internal id
with a whole-second creation time made the cached data key of the deleted
group look like the new group's: ServiceUnavailableException for up to
5 minutes.) Each trial is fast enough to land in one second most of the
time; the fixed server passes however long a trial takes."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T  # noqa: E402

t = T()
TRIALS = 8


def now_ms():
    return int(time.time() * 1000)


def events(logs, group, stream):
    r = logs.get_log_events(logGroupName=group, logStreamName=stream,
                            startFromHead=True)
    return [e["message"] for e in r["events"]]


def put(logs, group, stream, msg):
    """PutLogEvents; the error code, or None when it answered 200."""
    try:
        logs.put_log_events(logGroupName=group, logStreamName=stream,
                            logEvents=[{"timestamp": now_ms(),
                                        "message": msg}])
        return None
    except logs.exceptions.ClientError as e:
        return e.response["Error"]["Code"]


with Server() as srv:
    logs = srv.client("logs")

    # ---- the group -------------------------------------------------------
    bad = []
    for i in range(TRIALS):
        g = "recreate-%d" % i
        logs.create_log_group(logGroupName=g)
        logs.create_log_stream(logGroupName=g, logStreamName="s")
        if put(logs, g, "s", "old %d" % i) is not None:
            bad.append((i, "first put"))
        logs.delete_log_group(logGroupName=g)
        logs.create_log_group(logGroupName=g)
        logs.create_log_stream(logGroupName=g, logStreamName="s")
        code = put(logs, g, "s", "new %d" % i)
        if code is not None:
            bad.append((i, code))
            continue
        got = events(logs, g, "s")
        if got != ["new %d" % i]:
            bad.append((i, got))
        # The name is free again: the next trial's first group may take
        # the id the one before freed.
        logs.delete_log_group(logGroupName=g)
    t.eq("put right after delete + create of the group", [], bad)

    # The same with a KMS-free group whose key cache entry is fresh, and
    # a second put to be sure the new group's own key is now the writer.
    logs.create_log_group(logGroupName="twice")
    logs.create_log_stream(logGroupName="twice", logStreamName="s")
    t.eq("put 1", None, put(logs, "twice", "s", "a"))
    logs.delete_log_group(logGroupName="twice")
    logs.create_log_group(logGroupName="twice")
    logs.create_log_stream(logGroupName="twice", logStreamName="s")
    t.eq("put 2", None, put(logs, "twice", "s", "b"))
    t.eq("put 3", None, put(logs, "twice", "s", "c"))
    t.eq("only the new group's events", ["b", "c"],
         events(logs, "twice", "s"))
    r = logs.describe_log_groups(logGroupNamePrefix="twice")["logGroups"]
    t.eq("one group", 1, len(r))

    # ---- the stream --------------------------------------------------------
    logs.create_log_group(logGroupName="streams")
    bad = []
    for i in range(TRIALS):
        logs.create_log_stream(logGroupName="streams", logStreamName="s")
        if put(logs, "streams", "s", "old %d" % i) is not None:
            bad.append((i, "first put"))
        logs.delete_log_stream(logGroupName="streams", logStreamName="s")
        logs.create_log_stream(logGroupName="streams", logStreamName="s")
        code = put(logs, "streams", "s", "new %d" % i)
        if code is not None:
            bad.append((i, code))
        else:
            got = events(logs, "streams", "s")
            if got != ["new %d" % i]:
                bad.append((i, got))
        logs.delete_log_stream(logGroupName="streams", logStreamName="s")
    t.eq("put right after delete + create of the stream", [], bad)

    # ---- across a restart: ids stay unused ----------------------------------
    logs.create_log_group(logGroupName="r")
    logs.create_log_stream(logGroupName="r", logStreamName="s")
    t.eq("put before restart", None, put(logs, "r", "s", "x"))
    logs.delete_log_group(logGroupName="r")
    srv.restart()
    logs = srv.client("logs")
    logs.create_log_group(logGroupName="r")
    logs.create_log_stream(logGroupName="r", logStreamName="s")
    t.eq("put after restart", None, put(logs, "r", "s", "y"))
    t.eq("read after restart", ["y"], events(logs, "r", "s"))
t.done()
