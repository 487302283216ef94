#!/usr/bin/env python3
"""Encryption at rest: messages carrying a unique random marker are
returned by GetLogEvents, while no file under the data dir contains the
marker in clear, base64, hex or UTF-16 — neither while the server runs
(WAL included) nor after it stops."""
import base64
import binascii
import os
import secrets
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T  # noqa: E402

t = T()


def forms(marker):
    b = marker.encode()
    out = {"clear": b, "utf-16-le": marker.encode("utf-16-le"),
           "utf-16-be": marker.encode("utf-16-be"),
           "hex": binascii.hexlify(b), "HEX": binascii.hexlify(b).upper()}
    # base64 of the marker at each of the three alignments, minus the
    # edge characters that depend on the neighbours.
    for shift in range(3):
        enc = base64.b64encode(b"\0" * shift + b)
        out["base64+%d" % shift] = enc[4:-4]
    return out


def scan(dir_, needles):
    found = []
    for root, _, files in os.walk(dir_):
        for f in files:
            path = os.path.join(root, f)
            try:
                with open(path, "rb") as fh:
                    data = fh.read()
            except OSError:
                continue
            for name, n in needles.items():
                if n in data:
                    found.append((path, name))
    return found


with Server() as srv:
    logs = srv.client("logs")
    marker = "MARK" + secrets.token_hex(12)
    needles = forms(marker)
    logs.create_log_group(logGroupName="rest")
    logs.create_log_stream(logGroupName="rest", logStreamName="s")
    now = int(time.time() * 1000)
    msgs = ["%s event %d %s" % (marker, i, "padding " * (i % 7))
            for i in range(500)]
    logs.put_log_events(logGroupName="rest", logStreamName="s",
                        logEvents=[{"timestamp": now - 1000 + i,
                                    "message": m}
                                   for i, m in enumerate(msgs)])
    logs.put_log_events(logGroupName="rest", logStreamName="s",
                        logEvents=[{"timestamp": now, "message": marker}])
    got = logs.get_log_events(logGroupName="rest", logStreamName="s",
                              startFromHead=True)
    t.eq("GetLogEvents returns the marker", msgs + [marker],
         [e["message"] for e in got["events"]])
    t.eq("no marker on disk while serving", [], scan(srv.data_dir, needles))
    srv.stop()
    t.eq("no marker on disk after stop", [], scan(srv.data_dir, needles))
    srv.start()
    logs = srv.client("logs")
    got = logs.get_log_events(logGroupName="rest", logStreamName="s",
                              limit=1)
    t.eq("still readable after restart", [marker],
         [e["message"] for e in got["events"]])

t.done()
