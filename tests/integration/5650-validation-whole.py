#!/usr/bin/env python3
"""Validation messages quote the rejected value whole, as AWS does (issue 10
§8): a 513-character log group name shows all 513 characters, through boto3
and raw requests, on the ordinary path and on PutLogEvents' own decoder;
every entry of a message with several is whole; multibyte values are not
cut; the answer stays valid JSON."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T, logs_call  # noqa: E402

t = T()
SAT = " failed to satisfy constraint: "
LEN512 = "Member must have length less than or equal to 512"


def one(value, path, what):
    return ("1 validation error detected: Value '%s' at '%s'%s%s"
            % (value, path, SAT, what))


with Server() as srv:
    logs = srv.client("logs")
    kms = srv.client("kms")
    name = "a" * 513

    # boto3 does not check maximum lengths: the server answers.
    e = t.error("CreateLogGroup 513 chars", "InvalidParameterException",
                logs.create_log_group, logGroupName=name)
    if e:
        msg = e.response["Error"]["Message"]
        t.eq("message quotes all 513 characters",
             one(name, "logGroupName", LEN512), msg)

    st, body = logs_call(srv, "CreateLogGroup", {"logGroupName": name})
    t.eq("raw: status 400", 400, st)
    t.eq("raw: whole message", one(name, "logGroupName", LEN512),
         body.get("message"))

    # Two long values: both entries whole, in model member order.
    st, body = logs_call(srv, "CreateLogStream", {
        "logGroupName": "g" * 513, "logStreamName": "s" * 600})
    t.eq("two entries, both whole",
         "2 validation errors detected: Value '%s' at 'logGroupName'%s%s; "
         "Value '%s' at 'logStreamName'%s%s"
         % ("g" * 513, SAT, LEN512, "s" * 600, SAT, LEN512),
         body.get("message"))

    # PutLogEvents decodes its body itself; a name it cannot take goes the
    # ordinary way and gets the same whole message.
    st, body = logs_call(srv, "PutLogEvents", {
        "logGroupName": name, "logStreamName": "s",
        "logEvents": [{"timestamp": 1, "message": "m"}]})
    t.eq("PutLogEvents: whole message",
         one(name, "logGroupName", LEN512), body.get("message"))

    # KMS: 8193 two-byte characters (16,386 bytes) quoted whole, not cut
    # inside a character.
    desc = "\u00e9" * 8193
    e = t.error("CreateKey description 8193 chars", "ValidationException",
                kms.create_key, Description=desc)
    if e:
        t.eq("description quoted whole",
             one(desc, "description",
                 "Member must have length less than or equal to 8192"),
             e.response["Error"]["Message"])

    # A value with a character cut at the old 256-byte limit (255 ASCII
    # then a 3-byte character) and one JSON must escape.
    odd = "b" * 255 + "\u20ac" + '"\\' + "c" * 300
    st, _, raw = srv.raw(json.dumps({"logGroupName": odd}),
                         target="Logs_20140328.CreateLogGroup",
                         service="logs")
    try:
        body = json.loads(raw.decode("utf-8"))
    except ValueError as exc:
        body = {"error": repr(exc)}
    msg = body.get("message", "")
    t.ok("escaped value whole, valid UTF-8 JSON", odd in msg,
         "message of %d chars: %r" % (len(msg), msg[:120]))
t.done()
