"""The AWS JSON 1.1 front with raw HTTP: routing, the error envelope,
headers, malformed bodies, body limits, validation wording, keep-alive
after errors, and stalled clients."""
import http.client
import json
import os
import re
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T, aws_type  # noqa: E402

t = T()
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-"
                  r"[0-9a-f]{12}$")


def msg(body):
    return json.loads(body).get("message", "")



def get_health(srv):
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
    try:
        conn.request("GET", "/health")
        r = conn.getresponse()
        return r.status, json.loads(r.read())
    finally:
        conn.close()


# /health pings the store from the request's thread each time: a store
# that does not answer (the test build's fault wrapper failing the second
# ping) is 503 with reachable false, and the next request sees it back.
with Server(env={"LOGVAULT_STORE_FAULT": "ping#2"}) as srv:
    kind = os.environ.get("LV_STORE_KIND", "sqlite")
    st, h = get_health(srv)
    t.eq("health before the fault", (200, {"kind": kind, "reachable": True}),
         (st, h.get("store")))
    st, h = get_health(srv)
    t.eq("health with the store down",
         (503, "unavailable", {"kind": kind, "reachable": False}),
         (st, h.get("status"), h.get("store")))
    t.eq("health keeps its other fields", ["logs", "kms", "cloudtrail"],
         h.get("services"))
    st, h = get_health(srv)
    t.eq("health after the fault", (200, {"kind": kind, "reachable": True}),
         (st, h.get("store")))

with Server("--max-body", "1048576", "--timeout", "2") as srv:
    # Health, unauthenticated.
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
    conn.request("GET", "/health")
    r = conn.getresponse()
    health = json.loads(r.read())
    t.eq("health status", 200, r.status)
    t.eq("health services", ["logs", "kms", "cloudtrail"], health.get("services"))
    t.ok("health version", bool(health.get("version")), health)
    t.eq("health store", {"kind": os.environ.get("LV_STORE_KIND", "sqlite"),
                          "reachable": True}, health.get("store"))
    t.eq("health says ok", "ok", health.get("status"))
    conn.close()

    # Routing.
    st, h, body = srv.raw("{}", target=None)
    t.eq("no X-Amz-Target", "UnknownOperationException", aws_type(body))
    t.eq("no X-Amz-Target status", 400, st)
    for garbled in ("TrentService", "TrentService.", "Nope.ListKeys",
                    "TrentService.NoSuchOperation", ".ListKeys",
                    "Logs_20140328.ListKeys", "trentservice.ListKeys"):
        st, h, body = srv.raw("{}", target=garbled)
        t.eq("target %r" % garbled, "UnknownOperationException",
             aws_type(body))

    # The envelope and headers on an answer.
    st, h, body = srv.raw('{"KeySpec": "FOO"}',
                          target="TrentService.CreateKey")
    t.eq("envelope content type", "application/x-amz-json-1.1",
         h.get("content-type"))
    t.ok("x-amzn-RequestId is a UUID",
         bool(UUID.match(h.get("x-amzn-requestid", ""))), h)
    t.eq("KMS validation type", "ValidationException", aws_type(body))
    t.ok("KMS validation message", msg(body).startswith(
        "1 validation error detected: Value 'FOO' at 'keySpec' failed to "
        "satisfy constraint: Member must satisfy enum value set: ["),
        msg(body))

    # Logs validation, one and several errors, nested paths.
    st, h, body = srv.raw('{"logGroupName": "bad name!"}',
                          target="Logs_20140328.CreateLogGroup",
                          service="logs")
    t.eq("Logs validation type", "InvalidParameterException",
         aws_type(body))
    t.eq("Logs pattern message",
         "1 validation error detected: Value 'bad name!' at 'logGroupName' "
         "failed to satisfy constraint: Member must satisfy regular "
         "expression pattern: [\\.\\-_/#A-Za-z0-9]+", msg(body))
    st, h, body = srv.raw('{"logGroupName": "", "logStreamName": "a:b"}',
                          target="Logs_20140328.CreateLogStream",
                          service="logs")
    t.ok("several errors counted", msg(body).startswith(
        "3 validation errors detected: ") or msg(body).startswith(
        "2 validation errors detected: "), msg(body))
    st, h, body = srv.raw(
        '{"logGroupName": "g", "logStreamName": "s", "logEvents": '
        '[{"message": "x"}]}',
        target="Logs_20140328.PutLogEvents", service="logs")
    t.ok("nested path", "'logEvents.1.member.timestamp'" in msg(body),
         msg(body))
    st, h, body = srv.raw('{}', target="Logs_20140328.CreateLogGroup",
                          service="logs")
    t.eq("required member",
         "1 validation error detected: Value null at 'logGroupName' failed "
         "to satisfy constraint: Member must not be null", msg(body))

    # Malformed bodies: never a crash, always SerializationException.
    cases = {
        "not JSON": b"hello",
        "truncated": b'{"KeyId": "abc',
        "array": b"[1, 2]",
        "string": b'"x"',
        "invalid UTF-8": b'{"Description": "\xff\xfe"}',
        "deep nesting": b"[" * 100000 + b"]" * 100000,
        "deep object": b'{"a":' * 5000 + b"1" + b"}" * 5000,
        "wrong type": b'{"Limit": "ten"}',
        "wrong type bool": b'{"Limit": true}',
        "NUL byte": b'{"Limit": 1\x00}',
    }
    for name, raw in cases.items():
        st, h, body = srv.raw(raw, target="TrentService.ListKeys")
        t.ok("malformed body: " + name, st == 400 and aws_type(body) in (
            "SerializationException", "ValidationException"), (st, body))

    # Unknown members are ignored, as AWS does.
    st, h, body = srv.raw('{"NoSuchMember": 1, "Limit": 5}',
                          target="TrentService.ListKeys")
    t.ok("unknown member ignored", aws_type(body) in (None, "NotImplemented"),
         body)

    # An operation of the model with no handler: 501 NotImplemented naming
    # it. Every Logs and KMS operation has one now; CloudTrail's model is
    # served for LookupEvents only, so DescribeTrails is one without.
    ct = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101."
    st, h, body = srv.raw('{}', target=ct + "DescribeTrails",
                          service="cloudtrail")
    t.eq("NotImplemented status", 501, st)
    t.eq("NotImplemented type", "NotImplemented", aws_type(body))
    t.ok("NotImplemented names the operation",
         "DescribeTrails" in msg(body), body)

    # Keep-alive: one connection carries answers after 400, 501 and 413-free
    # requests; errors never close it.
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
    seen = []
    for target, body in (("TrentService.Nope", "{}"),
                         ("TrentService.UpdatePrimaryRegion",
                          '{"KeyId": "k"}'),
                         ("TrentService.ListKeys", "not json"),
                         ("TrentService.ListKeys", "{}")):
        st, h, b = srv.raw(body, target=target, conn=conn)
        seen.append(st)
        t.ok("keep-alive after %s" % target, h.get("connection", "")
             .lower() != "close", h)
    t.eq("statuses on one connection", 4, len(seen))
    conn.close()

    # A body over the limit: 413 before it is read whole.
    big = b'{"Description": "' + b"a" * (2 * 1024 * 1024) + b'"}'
    try:
        st, h, body = srv.raw(big, target="TrentService.CreateKey")
        t.eq("oversized body -> 413", 413, st)
    except (ConnectionError, BrokenPipeError) as e:
        # The server answered 413 and closed before the client finished
        # sending; http.client may see that as a broken pipe.
        t.ok("oversized body refused (connection closed)", True, e)
    # Announced size over the limit, nothing sent after the headers.
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
    s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: "
              b"application/x-amz-json-1.1\r\nX-Amz-Target: "
              b"TrentService.ListKeys\r\nContent-Length: 999999999\r\n\r\n")
    reply = s.recv(4096)
    t.ok("announced oversized body -> 413 at once",
         reply.startswith(b"HTTP/1.1 413"), reply[:80])
    s.close()
    # Chunked upload over the limit.
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
    s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: "
              b"application/x-amz-json-1.1\r\nX-Amz-Target: "
              b"TrentService.ListKeys\r\nTransfer-Encoding: chunked\r\n\r\n")
    chunk = b"a" * 65536
    try:
        for _ in range(40):
            s.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        s.sendall(b"0\r\n\r\n")
    except OSError:
        pass
    try:
        reply = s.recv(4096)
    except OSError:
        reply = b""
    t.ok("chunked oversized body -> 413 or closed",
         reply.startswith(b"HTTP/1.1 413") or reply == b"", reply[:80])
    s.close()

    # A client that sends headers and stalls is timed out (--timeout 2);
    # the server keeps serving others meanwhile.
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
    s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n")
    st, h, body = srv.raw("{}", target="TrentService.Nope")
    t.eq("others served while one stalls", "UnknownOperationException",
         aws_type(body))
    started = time.time()
    try:
        data = s.recv(4096)
    except socket.timeout:
        data = None
    t.ok("stalled client disconnected", data is not None and
         time.time() - started < 9, (data, time.time() - started))
    s.close()

    # Wrong method or path.
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
    conn.request("GET", "/")
    r = conn.getresponse()
    r.read()
    t.ok("GET / is refused", r.status >= 400, r.status)
    conn.close()

t.done()
