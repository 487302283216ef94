#!/usr/bin/env python3
"""Compare the AWS CLI's stdout (argv[1]) with logvault's (argv[2]).

JSON documents are compared structurally: every key of the AWS CLI's
object must be in logvault's, in the same relative order, with an equal
value; values that vary per call (UUIDs, ARNs and names holding them, ISO
times, epoch times, request ids, base64 blobs such as ciphertexts) need
only the same form. Keys only logvault prints are allowed (its model is
newer than the AWS CLI 2.9.19 model). Anything else must be equal
byte for byte. Exit 0 when they match, 1 with the differences printed.
"""
import json
import re
import sys

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-"
                  r"[0-9a-f]{12}")
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d:\d\d|Z)?$")
B64 = re.compile(r"^[A-Za-z0-9+/]{40,}={0,2}$")
VOLATILE_KEYS = re.compile(r"(Time|time|Date|Timestamp|timestamp|Token|"
                           r"token|Id$|sequence|Sequence)")


def form(s):
    s = UUID.sub("<uuid>", s)
    if ISO.match(s):
        return "<time>"
    if B64.match(s):
        return "<b64>"
    return s


def cmp(a, b, path, errs, key=""):
    if isinstance(a, dict):
        if not isinstance(b, dict):
            errs.append("%s: object vs %r" % (path, b))
            return
        keys_b = [k for k in b if k in a]
        if list(a) != keys_b:
            missing = [k for k in a if k not in b]
            if missing:
                errs.append("%s: logvault lacks %s" % (path, missing))
            else:
                errs.append("%s: key order %s vs %s" % (path, list(a),
                                                        keys_b))
        for k in a:
            if k in b:
                cmp(a[k], b[k], path + "." + k, errs, k)
    elif isinstance(a, list):
        if not isinstance(b, list) or len(a) != len(b):
            errs.append("%s: list %r vs %r" % (path, a, b))
            return
        for i, (x, y) in enumerate(zip(a, b)):
            cmp(x, y, "%s[%d]" % (path, i), errs, key)
    elif isinstance(a, str) and isinstance(b, str):
        if a != b and form(a) != form(b):
            errs.append("%s: %r vs %r" % (path, a, b))
    elif type(a) != type(b):
        errs.append("%s: %r vs %r" % (path, a, b))
    elif a != b and not VOLATILE_KEYS.search(key):
        errs.append("%s: %r vs %r" % (path, a, b))


def main():
    a = open(sys.argv[1]).read()
    b = open(sys.argv[2]).read()
    if a == b:
        return 0
    try:
        ja, jb = json.loads(a), json.loads(b)
    except ValueError:
        if form(a) == form(b):
            return 0
        print("output differs:\n--- aws\n%s--- logvault\n%s" % (a, b))
        return 1
    errs = []
    cmp(ja, jb, "", errs)
    for e in errs:
        print("  " + e)
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main())
