#!/usr/bin/env python3
"""Writes tests/fuzz/corpus/fuzz_audit_body/: one batch body of each
format (src/store/audit_store.c documents them), as fuzz_audit_body takes
its input: a byte (the batch's records less one), then the body before
compression. Format 3's has a tail kept once (t = 0) and one with a
trace. The hashes are not a chain's: the decoder does not check them."""
import os

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus", "fuzz_audit_body")
EVENT = open(os.path.join(HERE, "corpus", "fuzz_audit_compact", "encrypt"),
             "rb").read()[1:]


def varint(v):
    out = b""
    while v >= 0x80:
        out += bytes([(v & 0x7f) | 0x80])
        v >>= 7
    return out + bytes([v])


def s(x):
    x = x.encode() if isinstance(x, str) else x
    return varint(len(x)) + x


def head(i):
    return (varint(1660171107123 + i) +
            s("d09fc7a8-8a1a-4e63-9e3d-1b1c2d3e4f5%d" % i) + s("req-%d" % i))


def tail(trace=False):
    t = (s("kms.amazonaws.com") + s("Encrypt") +
         bytes([1 | 2 | (4 if trace else 0)]) + s("alice") +
         s("AKIAEXAMPLE") + s("") + bytes([1]) + s("AWS::KMS::Key") +
         s("arn:aws:kms:us-west-2:111122223333:key/k") + s(EVENT))
    return t + (s('{"decision":"deny"}') if trace else b"")


h = bytes(range(32))
b3 = (b"lvab3" + h +
      head(0) + varint(len(tail()) + 1) + tail() + h +
      head(1) + b"\x00" + h +
      head(2) + varint(len(tail(True)) + 1) + tail(True) + h)
b2 = b"lvab2" + h + b"".join(head(i) + tail() + h for i in range(3))
b1 = b"lvab1" + b"".join(head(i) + tail() + h + h for i in range(3))
os.makedirs(OUT, exist_ok=True)
for name, body in (("format3", b3), ("format2", b2), ("format1", b1)):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(bytes([2]) + body)
