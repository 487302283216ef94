#!/usr/bin/env python3
"""GetLogEvents over chunks that overlap in time: several batches with the
same timestamps, each split into several chunks, so that every page merges
events of many chunks (the page's merge of sorted runs, its cut, and the
messages it points to inside decoded chunks, issue 15). Paging forwards
and backwards, by count and by the 1 MB cap, must return every event once,
in AWS's order (timestamp, then ingestion order), with its exact text."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T  # noqa: E402

t = T()
BATCHES = 6
PER_BATCH = 300
# ~2 KB a message: a batch is ~600 KB, several 256 KB chunks, and a page
# of limit 10,000 ends at the 1 MB cap.
FILLER = "x" * 1900


def msg(b, i):
    # Quotes, a backslash, a control character and non-ASCII text: the
    # encoder's escapes, on the way out of every page.
    return 'b%d-%03d "q" \\ \t caf\u00e9 \U0001F600 %s' % (
        b, i, FILLER[:1600 + i])


def pages(logs, forward, limit, stream="s"):
    """Every page of the stream, following one direction from its end."""
    out = []
    token = None
    for _ in range(5000):
        args = dict(logGroupName="g", logStreamName=stream, limit=limit)
        if forward:
            args["startFromHead"] = True
        if token:
            args["nextToken"] = token
        r = logs.get_log_events(**args)
        nxt = r["nextForwardToken" if forward else "nextBackwardToken"]
        if not r["events"]:
            t.eq("empty page at the end hands back the token (%s, %d)" %
                 ("forward" if forward else "backward", limit), token, nxt)
            return out
        out.append(r["events"])
        token = nxt
    raise RuntimeError("paging did not end")


with Server() as srv:
    logs = srv.client("logs")
    logs.create_log_group(logGroupName="g")
    logs.create_log_stream(logGroupName="g", logStreamName="s")
    base = int(time.time() * 1000) - 3600 * 1000
    for b in range(BATCHES):
        logs.put_log_events(logGroupName="g", logStreamName="s",
                            logEvents=[{"timestamp": base + i,
                                        "message": msg(b, i)}
                                       for i in range(PER_BATCH)])
    # Timestamps tie across batches: then the earlier batch comes first.
    want = [(base + i, msg(b, i)) for i in range(PER_BATCH)
            for b in range(BATCHES)]

    def same(name, got):
        """The events, by timestamp and label (a short report), then the
        text of every one, byte for byte."""
        t.eq(name, [(ts, m.split(" ", 1)[0]) for ts, m in want],
             [(ts, m.split(" ", 1)[0]) for ts, m in got])
        t.ok(name + ": exact text", want == got, "%d differ" % sum(
            1 for a, b in zip(want, got) if a != b))

    for limit in (50, 10000):
        fwd = pages(logs, True, limit)
        got = [(e["timestamp"], e["message"]) for p in fwd for e in p]
        same("forward, limit %d: every event once, in order" % limit, got)
        t.ok("forward, limit %d: pages within the limit" % limit,
             all(len(p) <= limit for p in fwd))
        t.ok("forward, limit %d: pages within 1 MB" % limit,
             all(sum(len(e["message"].encode()) + 26 for e in p) <= 1048576
                 for p in fwd))
        if limit == 10000:
            t.ok("forward: the 1 MB cap splits the stream",
                 len(fwd) >= 3, "%d pages" % len(fwd))
        bwd = pages(logs, False, limit)
        got = [(e["timestamp"], e["message"])
               for p in reversed(bwd) for e in p]
        same("backward, limit %d: every event once, in order" % limit, got)
        t.ok("backward, limit %d: pages within 1 MB" % limit,
             all(sum(len(e["message"].encode()) + 26 for e in p) <= 1048576
                 for p in bwd))

    # Many chunks under one page: 96 batches of ~256 KB with the same
    # timestamps, so that each page of 1 MB takes a few events from every
    # one and holding them all would pass LV_PAGE_MAX_HELD_BYTES (16 MB):
    # past it the page copies the events it keeps instead.
    logs.create_log_stream(logGroupName="g", logStreamName="wide")
    WIDE, PER = 96, 128
    for b in range(WIDE):
        logs.put_log_events(logGroupName="g", logStreamName="wide",
                            logEvents=[{"timestamp": base + i,
                                        "message": msg(b, i)}
                                       for i in range(PER)])
    want = [(base + i, msg(b, i)) for i in range(PER) for b in range(WIDE)]
    for forward in (True, False):
        got = pages(logs, forward, 10000, "wide")
        flat = [(e["timestamp"], e["message"])
                for p in (got if forward else reversed(got)) for e in p]
        same("wide, %s: every event once, in order" %
             ("forward" if forward else "backward"), flat)
t.done()
