#!/usr/bin/env python3
"""Issue 11 section 4: three nodes on one PostgreSQL database take
PutLogEvents for one stream at the same time (client threads through each
node, batches of several nodes sharing timestamps, so that their order is
decided by the store, not by the clock). Every acknowledged event is
stored exactly once and nothing else; GetLogEvents through each node
returns the same events in the same order; FilterLogEvents likewise; and
the nextForwardToken / nextBackwardToken / nextToken a node hands out
works on the others: pages read through A, B, C in turn add up to the
whole. Then the same with three groups of two streams each, written
through every node at once: no batch fails (the nodes' commits lock the
same rows), each stream holds what was acknowledged for it."""
import http.client
import json
import os
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvpg import (Nodes, Putter, check_exactly_once, client,  # noqa: E402
                  filter_group, need_pg, read_stream)
from lvtest import T  # noqa: E402

need_pg()
t = T()
GROUP, STREAM = "multi", "one-stream"
THREADS = 3             # client threads per node
BATCHES = 12            # batches per thread
SIZE = 25               # events per batch

with Nodes(3) as nodes:
    a, b, c = nodes.servers
    for name, srv in (("A", a), ("B", b), ("C", c)):
        conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
        conn.request("GET", "/health")
        r = conn.getresponse()
        body = r.read().decode()
        conn.close()
        t.eq("%s: /health" % name,
             (200, {"kind": "postgresql", "reachable": True}),
             (r.status, json.loads(body).get("store")))
        t.ok("%s: /health does not name the database" % name,
             urllib.parse.urlsplit(nodes.uri).path.strip("/") not in body,
             body)
    la = client(a, "logs")
    la.create_log_group(logGroupName=GROUP)
    la.create_log_stream(logGroupName=GROUP, logStreamName=STREAM)
    ts0 = int(time.time() * 1000) - 3600 * 1000

    putters = [Putter(srv, GROUP, STREAM, "n%dt%d" % (i, k), ts0, size=SIZE,
                      batches=BATCHES)
               for i, srv in enumerate(nodes.servers)
               for k in range(THREADS)]
    for p in putters:
        p.start()
    for p in putters:
        p.join(timeout=300)
        t.ok("putter %s finished" % p.tag, not p.is_alive())
    acked = [m for p in putters for m in p.acked]
    sent = {m for p in putters for b in range(BATCHES) for m in p.batch(b)}
    t.eq("every batch acknowledged", [],
         [(p.tag, code) for p in putters for _, code, _ in p.failed][:10])
    t.eq("events acknowledged", len(putters) * BATCHES * SIZE, len(acked))

    # The whole stream through each node: the same list, in the same
    # order, every acknowledged event once.
    seen = {}
    for name, srv in (("A", a), ("B", b), ("C", c)):
        seen[name] = read_stream(srv, GROUP, STREAM)
        check_exactly_once(t, "GetLogEvents via " + name, seen[name], acked,
                           sent=sent)
    t.ok("B reads what A reads, in the same order", seen["B"] == seen["A"])
    t.ok("C reads what A reads, in the same order", seen["C"] == seen["A"])
    t.ok("events in timestamp order",
         all(x[0] <= y[0] for x, y in zip(seen["A"], seen["A"][1:])))
    whole = seen["A"]

    # Forward tokens across nodes: pages of 97 through A, B, C, A, ...
    logs = [client(s, "logs") for s in (a, b, c)]
    pages = []
    token = None
    for i in range(1000):
        kw = {"logGroupName": GROUP, "logStreamName": STREAM,
              "startFromHead": True, "limit": 97}
        if token:
            kw["nextToken"] = token
        r = logs[i % 3].get_log_events(**kw)
        pages.extend((e["timestamp"], e["message"]) for e in r["events"])
        if r["nextForwardToken"] == token:
            break
        token = r["nextForwardToken"]
    t.ok("forward pages through A, B, C in turn add up to the stream",
         pages == whole, "%d events, expected %d" % (len(pages), len(whole)))

    # Backward: the last page through A, the one before it through B, the
    # one before that through C.
    r = logs[0].get_log_events(logGroupName=GROUP, logStreamName=STREAM,
                               startFromHead=False, limit=50)
    back = [(e["timestamp"], e["message"]) for e in r["events"]]
    for lg in (logs[1], logs[2]):
        r = lg.get_log_events(logGroupName=GROUP, logStreamName=STREAM,
                              limit=50, nextToken=r["nextBackwardToken"])
        back = [(e["timestamp"], e["message"]) for e in r["events"]] + back
    t.ok("backward pages through A, B, C are the last 150 events",
         back == whole[-150:], "got %d events" % len(back))

    # FilterLogEvents: the same through each node; its nextToken from one
    # node works on the others.
    fa = filter_group(a, GROUP)
    check_exactly_once(t, "FilterLogEvents via A", fa, acked, sent=sent)
    t.ok("FilterLogEvents via B is the same as via A",
         filter_group(b, GROUP) == fa)
    t.ok("FilterLogEvents via C is the same as via A",
         filter_group(c, GROUP) == fa)
    pages = []
    token = None
    for i in range(1000):
        kw = {"logGroupName": GROUP, "limit": 113}
        if token:
            kw["nextToken"] = token
        r = logs[i % 3].filter_log_events(**kw)
        pages.extend((e["timestamp"], e["message"]) for e in r["events"])
        token = r.get("nextToken")
        if not token:
            break
    t.ok("FilterLogEvents pages through A, B, C in turn add up to the "
         "group", pages == fa, "%d events, expected %d" % (len(pages),
                                                          len(fa)))

    # Several groups and streams at once through every node: each node's
    # group commit mixes them in one transaction, and the nodes' commits
    # lock the same group and stream rows; none may fail (a deadlock
    # between two nodes' commits would fail a batch whole).
    streams = [("multi-%d" % g, "s%d" % k) for g in range(3) for k in range(2)]
    for g in range(3):
        la.create_log_group(logGroupName="multi-%d" % g)
    for g, st in streams:
        la.create_log_stream(logGroupName=g, logStreamName=st)
    putters = [Putter(srv, g, st, "n%d-%s-%s" % (i, g, st), ts0, size=10,
                      batches=20)
               for i, srv in enumerate(nodes.servers) for g, st in streams]
    for p in putters:
        p.start()
    for p in putters:
        p.join(timeout=300)
    t.ok("many streams: every putter finished",
         not any(p.is_alive() for p in putters))
    t.eq("many streams: every batch acknowledged", [],
         [(p.tag, code) for p in putters for _, code, _ in p.failed][:10])
    for g, st in streams:
        mine = [p for p in putters if p.group == g and p.stream == st]
        check_exactly_once(t, "many streams: %s/%s" % (g, st),
                           read_stream(c, g, st),
                           [m for p in mine for m in p.acked],
                           sent={m for p in mine for b in range(20)
                                 for m in p.batch(b)})
t.done()
