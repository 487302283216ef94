"""X-Amz-Target and Host must be among the signed headers: a request
signed without its X-Amz-Target could be changed in flight (a signed
ListKeys replayed as CreateKey). Real clients sign it and keep working
(boto3 here; the AWS CLI in the 4xxx tests)."""
import http.client
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T, aws_type  # noqa: E402
import sigv4sign  # noqa: E402

t = T()
TARGET_MSG = ("'X-Amz-Target' must be a 'SignedHeader' in the AWS "
              "Authorization.")
HOST_MSG = ("'Host' or ':authority' must be a 'SignedHeader' in the AWS "
            "Authorization.")


def send(srv, headers, body):
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
    conn.request("POST", "/", body=body, headers=headers)
    r = conn.getresponse()
    data = r.read()
    conn.close()
    return r.status, data


def signed(srv, target, body, signed_names, service="kms"):
    base = {"Host": "127.0.0.1:%d" % srv.port,
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": target}
    return sigv4sign.sign(body, base, service=service, signed=signed_names)


with Server() as srv:
    kms = srv.client("kms")
    logs = srv.client("logs")

    # Real clients sign X-Amz-Target and are served.
    t.eq("boto3 kms ListKeys", [], kms.list_keys()["Keys"])
    logs.create_log_group(logGroupName="g1")
    t.eq("boto3 logs", ["g1"], [g["logGroupName"] for g in
                               logs.describe_log_groups()["logGroups"]])

    # The attack: sign ListKeys over host and date only, then swap the
    # target for CreateKey. Nothing may run.
    body = b"{}"
    h = signed(srv, "TrentService.ListKeys", body,
               ["content-type", "host", "x-amz-date"])
    h["X-Amz-Target"] = "TrentService.CreateKey"
    st, data = send(srv, h, body)
    t.eq("swapped target: status", 400, st)
    t.eq("swapped target: type", "InvalidSignatureException",
         aws_type(data))
    t.eq("swapped target: message", TARGET_MSG,
         json.loads(data or b"{}").get("message"))
    t.eq("swapped target: no key created", [], kms.list_keys()["Keys"])

    # Unsigned but not swapped is refused the same way.
    h = signed(srv, "TrentService.ListKeys", body,
               ["content-type", "host", "x-amz-date"])
    st, data = send(srv, h, body)
    t.eq("unsigned target: type", "InvalidSignatureException",
         aws_type(data))
    t.eq("unsigned target: message", TARGET_MSG,
         json.loads(data or b"{}").get("message"))

    # A Logs request alike (CreateLogGroup signed without its target, sent
    # as DeleteLogGroup).
    body = json.dumps({"logGroupName": "g1"}).encode()
    h = signed(srv, "Logs_20140328.CreateLogGroup", body,
               ["host", "x-amz-date"], service="logs")
    h["X-Amz-Target"] = "Logs_20140328.DeleteLogGroup"
    st, data = send(srv, h, body)
    t.eq("logs swapped target: type", "InvalidSignatureException",
         aws_type(data))
    t.eq("logs swapped target: group kept", ["g1"], [
        g["logGroupName"] for g in logs.describe_log_groups()["logGroups"]])

    # Host must be signed too.
    body = b"{}"
    h = signed(srv, "TrentService.ListKeys", body,
               ["content-type", "x-amz-date", "x-amz-target"])
    st, data = send(srv, h, body)
    t.eq("unsigned host: type", "InvalidSignatureException", aws_type(data))
    t.eq("unsigned host: message", HOST_MSG,
         json.loads(data or b"{}").get("message"))

    # Signed the way the SDKs sign: served.
    h = signed(srv, "TrentService.ListKeys", body,
               ["content-type", "host", "x-amz-date", "x-amz-target"])
    st, data = send(srv, h, body)
    t.eq("target signed: status", 200, st)
    t.eq("target signed: answer", [], json.loads(data).get("Keys"))

t.done()
