"""Hostile connections that send a full head and then trickle the body a
byte at a time, from several addresses (127.0.0.x), so that neither the
per-address cap nor the header timeout applies and libmicrohttpd's
inactivity timeout (restarted by every byte) never fires. They must not
hold the server's connections for ever: each is cut off once its body
falls behind the minimum rate (here: the 2 s header timeout, then 1 s per
500 bytes), and a signed request from another address is served again.
A body that arrives at a normal pace in several pieces is not cut off."""
import http.client
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T  # noqa: E402

import botocore.auth  # noqa: E402
import botocore.awsrequest  # noqa: E402
import botocore.credentials  # noqa: E402

t = T()
CAP, PER_ADDR = 16, 4


def raw_from(srv, source):
    """A signed ListKeys from the local address `source`: its status, or
    the exception that stopped it."""
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=5,
                                      source_address=(source, 0))
    try:
        st, _, _ = srv.raw("{}", target="TrentService.ListKeys", conn=conn)
    except (OSError, http.client.HTTPException) as e:
        st = e
    finally:
        conn.close()
    return st


def trickle_head(body_len):
    return (b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Target: "
            b"TrentService.ListKeys\r\nContent-Length: %d\r\n\r\n{"
            % body_len)


with Server("--max-connections", str(CAP), "--max-connections-per-ip",
            str(PER_ADDR), "--header-timeout", "2", "--timeout",
            "30") as srv:
    # More tricklers than the server holds, from five addresses: the cap
    # is filled with connections that are all busy reading a body.
    socks = []
    for a in range(2, 7):
        for _ in range(PER_ADDR):
            s = socket.create_connection(("127.0.0.1", srv.port),
                                         source_address=("127.0.0.%d" % a,
                                                         0))
            try:
                s.sendall(trickle_head(100000))
            except OSError:
                pass
            socks.append(s)
    time.sleep(0.5)
    t.ok("while they hold the cap, a new address is turned away",
         not isinstance(raw_from(srv, "127.0.0.9"), int),
         "the cap was not filled: the test proves nothing")

    # Trickle a byte every 0.5 s (well inside the 30 s inactivity
    # timeout) until the server has cut every one off, for at most 15 s.
    alive = set(range(len(socks)))
    start = time.monotonic()
    while alive and time.monotonic() - start < 15:
        for i in list(alive):
            try:
                socks[i].send(b" ")
                socks[i].setblocking(False)
                try:
                    if socks[i].recv(4096) == b"":
                        alive.discard(i)
                except BlockingIOError:
                    pass
                finally:
                    socks[i].setblocking(True)
            except OSError:
                alive.discard(i)
        time.sleep(0.5)
    t.eq("every trickled body cut off, though it kept sending", set(),
         alive)
    t.eq("then a new address is served", 200, raw_from(srv, "127.0.0.9"))
    for s in socks:
        s.close()

    # A body sent in pieces at a normal pace is taken whole.
    conn = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
    body = b"{" + b" " * 3000 + b"}"
    req = botocore.awsrequest.AWSRequest(
        method="POST", url=srv.endpoint + "/", data=body,
        headers={"X-Amz-Target": "TrentService.ListKeys"})
    botocore.auth.SigV4Auth(botocore.credentials.Credentials("test", "test"),
                            "kms", "eu-west-2").add_auth(req)
    head = b"POST / HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n" % srv.port
    for k, v in req.headers.items():
        head += ("%s: %s\r\n" % (k, v)).encode()
    head += b"Content-Length: %d\r\n\r\n" % len(body)
    conn.sendall(head)
    for off in range(0, len(body), 1000):
        conn.sendall(body[off:off + 1000])
        time.sleep(1)
    reply = b""
    while b"\r\n\r\n" not in reply:
        part = conn.recv(4096)
        if not part:
            break
        reply += part
    t.ok("a body sent in pieces over 4 s is answered",
         reply.startswith(b"HTTP/1.1 200"), reply[:80])
    conn.close()

t.done()
