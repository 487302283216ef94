#!/usr/bin/env python3
"""Issue 11 section 5: failover and outages under ingest load.

The test starts its own PostgreSQL pair from LV_PG_BIN: a primary
(synchronous_commit = on, synchronous_standby_names = '*') and a
streaming-replication standby made with pg_basebackup -R, both on
127.0.0.1. Three `logvault serve` nodes are given both hosts in one URI
with target_session_attrs=read-write, and take PutLogEvents from client
threads (two per node).

1. The primary is killed (pg_ctl stop -m immediate) under load. While
   nothing is writable every node answers ServiceUnavailableException
   (each node is seen to, and /health is 503 with reachable false); then
   the standby is promoted and every node carries on, without a restart,
   taking batches again.
2. The promoted server is stopped (-m fast) under load and started again:
   the same.

Throughout, a request that fails fails with ServiceUnavailableException
(never another error, a dropped connection — a crash — or no answer
within 30 s — a hang), and afterwards every event any node acknowledged is
there exactly once, read through each node, every batch whole or absent
(a batch whose commit landed as the server went away may be there
unacknowledged)."""
import os
import shutil
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvpg import (Cluster, Nodes, Putter, as_postgres_own,  # noqa: E402
                  check_exactly_once, client, health, need_pg, pg_bin,
                  read_stream, sent_batches, wait_for)
from lvtest import T  # noqa: E402

need_pg()
t = T()
GROUP, STREAM = "failover", "s"
SIZE = 10
BOUND = 60          # seconds any one wait may take before the test fails


def load(nodes, stop, phase, ts0):
    """Two client threads per node, started."""
    ps = [Putter(srv, GROUP, STREAM, "%s-n%dt%d" % (phase, i, k), ts0,
                 size=SIZE, stop=stop, read_timeout=30, pause_on_error=0.05)
          for i, srv in enumerate(nodes.servers) for k in range(2)]
    for p in ps:
        p.start()
    return ps


def per_node(ps, fn):
    """fn(putter) summed per node (the putters of node i are 2i, 2i+1)."""
    return [fn(ps[2 * i]) + fn(ps[2 * i + 1]) for i in range(len(ps) // 2)]


def outage(name, nodes, ps, take_down, bring_back):
    """Load on; take_down(); every node answers 503 (clients and /health);
    bring_back(); every node takes batches again. Returns the putters."""
    wait_for(name + ": every node to acknowledge 10 batches",
             lambda: min(per_node(ps, Putter.n_acked)) >= 10, bound=BOUND)
    take_down()
    failed = per_node(ps, Putter.n_failed)
    wait_for(name + ": every node to refuse a batch",
             lambda: all(n > f for n, f in
                         zip(per_node(ps, Putter.n_failed), failed)),
             bound=BOUND)
    for i, srv in enumerate(nodes.servers):
        st = health(srv)
        t.eq("%s: node %d's /health while nothing is writable" % (name, i),
             (503, False), (st[0], (st[1] or {}).get("reachable")))
    acked = per_node(ps, Putter.n_acked)
    bring_back()
    wait_for(name + ": every node to acknowledge 10 batches more",
             lambda: all(n >= a + 10 for n, a in
                         zip(per_node(ps, Putter.n_acked), acked)),
             bound=BOUND)
    for i, srv in enumerate(nodes.servers):
        t.ok("%s: node %d kept running" % (name, i), srv.proc.poll() is None)
        # A thread's connection to the server that went away fails its
        # next statement once (503) before it reconnects: of 12 /health
        # requests, at most one per worker thread (4) may still be 503.
        got = [health(srv)[0] for _ in range(12)]
        t.ok("%s: node %d's /health afterwards is 200 (each worker thread "
             "503 once at most)" % (name, i),
             got.count(200) >= 8 and got.count(200) + got.count(503) == 12,
             got)


def finish(name, stop, ps):
    stop.set()
    for p in ps:
        p.join(timeout=120)
    t.ok(name + ": every client thread ended",
         not any(p.is_alive() for p in ps))
    codes = sorted({code for p in ps for _, code, _ in p.failed})
    t.eq(name + ": every refusal is ServiceUnavailableException",
         ["ServiceUnavailableException"], codes)
    slow = max([secs for p in ps for _, _, secs in p.failed] or [0])
    t.ok(name + ": every refusal came within 30 s", slow < 30, slow)


def check_store(name, nodes, everyone):
    acked = [m for p in everyone for m in p.acked]
    sent, batch_of = sent_batches(everyone)
    first = None
    for i, srv in enumerate(nodes.servers):
        # A worker thread's first statement on a connection to the server
        # that went away fails (503) before it reconnects: retried, as an
        # SDK would, a bounded number of times (4 worker threads).
        seen = read_stream(srv, GROUP, STREAM, retries=8)
        check_exactly_once(t, "%s: via node %d" % (name, i), seen, acked,
                           sent=sent, batch_of=batch_of)
        if first is None:
            first = seen
        else:
            t.ok("%s: node %d reads what node 0 reads" % (name, i),
                 seen == first)


parent = tempfile.mkdtemp(prefix="lv-5950.")
as_postgres_own(parent)
primary = Cluster(parent, "primary")
standby = Cluster(parent, "standby")
try:
    primary.initdb()
    # On the command line, so that the standby's copy does not inherit
    # them: promoted, it must not wait for a standby of its own.
    primary.start("synchronous_standby_names='*'", "synchronous_commit=on")
    primary.run(pg_bin("pg_basebackup"), "-h", "127.0.0.1", "-p",
                str(primary.port), "-U", "postgres", "-D", standby.data,
                "-R", "-X", "stream", "-c", "fast", "--no-sync")
    standby.start()
    wait_for("the standby to be synchronous", lambda: primary.psql(
        "SELECT sync_state FROM pg_stat_replication") == "sync", bound=BOUND)
    primary.psql("CREATE DATABASE lv")
    uri = ("postgresql://postgres@127.0.0.1:%d,127.0.0.1:%d/lv"
           "?target_session_attrs=read-write&connect_timeout=5"
           % (primary.port, standby.port))
    with Nodes(3, uri=uri) as nodes:
        la = client(nodes.servers[0], "logs")
        la.create_log_group(logGroupName=GROUP)
        la.create_log_stream(logGroupName=GROUP, logStreamName=STREAM)
        ts0 = int(time.time() * 1000) - 3600 * 1000

        # 1. Failover.
        stop = threading.Event()
        ps1 = load(nodes, stop, "f", ts0)
        try:
            outage("failover", nodes, ps1,
                   lambda: primary.stop("immediate"),
                   lambda: standby.run(pg_bin("pg_ctl"), "-D", standby.data,
                                       "-w", "-t", "60", "promote"))
        finally:
            finish("failover", stop, ps1)
        t.eq("the promoted standby is the primary", "f",
             standby.psql("SELECT pg_is_in_recovery()"))
        check_store("after the failover", nodes, ps1)

        # 2. The (new) primary stopped and started again under load.
        stop = threading.Event()
        ps2 = load(nodes, stop, "r", ts0 + 1000000)
        try:
            outage("restart", nodes, ps2, lambda: standby.stop("fast"),
                   lambda: standby.start())
        finally:
            finish("restart", stop, ps2)
        check_store("after the restart", nodes, ps1 + ps2)
finally:
    primary.stop("immediate")
    standby.stop("immediate")
    if t.fails:
        for c in (primary, standby):
            print("---- %s's log (tail)" % os.path.basename(c.dir))
            print(c.log_text()[-3000:])
    shutil.rmtree(parent, ignore_errors=True)
t.done()
