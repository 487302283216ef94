"""Condition keys of the requests the CloudWatch Logs service makes to KMS
as its service principal (logs.<region>.amazonaws.com), and the client
address a forwarded header may set.

AWS (IAM "AWS global condition context keys"): a service principal calling
directly has aws:PrincipalIsAWSService true, aws:PrincipalServiceName its
name, aws:ViaAWSService false, and no aws:CalledVia or kms:ViaService
(those are set only when a service forwards a caller's credentials). A
Deny on a key the server fills blocks AssociateKmsKey; an Allow
conditioned on it admits it; a different value does neither.

aws:SourceIp is the TCP peer: X-Forwarded-For is believed only from a
proxy named with serve --trusted-proxy (off by default), so a client
cannot write its way past a Deny on its address.
"""
import http.client
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T  # noqa: E402

import botocore.auth  # noqa: E402
import botocore.awsrequest  # noqa: E402
import botocore.credentials  # noqa: E402

t = T()
ACCOUNT = "123456789012"
REGION = "eu-west-2"
SERVICE = "logs.%s.amazonaws.com" % REGION
ROOT = {"Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::%s:root" % ACCOUNT},
        "Action": "kms:*", "Resource": "*"}
ACTIONS = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*",
           "kms:GenerateDataKey*", "kms:Describe*"]

# (key, operator, the value the Logs service's request carries, another)
CASES = [
    ("aws:PrincipalServiceName", "StringEquals", SERVICE,
     "logs.us-east-1.amazonaws.com"),
    ("aws:PrincipalIsAWSService", "Bool", "true", "false"),
    ("aws:PrincipalType", "StringEquals", "AWSService", "User"),
    ("aws:ViaAWSService", "Bool", "false", "true"),
    ("aws:SecureTransport", "Bool", "true", "false"),
    ("aws:RequestedRegion", "StringEquals", REGION, "us-east-1"),
    ("kms:EncryptionAlgorithm", "StringEquals", "SYMMETRIC_DEFAULT",
     "RSAES_OAEP_SHA_256"),
    ("kms:KeySpec", "StringEquals", "SYMMETRIC_DEFAULT", "RSA_2048"),
    ("aws:SourceAccount", "StringEquals", ACCOUNT, "444455556666"),
    # Absent keys: Null "true" holds for them, "false" does not.
    ("kms:ViaService", "Null", "true", "false"),
    ("aws:CalledVia", "Null", "true", "false"),
    ("aws:SourceIp", "Null", "true", "false"),
    ("aws:PrincipalArn", "Null", "true", "false"),
]


def logs_statement(effect="Allow", condition=None):
    s = {"Effect": effect, "Principal": {"Service": SERVICE},
         "Action": ACTIONS, "Resource": "*"}
    if condition:
        s["Condition"] = condition
    return s


def new_key(kms, *statements):
    return kms.create_key(Policy=json.dumps(
        {"Version": "2012-10-17", "Statement": [ROOT] + list(statements)})
    )["KeyMetadata"]["Arn"]


def associates(logs, group, key):
    try:
        logs.associate_kms_key(logGroupName=group, kmsKeyId=key)
        return True
    except logs.exceptions.ClientError as e:
        return e.response["Error"]["Code"]


with Server() as srv:
    logs = srv.client("logs")
    kms = srv.client("kms")
    n = 0
    for key, op, value, other in CASES:
        for effect, v, want in (("Deny", value, False), ("Deny", other, True),
                                ("Allow", value, True),
                                ("Allow", other, False)):
            n += 1
            group = "g%d" % n
            logs.create_log_group(logGroupName=group)
            cond = {op: {key: v}}
            if effect == "Deny":
                k = new_key(kms, logs_statement(),
                            {"Effect": "Deny", "Principal": "*",
                             "Action": ACTIONS, "Resource": "*",
                             "Condition": cond})
            else:
                k = new_key(kms, logs_statement(condition=cond))
            got = associates(logs, group, k)
            t.ok("logs: %s on %s %s %s: %s" % (
                effect, key, op, "the request's value" if v == value
                else "another value", "associates" if want else "refused"),
                (got is True) == want, "got %r" % (got,))
    # The data path too: events written under a key whose policy admits
    # the service only with the keys it fills.
    k = new_key(kms, logs_statement(condition={
        "Bool": {"aws:PrincipalIsAWSService": "true",
                 "aws:SecureTransport": "true"},
        "StringEquals": {"aws:PrincipalServiceName": SERVICE}}))
    logs.create_log_group(logGroupName="data", kmsKeyId=k)
    logs.create_log_stream(logGroupName="data", logStreamName="s")
    logs.put_log_events(logGroupName="data", logStreamName="s",
                        logEvents=[{"timestamp": int(time.time() * 1000),
                                    "message": "hello"}])
    got = logs.get_log_events(logGroupName="data", logStreamName="s",
                              startFromHead=True)["events"]
    t.eq("logs: events written and read under the conditioned key",
         ["hello"], [e["message"] for e in got])


def forwarded(client, addr):
    """Makes every request of client carry X-Forwarded-For: addr."""
    def add(request, **kw):
        request.headers["X-Forwarded-For"] = addr
    client.meta.events.register("before-sign.kms.*", add)
    return client


def encrypts(kms, key):
    try:
        kms.encrypt(KeyId=key, Plaintext=b"x")
        return True
    except kms.exceptions.ClientError as e:
        return e.response["Error"]["Code"]


def deny_from(kms, cidr):
    return new_key(kms, {"Effect": "Deny", "Principal": "*",
                         "Action": "kms:Encrypt", "Resource": "*",
                         "Condition": {"IpAddress": {"aws:SourceIp": cidr}}})


def two_forwarded_lines(srv, key, first, last):
    """A signed Encrypt carrying two X-Forwarded-For lines (unsigned, as a
    proxy adds them): first, then last. Returns the HTTP status."""
    body = json.dumps({"KeyId": key, "Plaintext": "eA=="}).encode()
    req = botocore.awsrequest.AWSRequest(
        method="POST", url=srv.endpoint + "/", data=body,
        headers={"Content-Type": "application/x-amz-json-1.1",
                 "X-Amz-Target": "TrentService.Encrypt"})
    botocore.auth.SigV4Auth(botocore.credentials.Credentials("test", "test"),
                            "kms", REGION).add_auth(req)
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
    conn.putrequest("POST", "/", skip_accept_encoding=True)
    for name, value in req.headers.items():
        conn.putheader(name, value)
    conn.putheader("X-Forwarded-For", first)
    conn.putheader("X-Forwarded-For", last)
    conn.putheader("Content-Length", str(len(body)))
    conn.endheaders(body)
    status = conn.getresponse().status
    conn.close()
    return status


# Without --trusted-proxy a forwarded address is the client's own claim.
with Server() as srv:
    kms = srv.client("kms")
    spoof = forwarded(srv.client("kms"), "192.0.2.7")
    k = deny_from(kms, "127.0.0.1/32")
    t.eq("no proxy trusted: a Deny on the peer address holds",
         "AccessDeniedException", encrypts(kms, k))
    t.eq("no proxy trusted: X-Forwarded-For does not get past it",
         "AccessDeniedException", encrypts(spoof, k))
    k = deny_from(kms, "192.0.2.0/24")
    t.eq("no proxy trusted: X-Forwarded-For is not the source address",
         True, encrypts(spoof, k))

# With the peer a trusted proxy, its forwarded address is the client's.
with Server("--trusted-proxy", "127.0.0.1") as srv:
    kms = srv.client("kms")
    via = forwarded(srv.client("kms"), "10.1.1.1, 192.0.2.7")
    k = deny_from(kms, "192.0.2.0/24")
    t.eq("trusted proxy: the forwarded address is denied",
         "AccessDeniedException", encrypts(via, k))
    t.eq("trusted proxy: without the header the peer counts", True,
         encrypts(kms, k))
    k = deny_from(kms, "10.1.1.0/24")
    t.eq("trusted proxy: only the address the proxy appended counts", True,
         encrypts(via, k))
    # A client's own X-Forwarded-For line comes before the proxy's.
    k = deny_from(kms, "192.0.2.0/24")
    t.eq("trusted proxy: the last X-Forwarded-For line counts", 200,
         two_forwarded_lines(srv, k, "192.0.2.7", "10.1.1.1"))
    t.eq("trusted proxy: the last line denied", 400,
         two_forwarded_lines(srv, k, "10.1.1.1", "192.0.2.9"))

# A --trusted-proxy that is not a list of addresses stops the server.
bad = Server("--trusted-proxy", "proxy.example")
try:
    bad.start()
    bad.stop()
    t.ok("a bad --trusted-proxy is refused", False, "the server started")
except RuntimeError as e:
    t.ok("a bad --trusted-proxy is refused", "--trusted-proxy" in str(e),
         str(e)[-300:])
t.done()
