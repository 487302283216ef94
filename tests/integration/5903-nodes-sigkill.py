#!/usr/bin/env python3
"""Issue 11 section 4: SIGKILL of one node under load. Three nodes on one
PostgreSQL database take PutLogEvents for one stream from client threads
(three per node); once each node has acknowledged some batches, node B is
killed with SIGKILL (no chance to flush or close anything) while its
clients are sending; the other two go on taking batches. Afterwards,
read through each survivor: every event any node acknowledged is there
exactly once, nothing that was never sent, every batch whole or absent
(a batch B was writing when it died may be there, as its commit may have
landed before the answer was lost), and both survivors read the same
events in the same order. The survivors still take writes to the stream
after the kill (the sequence numbers B held are simply never used)."""
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvpg import (Nodes, Putter, check_exactly_once, client,  # noqa: E402
                  need_pg, read_stream, sent_batches, wait_for)
from lvtest import T  # noqa: E402

need_pg()
t = T()
GROUP, STREAM = "crash", "s"
SIZE = 10

with Nodes(3) as nodes:
    a, b, c = nodes.servers
    la = client(a, "logs")
    la.create_log_group(logGroupName=GROUP)
    la.create_log_stream(logGroupName=GROUP, logStreamName=STREAM)
    ts0 = int(time.time() * 1000) - 3600 * 1000
    stop = threading.Event()
    putters = {}
    for i, srv in enumerate(nodes.servers):
        putters[i] = [Putter(srv, GROUP, STREAM, "n%dt%d" % (i, k), ts0,
                             size=SIZE, stop=stop, read_timeout=30,
                             stop_on_error=(i == 1))
                      for k in range(3)]
    everyone = [p for ps in putters.values() for p in ps]
    for p in everyone:
        p.start()

    def acked_by(i):
        return sum(p.n_acked() for p in putters[i])

    try:
        wait_for("every node to acknowledge 20 batches",
                 lambda: all(acked_by(i) >= 20 for i in putters))
        nodes.kill(1)
        after = {i: acked_by(i) for i in (0, 2)}
        wait_for("the survivors to acknowledge 20 batches more each",
                 lambda: all(acked_by(i) >= after[i] + 20 for i in (0, 2)))
        wait_for("B's clients to see it gone",
                 lambda: all(not p.is_alive() for p in putters[1]))
    finally:
        stop.set()
        for p in everyone:
            p.join(timeout=120)
    t.ok("every client thread ended", not any(p.is_alive() for p in everyone))

    # What the clients saw: the survivors answered everything; B's clients
    # got no answer (never an error answer) once B was gone.
    t.eq("the survivors failed no batch", [],
         [(p.tag, code) for i in (0, 2) for p in putters[i]
          for _, code, _ in p.failed][:10])
    t.ok("each of B's clients saw the connection go (never an error "
         "answer)",
         all(len(p.failed) == 1 and p.failed[0][1] in (
             "EndpointConnectionError", "ConnectionClosedError")
             for p in putters[1]),
         [code for p in putters[1] for _, code, _ in p.failed])

    acked = [m for p in everyone for m in p.acked]
    sent, batch_of = sent_batches(everyone)
    seen_a = read_stream(a, GROUP, STREAM)
    seen_c = read_stream(c, GROUP, STREAM)
    check_exactly_once(t, "read via A", seen_a, acked, sent=sent,
                       batch_of=batch_of)
    t.ok("C reads what A reads, in the same order", seen_c == seen_a,
         "%d vs %d events" % (len(seen_c), len(seen_a)))
    unacked = {m for _, m in seen_a} - set(acked)
    t.ok("only a batch B was writing when killed is there unacknowledged",
         all(m.startswith("n1t") for m in unacked), sorted(unacked)[:5])

    # The stream takes writes on through both survivors.
    for srv in (a, c):
        client(srv, "logs").put_log_events(
            logGroupName=GROUP, logStreamName=STREAM,
            logEvents=[{"timestamp": ts0 + 100000, "message": "after"}])
    t.eq("writes after the kill are stored, once each", 2,
         sum(1 for _, m in read_stream(c, GROUP, STREAM) if m == "after"))
t.done()
