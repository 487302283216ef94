"""Conflicting message framing is refused with 400 before anything runs,
and the connection is closed: two Content-Length headers (different or
equal), Content-Length with Transfer-Encoding, Transfer-Encoding twice, or
a coding other than chunked. Behind a proxy that frames the request the
other way, the tail of such a request would be taken as a second request
nobody checked (request smuggling): each case below hides a signed
CreateKey in that tail, and no key may appear."""
import json
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T  # noqa: E402
import sigv4sign  # noqa: E402

t = T()


def head(port, target, body, extra=()):
    """A signed request head (as bytes) for `target` over `body`, with
    `extra` (name, value) headers added unsigned after signing, and no
    framing header of its own."""
    hdrs = sigv4sign.sign(body, {
        "Host": "127.0.0.1:%d" % port,
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": target})
    lines = ["POST / HTTP/1.1"] + ["%s: %s" % kv for kv in hdrs.items()]
    lines += ["%s: %s" % kv for kv in extra]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def smuggled(port):
    body = b'{"Description": "smuggled"}'
    return head(port, "TrentService.CreateKey", body,
                [("Content-Length", str(len(body)))]) + body


def exchange(port, raw, wait=15):
    """Sends raw bytes; returns (everything read until the server closed
    or `wait` passed, whether the server closed)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=wait)
    s.sendall(raw)
    data = b""
    closed = False
    deadline = time.time() + wait
    try:
        while time.time() < deadline:
            d = s.recv(65536)
            if not d:
                closed = True
                break
            data += d
    except (socket.timeout, ConnectionResetError):
        pass
    s.close()
    return data, closed


def answers(data):
    """The (status, __type) of each HTTP response in data."""
    out = []
    while data.startswith(b"HTTP/1.1 "):
        hdr, _, rest = data.partition(b"\r\n\r\n")
        status = int(hdr.split(b" ", 2)[1])
        n = 0
        for line in hdr.split(b"\r\n")[1:]:
            k, _, v = line.partition(b":")
            if k.strip().lower() == b"content-length":
                n = int(v)
        try:
            typ = json.loads(rest[:n]).get("__type")
        except ValueError:
            typ = None
        out.append((status, typ))
        data = rest[n:]
    return out


with Server() as srv:
    p = srv.port
    kms = srv.client("kms")
    tail = smuggled(p)
    chunked = b"2\r\n{}\r\n0\r\n\r\n"
    cases = [
        ("two different Content-Length",
         [("Content-Length", "2"), ("Content-Length", str(2 + len(tail)))],
         b"{}" + tail),
        ("two equal Content-Length",
         [("Content-Length", "2"), ("Content-Length", "2")], b"{}" + tail),
        ("Content-Length and Transfer-Encoding",
         [("Content-Length", str(len(chunked) + len(tail))),
          ("Transfer-Encoding", "chunked")], chunked + tail),
        ("Transfer-Encoding and Content-Length",
         [("Transfer-Encoding", "chunked"), ("Content-Length", "2")],
         chunked + tail),
        ("Transfer-Encoding twice",
         [("Transfer-Encoding", "chunked"), ("Transfer-Encoding", "chunked")],
         chunked + tail),
        ("Transfer-Encoding gzip, chunked",
         [("Transfer-Encoding", "gzip, chunked")], chunked + tail),
        ("Transfer-Encoding identity",
         [("Transfer-Encoding", "identity"), ("Content-Length", "2")],
         b"{}" + tail),
    ]
    for name, extra, body in cases:
        raw = head(p, "TrentService.ListKeys", b"{}", extra) + body
        data, closed = exchange(p, raw)
        got = answers(data)
        t.eq(name + ": one 400 SerializationException",
             [(400, "SerializationException")], got)
        t.ok(name + ": connection closed after it", closed, data[:200])
    t.eq("no smuggled CreateKey ran", [], kms.list_keys()["Keys"])

    # Framing done right still works: Content-Length, and chunked alone.
    data, _ = exchange(p, head(p, "TrentService.ListKeys", b"{}",
                               [("Content-Length", "2"),
                                ("Connection", "close")]) + b"{}")
    t.eq("one Content-Length served", [(200, None)], answers(data))
    data, _ = exchange(p, head(p, "TrentService.ListKeys", b"{}",
                               [("Transfer-Encoding", "chunked"),
                                ("Connection", "close")]) + chunked)
    t.eq("chunked alone served", [(200, None)], answers(data))

t.done()
