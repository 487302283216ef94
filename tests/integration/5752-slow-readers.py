"""Hostile connections that ask for a large answer (GetLogEvents, ~5 MB)
and then read it a few bytes at a time with a tiny receive window: each
read restarts libmicrohttpd's inactivity timeout, and a connection whose
answer is being sent is never shed to make room, so each would hold a
connection and the answer's memory for hours. The server must cut a
reader off once it falls behind the answer's minimum rate (the header
timeout, then 1 s per 16 KiB acknowledged), while a client that reads at
a normal pace gets the whole answer."""
import json
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T, logs_call  # noqa: E402

import botocore.auth  # noqa: E402
import botocore.awsrequest  # noqa: E402
import botocore.credentials  # noqa: E402

t = T()
READERS = 5


def signed_request(srv, target, body):
    req = botocore.awsrequest.AWSRequest(
        method="POST", url=srv.endpoint + "/", data=body,
        headers={"X-Amz-Target": target,
                 "Content-Type": "application/x-amz-json-1.1"})
    botocore.auth.SigV4Auth(botocore.credentials.Credentials("test", "test"),
                            "logs", "eu-west-2").add_auth(req)
    head = b"POST / HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n" % srv.port
    for k, v in req.headers.items():
        head += ("%s: %s\r\n" % (k, v)).encode()
    return head + b"Content-Length: %d\r\n\r\n" % len(body) + body


with Server("--header-timeout", "2", "--timeout", "30") as srv:
    logs_call(srv, "CreateLogGroup", {"logGroupName": "g"})
    logs_call(srv, "CreateLogStream", {"logGroupName": "g",
                                       "logStreamName": "s"})
    # Control characters are escaped six-fold: ~1 MB of events makes an
    # answer of ~5 MB, more than the kernel's socket buffers hold.
    st, out = logs_call(srv, "PutLogEvents", {
        "logGroupName": "g", "logStreamName": "s",
        "logEvents": [{"timestamp": int(time.time() * 1000),
                       "message": "\x01" * 100}] * 8000})
    t.eq("events stored", 200, st)
    body = json.dumps({"logGroupName": "g", "logStreamName": "s",
                       "startFromHead": True}).encode()
    req = signed_request(srv, "Logs_20140328.GetLogEvents", body)

    socks = []
    for _ in range(READERS):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)
        s.connect(("127.0.0.1", srv.port))
        s.sendall(req)
        socks.append(s)
    # Read 1,500 bytes a connection every second (well inside the 30 s
    # inactivity timeout) until the server cuts them all, for at most 20 s.
    alive = set(range(READERS))
    start = time.monotonic()
    while alive and time.monotonic() - start < 20:
        for i in list(alive):
            socks[i].settimeout(0.1)
            try:
                if socks[i].recv(1500) == b"":
                    alive.discard(i)
            except socket.timeout:
                pass
            except OSError:
                alive.discard(i)
        time.sleep(1)
    t.eq("every slow reader cut off, though it kept reading", set(), alive)
    for s in socks:
        s.close()

    # A client at a normal pace gets the same answer whole.
    events = srv.client("logs").get_log_events(
        logGroupName="g", logStreamName="s", startFromHead=True)["events"]
    t.eq("a normal reader gets every event", 8000, len(events))

t.done()
