"""Error messages that echo request text stay valid UTF-8 JSON: header
values of invalid UTF-8 bytes and control characters, quoted back in the
SigV4 errors (X-Amz-Date, Authorization, Credential, the credential scope)
and in validation messages, come back as a body that a strict UTF-8 JSON
decoder takes, with U+FFFD where the bytes were not UTF-8."""
import json
import os
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T, logs_call  # noqa: E402

t = T()
BAD = b"\xff\xfe\x80\xc0\xaf\xed\xa0\x80"   # none of it is UTF-8
CTRL = b"\x01\x1f"


def exchange(port, head, body=b"{}"):
    """Sends one raw request (Connection: close) and returns (status, body
    bytes)."""
    s = socket.create_connection(("127.0.0.1", port), timeout=20)
    s.sendall(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n"
              b"Content-Type: application/x-amz-json-1.1\r\n"
              b"Connection: close\r\n" + head +
              b"Content-Length: %d\r\n\r\n" % len(body) + body)
    data = b""
    while True:
        d = s.recv(65536)
        if not d:
            break
        data += d
    s.close()
    headers, _, payload = data.partition(b"\r\n\r\n")
    status = int(headers.split(b" ", 2)[1]) if headers else 0
    return status, payload


def strict(name, status, payload, want_type, want_in_msg):
    """The body is strict UTF-8 and JSON, of the expected type, and its
    message shows the replacement character where the bad bytes were."""
    try:
        doc = json.loads(payload.decode("utf-8", "strict"))
    except (UnicodeDecodeError, ValueError) as e:
        t.ok(name + ": body is UTF-8 JSON", False, "%r: %r" % (e, payload))
        return
    t.ok(name + ": body is UTF-8 JSON", True)
    t.eq(name + ": status", 400, status)
    t.eq(name + ": type", want_type, doc.get("__type"))
    t.ok(name + ": message shows U+FFFD", want_in_msg in doc.get(
        "message", ""), doc)


AUTH = (b"Authorization: AWS4-HMAC-SHA256 Credential=test/20240101/"
        b"eu-west-2/kms/aws4_request, SignedHeaders=host;x-amz-date;"
        b"x-amz-target, Signature=" + b"0" * 64 + b"\r\n")
TARGET = b"X-Amz-Target: TrentService.ListKeys\r\n"

with Server() as srv:
    p = srv.port
    # X-Amz-Date of invalid UTF-8 and control characters: "Date must be in
    # ISO-8601 'basic format'. Got '...'".
    st, body = exchange(p, TARGET + AUTH + b"X-Amz-Date: 2024" + BAD +
                        CTRL + b"\r\n")
    strict("bad X-Amz-Date", st, body, "IncompleteSignatureException",
           "\ufffd")
    # A Date header likewise (the fallback when X-Amz-Date is absent).
    st, body = exchange(p, TARGET + AUTH.replace(b"x-amz-date", b"date") +
                        b"Date: Mon" + BAD + b"\r\n")
    strict("bad Date", st, body, "IncompleteSignatureException", "\ufffd")
    # The Authorization header quoted whole (a parameter without '=').
    st, body = exchange(p, TARGET + b"X-Amz-Date: 20240101T000000Z\r\n"
                        b"Authorization: AWS4-HMAC-SHA256 Cred" + BAD +
                        b"\r\n")
    strict("bad Authorization", st, body, "IncompleteSignatureException",
           "\ufffd")
    # Missing parameters: the header is quoted after "Authorization=".
    st, body = exchange(p, TARGET + b"X-Amz-Date: 20240101T000000Z\r\n"
                        b"Authorization: Bearer " + BAD + b"\r\n")
    strict("foreign Authorization", st, body,
           "IncompleteSignatureException", "\ufffd")
    # The algorithm named in "Unsupported AWS 'algorithm'".
    st, body = exchange(p, TARGET + b"X-Amz-Date: 20240101T000000Z\r\n"
                        b"Authorization: AWS4-X" + BAD + b" Credential=a,"
                        b" SignedHeaders=host, Signature=b\r\n")
    strict("bad algorithm", st, body, "IncompleteSignatureException",
           "\ufffd")
    # The Credential quoted when it is not five parts, and a bad scope:
    # these are checked after the date, so the date must be current.
    import datetime
    now = datetime.datetime.now(datetime.timezone.utc)
    amz = now.strftime("%Y%m%dT%H%M%SZ").encode()
    day = amz[:8]
    st, body = exchange(p, TARGET + b"X-Amz-Date: " + amz + b"\r\n" +
                        b"Authorization: AWS4-HMAC-SHA256 Credential=te" +
                        BAD + b"/x, SignedHeaders=host;x-amz-date;"
                        b"x-amz-target, Signature=00\r\n")
    strict("bad Credential", st, body, "IncompleteSignatureException",
           "\ufffd")
    st, body = exchange(p, TARGET + b"X-Amz-Date: " + amz + b"\r\n" +
                        b"Authorization: AWS4-HMAC-SHA256 Credential=test/" +
                        day + b"/eu" + BAD + b"/kms/aws4" + BAD +
                        b", SignedHeaders=host;x-amz-date;x-amz-target, "
                        b"Signature=00\r\n")
    strict("bad scope", st, body, "InvalidSignatureException", "\ufffd")

    # A validation message quoting a member: valid JSON carrying an
    # escaped lone surrogate is legal JSON text but not UTF-8 once decoded;
    # whatever the server makes of it, its answer must stay UTF-8 JSON.
    status, out = logs_call(srv, "CreateLogGroup",
                            {"logGroupName": "bad name\u00e9!"})
    t.eq("validation quoting non-ASCII: type", "InvalidParameterException",
         out.get("__type"))
    t.ok("validation quoting non-ASCII: name kept",
         "bad name\u00e9!" in out.get("message", ""), out)
    st, _, data = srv.raw(b'{"logGroupName": "x\\ud800y!"}',
                          target="Logs_20140328.CreateLogGroup",
                          service="logs")
    try:
        doc = json.loads(data.decode("utf-8", "strict"))
        t.ok("lone surrogate member: answered as UTF-8 JSON",
             st == 400 and "__type" in doc, (st, doc))
    except (UnicodeDecodeError, ValueError) as e:
        t.ok("lone surrogate member: answered as UTF-8 JSON", False,
             "%r: %r" % (e, data))

t.done()
