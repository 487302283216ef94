"""SigV4 through real clients and raw requests: missing, cut, expired,
future, wrong-service and wrong-key signatures get AWS's errors; what
botocore and the JavaScript SDK v3 sign is accepted; --credentials maps
keys to accounts and users."""
import datetime
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T, aws_type  # noqa: E402
import sigv4sign  # noqa: E402

t = T()
BODY = b"{}"
TARGET = "TrentService.ListKeys"


def headers(srv, **extra):
    h = {"Host": "127.0.0.1:%d" % srv.port,
         "Content-Type": "application/x-amz-json-1.1",
         "X-Amz-Target": TARGET}
    h.update(extra)
    return h


def send(srv, hdrs, body=BODY, conn=None):
    return srv.raw(body, headers=hdrs, sign=False, conn=conn)


def reached_service(status, body):
    """Authenticated: the answer comes from routing or the KMS service."""
    return status in (200, 501) and aws_type(body) in (None, "NotImplemented")


with Server() as srv:
    kms = srv.client("kms")
    # boto3 with the default credentials gets past authentication.
    try:
        kms.list_keys()
        t.ok("boto3 signs and is accepted", True)
    except Exception as e:  # NotImplemented until KMS lands
        t.ok("boto3 signs and is accepted", "NotImplemented" in str(e), e)

    t.error("wrong secret", "InvalidSignatureException",
            srv.client("kms", secret="nope").list_keys,
            msg="The request signature we calculated does not match the "
                "signature you provided. Check your AWS Secret Access Key "
                "and signing method. Consult the service documentation for "
                "details.")
    t.error("unknown access key", "UnrecognizedClientException",
            srv.client("logs", key="AKIDNOBODY").describe_log_groups,
            msg="The security token included in the request is invalid.")

    # No Authorization at all.
    st, h, body = send(srv, headers(srv))
    t.eq("no Authorization -> 400", 400, st)
    t.eq("no Authorization -> MissingAuthenticationToken",
         "MissingAuthenticationTokenException", aws_type(body))

    # A good signature from the independent signer (botocore's header set).
    good = sigv4sign.sign(BODY, headers(srv),
                          signed=["content-type", "host", "x-amz-date",
                                  "x-amz-target"])
    st, h, body = send(srv, good)
    t.ok("independent signer accepted", reached_service(st, body),
         (st, body))

    # What the JavaScript SDK v3 signs: nine headers.
    js = headers(srv, **{
        "Content-Length": str(len(BODY)),
        "x-amz-content-sha256":
            "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
        "amz-sdk-invocation-id": "6b1a2c8e-0000-4000-8000-000000000000",
        "amz-sdk-request": "attempt=1; max=3",
        "x-amz-user-agent": "aws-sdk-js/3.500.0",
    })
    js = sigv4sign.sign(BODY, js)
    st, h, body = send(srv, js)
    t.ok("JS SDK v3 header set accepted", reached_service(st, body),
         (st, body))

    # Expired (20 minutes ago) and not yet current (20 minutes ahead).
    now = datetime.datetime.now(datetime.timezone.utc)
    for name, delta, words in (("expired", -20, "Signature expired: "),
                               ("future", 20, "Signature not yet current: ")):
        hd = sigv4sign.sign(BODY, headers(srv),
                            when=now + datetime.timedelta(minutes=delta))
        st, h, body = send(srv, hd)
        msg = json.loads(body).get("message", "")
        t.eq(name + " -> InvalidSignatureException",
             "InvalidSignatureException", aws_type(body))
        t.ok(name + " message", msg.startswith(words), msg)
    # 14 minutes off is still fine.
    hd = sigv4sign.sign(BODY, headers(srv),
                        when=now - datetime.timedelta(minutes=14))
    st, h, body = send(srv, hd)
    t.ok("14 minutes old accepted", reached_service(st, body), (st, body))

    # Signed for logs, sent to KMS.
    hd = sigv4sign.sign(BODY, headers(srv), service="logs")
    st, h, body = send(srv, hd)
    t.eq("wrong service in scope", "InvalidSignatureException",
         aws_type(body))
    t.ok("wrong service message names kms",
         "'kms'" in json.loads(body).get("message", ""), body)

    # The body changed after signing.
    hd = sigv4sign.sign(BODY, headers(srv))
    st, h, body = send(srv, hd, body=b'{"Limit": 5}')
    t.eq("body tampered", "InvalidSignatureException", aws_type(body))

    # A signed header missing from the request.
    hd = sigv4sign.sign(BODY, headers(srv, **{"X-Extra": "1"}))
    del hd["X-Extra"]
    st, h, body = send(srv, hd)
    t.ok("signed header absent is refused", st == 400 and aws_type(body) in (
        "InvalidSignatureException", "IncompleteSignatureException"), body)

    # The Authorization header cut at every position: always a clean 4xx
    # JSON error on a connection that stays usable.
    import http.client
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
    full = good["Authorization"]
    bad = 0
    for i in range(len(full)):
        hd = dict(good)
        hd["Authorization"] = full[:i]
        st, h, body = send(srv, hd, conn=conn)
        if not (400 <= st < 500 and aws_type(body)):
            bad += 1
            print("cut at %d: %d %r" % (i, st, body))
    t.eq("Authorization cut at every position -> clean 4xx", 0, bad)
    st, h, body = send(srv, good, conn=conn)
    t.ok("connection still serves after %d errors" % len(full),
         reached_service(st, body), (st, body))
    conn.close()

# --credentials: two keys, two accounts, a user.
scratch = os.environ.get("TMPDIR", "/tmp")
cred_path = os.path.join(scratch, "lv-creds-%d.ini" % os.getpid())
with open(cred_path, "w") as f:
    f.write("[AKIAALICE]\nsecret_access_key = alice-secret\n"
            "account_id = 111122223333\nuser = alice\n\n"
            "[AKIAROOT2]\nsecret_access_key = root2-secret\n"
            "account_id = 444455556666\n")
try:
    with Server("--credentials", cred_path) as srv:
        try:
            srv.client("kms", key="AKIAALICE", secret="alice-secret") \
                .list_keys()
            t.ok("alice accepted", True)
        except Exception as e:
            t.ok("alice accepted", "NotImplemented" in str(e), e)
        t.error("the default test key is gone with --credentials",
                "UnrecognizedClientException", srv.client("kms").list_keys)
        t.error("alice with root2's secret", "InvalidSignatureException",
                srv.client("kms", key="AKIAALICE",
                           secret="root2-secret").list_keys)
        srv.stop()
        log = srv.read_log()
        t.ok("log names alice's ARN",
             "principal=arn:aws:iam::111122223333:user/alice" in log, log)
        srv.start()
finally:
    os.unlink(cred_path)

t.done()
