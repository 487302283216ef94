#!/usr/bin/env python3
"""A 200 to PutLogEvents means durable: several threads put events while
the test SIGKILLs the server mid-load; after a restart every acknowledged
event is there, and (sqlite) the store passes PRAGMA integrity_check. On
PostgreSQL the same load, kill and restart on the test's database; the
integrity checks are SQLite's file's own (the kill does not touch the
PostgreSQL server) and are left out there."""
import os
import signal
import sqlite3
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T, on_pg  # noqa: E402

t = T()
THREADS = 6


def all_events(logs, group, stream):
    out = []
    token = None
    while True:
        args = dict(logGroupName=group, logStreamName=stream,
                    startFromHead=True)
        if token:
            args["nextToken"] = token
        r = logs.get_log_events(**args)
        out.extend(r["events"])
        if r["nextForwardToken"] == token:
            return out
        token = r["nextForwardToken"]


with Server() as srv:
    logs = srv.client("logs")
    logs.create_log_group(logGroupName="dur")
    for k in range(THREADS):
        logs.create_log_stream(logGroupName="dur", logStreamName="s%d" % k)
    logs.create_log_stream(logGroupName="dur", logStreamName="shared")
    acked = {k: [] for k in range(THREADS)}
    stop = threading.Event()
    base = int(time.time() * 1000) - 60000

    def worker(k):
        c = srv.client("logs")
        j = 0
        while not stop.is_set():
            msgs = ["t%d-r%d-e%d" % (k, j, e) for e in range(20)]
            stream = "shared" if j % 2 else "s%d" % k
            try:
                c.put_log_events(
                    logGroupName="dur", logStreamName=stream,
                    logEvents=[{"timestamp": base + j, "message": m}
                               for m in msgs])
            except Exception:  # noqa: BLE001 - the kill cuts requests
                return
            acked[k].append((stream, msgs))
            j += 1

    threads = [threading.Thread(target=worker, args=(k,))
               for k in range(THREADS)]
    for th in threads:
        th.start()
    time.sleep(2.5)
    srv.stop(signal.SIGKILL)
    stop.set()
    for th in threads:
        th.join()
    n_acked = sum(len(v) for v in acked.values())
    t.ok("load ran before the kill", n_acked > 10, "acked=%d" % n_acked)

    db = os.path.join(srv.data_dir, "logvault.db")

    def integrity(name):
        if on_pg():
            print("note: %s: SQLite's own check, not run on PostgreSQL" %
                  name)
            return
        con = sqlite3.connect(db)
        t.eq(name, [("ok",)],
             con.execute("PRAGMA integrity_check").fetchall())
        con.close()

    integrity("integrity after SIGKILL")

    srv.start()
    logs = srv.client("logs")
    stored = {}
    for name in ["s%d" % k for k in range(THREADS)] + ["shared"]:
        stored[name] = set(e["message"]
                           for e in all_events(logs, "dur", name))
    missing = [m for k in acked for (s, msgs) in acked[k] for m in msgs
               if m not in stored[s]]
    t.eq("every acknowledged event is there", [], missing[:10])
    # Writing goes on after the restart, on the same streams.
    r = logs.put_log_events(logGroupName="dur", logStreamName="shared",
                            logEvents=[{"timestamp": base + 999999,
                                        "message": "after restart"}])
    t.ok("put after restart", "nextSequenceToken" in r)
    got = logs.get_log_events(logGroupName="dur", logStreamName="shared",
                              limit=1)
    t.eq("read after restart", ["after restart"],
         [e["message"] for e in got["events"]])
    srv.stop()
    integrity("integrity after a clean stop")
    srv.start()

t.done()
