#!/usr/bin/env python3
"""PutLogEvents with some events too old, too new or past the group's
retention stores the rest and fills rejectedLogEventsInfo (issue 10 §8),
with AWS's indices: tooOldLogEventEndIndex exclusive (last too-old + 1),
tooNewLogEventStartIndex inclusive (first too-new), expiredLogEventEndIndex
exclusive. The 24-hour span rule applies to the events left once the too
old and too new are set aside ("For valid events (within 14 days in the
past to 2 hours in future), the time span in a single batch cannot exceed
24 hours", API_PutLogEvents); order is checked over the whole batch."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T, logs_call  # noqa: E402

t = T()
MIN = 60 * 1000
HOUR = 60 * MIN
DAY = 24 * HOUR
SPAN_MSG = ("The batch of log events in a single PutLogEvents request "
            "cannot span more than 24 hours.")


def ev(ts, msg):
    return {"timestamp": ts, "message": msg}


with Server() as srv:
    logs = srv.client("logs")
    logs.create_log_group(logGroupName="g")
    put = logs.put_log_events

    def try_put(**kw):
        """put, with a refusal returned (so that it is a FAIL, not a
        crash)."""
        try:
            return put(**kw)
        except logs.exceptions.ClientError as e:
            return {"error": e.response["Error"]}

    def stream(name, group="g"):
        logs.create_log_stream(logGroupName=group, logStreamName=name)
        return name

    def stored(name, group="g"):
        r = logs.get_log_events(logGroupName=group, logStreamName=name,
                                startFromHead=True)
        return [e["message"] for e in r["events"]]

    now = int(time.time() * 1000)

    # Too old at both ends of the 14 days, kept, too new: the kept events
    # span 2 h, the whole batch 15 days.
    s = stream("mixed")
    r = try_put(logGroupName="g", logStreamName=s, logEvents=[
        ev(now - 15 * DAY, "old-0"), ev(now - 14 * DAY - 10 * MIN, "old-1"),
        ev(now - HOUR, "keep-2"), ev(now, "keep-3"),
        ev(now + HOUR, "keep-4"), ev(now + 2 * HOUR + 10 * MIN, "new-5"),
        ev(now + 3 * HOUR, "new-6")])
    t.eq("mixed: indices", {"tooOldLogEventEndIndex": 2,
                            "tooNewLogEventStartIndex": 5},
         r.get("rejectedLogEventsInfo"))
    t.eq("mixed: only the kept are readable",
         ["keep-2", "keep-3", "keep-4"], stored(s))

    # The span of the valid events is 23 h: accepted, though the batch
    # spans 20 days.
    s = stream("span-ok")
    r = try_put(logGroupName="g", logStreamName=s, logEvents=[
        ev(now - 20 * DAY, "old"), ev(now - 22 * HOUR, "a"),
        ev(now + HOUR, "b"), ev(now + 5 * HOUR, "new")])
    t.eq("span after set-aside: indices",
         {"tooOldLogEventEndIndex": 1, "tooNewLogEventStartIndex": 3},
         r.get("rejectedLogEventsInfo"))
    t.eq("span after set-aside: stored", ["a", "b"], stored(s))

    # The valid events themselves span 3 days: the operation fails and
    # stores nothing.
    s = stream("span-bad")
    t.error("valid events over 24 h", "InvalidParameterException", put,
            logGroupName="g", logStreamName=s, logEvents=[
                ev(now - 20 * DAY, "old"), ev(now - 3 * DAY, "a"),
                ev(now, "b")], msg=SPAN_MSG)
    t.eq("span over 24 h: nothing stored", [], stored(s))

    # Every event rejected: no span to check, nothing stored.
    s = stream("all-rejected")
    r = try_put(logGroupName="g", logStreamName=s, logEvents=[
        ev(now - 30 * DAY, "old-0"), ev(now - 15 * DAY, "old-1"),
        ev(now + 3 * HOUR, "new-2"), ev(now + 30 * DAY, "new-3")])
    t.eq("all rejected: indices", {"tooOldLogEventEndIndex": 2,
                                   "tooNewLogEventStartIndex": 2},
         r.get("rejectedLogEventsInfo"))
    t.eq("all rejected: nothing stored", [], stored(s))
    t.ok("all rejected: a sequence token still", isinstance(
        r.get("nextSequenceToken"), str))

    # Order is still required over the whole batch, rejected events
    # included.
    s = stream("order")
    t.error("out of order with a rejected event",
            "InvalidParameterException", put, logGroupName="g",
            logStreamName=s, logEvents=[ev(now, "a"),
                                        ev(now - 15 * DAY, "old")],
            msg="must be in chronological order")
    t.eq("out of order: nothing stored", [], stored(s))

    # Retention: one day. Expired events (older than the retention, within
    # the 14 days) are set aside and reported.
    logs.create_log_group(logGroupName="r1")
    logs.put_retention_policy(logGroupName="r1", retentionInDays=1)
    s = stream("exp", "r1")
    r = try_put(logGroupName="r1", logStreamName=s, logEvents=[
        ev(now - 24 * HOUR - 20 * MIN, "exp-0"),
        ev(now - 24 * HOUR - 10 * MIN, "exp-1"),
        ev(now - 23 * HOUR, "keep-2"), ev(now - HOUR, "keep-3")])
    t.eq("expired: index", {"expiredLogEventEndIndex": 2},
         r.get("rejectedLogEventsInfo"))
    t.eq("expired: stored", ["keep-2", "keep-3"], stored(s, "r1"))
    # Too old and expired together, and too new.
    s = stream("exp-old", "r1")
    r = try_put(logGroupName="r1", logStreamName=s, logEvents=[
        ev(now - 15 * DAY, "old-0"), ev(now - 24 * HOUR - 5 * MIN, "exp-1"),
        ev(now - 2 * HOUR, "keep-2"), ev(now + 4 * HOUR, "new-3")])
    t.eq("too old, expired, too new: indices",
         {"tooOldLogEventEndIndex": 1, "expiredLogEventEndIndex": 2,
          "tooNewLogEventStartIndex": 3}, r.get("rejectedLogEventsInfo"))
    t.eq("too old, expired, too new: stored", ["keep-2"],
         stored(s, "r1"))
    # An expired event is within the 14 days, so it is "valid" in the
    # reference's words and counts toward the 24 hours (the stricter
    # reading, see logs/ingest.c check_batch).
    s = stream("exp-span", "r1")
    t.error("expired event counts toward the span",
            "InvalidParameterException", put, logGroupName="r1",
            logStreamName=s, logEvents=[ev(now - 3 * DAY, "exp"),
                                        ev(now, "b")], msg=SPAN_MSG)

    # The same batch as a raw request (with members the fast decoder does
    # not know, so whichever decoder takes it) answers the same.
    s = stream("raw")
    st, out = logs_call(srv, "PutLogEvents", {
        "logGroupName": "g", "logStreamName": s, "sequenceToken": "x",
        "unknownMember": {"a": [1]},
        "logEvents": [ev(now - 15 * DAY, "old"), ev(now - 22 * HOUR, "a"),
                      ev(now, "b"), ev(now + 3 * HOUR, "new")]})
    t.eq("raw: status", 200, st)
    t.eq("raw: indices", {"tooOldLogEventEndIndex": 1,
                          "tooNewLogEventStartIndex": 3},
         out.get("rejectedLogEventsInfo"))
    t.eq("raw: stored", ["a", "b"], stored(s))
t.done()
