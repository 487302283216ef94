#!/usr/bin/env python3
"""Writes tests/fuzz/corpus/fuzz_audit_body/: one batch body of each
format (src/store/audit_store.c documents them), as fuzz_audit_body takes
its input: a byte (the batch's records less one), then the body before
compression. Format 4's has binary and text ids, a time going back, tails
kept once and one with a trace; format 3's a tail kept once (t = 0) and
one with a trace. The hashes are not a chain's: the decoder does not
check them."""
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


def head4(i, k, dt):
    """Format 4's head: k, the time's difference, then the ids (bit 1 and
    2 of k: 16 bytes each, else a str)."""
    z = (dt << 1) ^ (dt >> 63)
    return (bytes([k]) + varint(z) +
            (bytes(range(i, i + 16)) if k & 1 else s("ev-%d" % i)) +
            (bytes(range(16 - i, 32 - i)) if k & 2 else s("req-%d" % i)))


h = bytes(range(32))
b4 = (b"lvab4" + h +
      head4(0, 3, 1660171107123) + s(tail()) + h +
      head4(1, 3 | 4, -5) + h +
      head4(2, 1, 1000) + s(tail(True)) + h +
      head4(3, 2 | 4, 0) + h)
b3 = (b"lvab3" + h +
      head(0) + varint(len(tail()) + 1) + tail() + h +
      head(1) + b"\x00" + h +
      head(2) + varint(len(tail(True)) + 1) + tail(True) + h)
b2 = b"lvab2" + h + b"".join(head(i) + tail() + h for i in range(3))
b1 = b"lvab1" + b"".join(head(i) + tail() + h + h for i in range(3))
os.makedirs(OUT, exist_ok=True)
for name, body in (("format4", b4), ("format3", b3), ("format2", b2),
                   ("format1", b1)):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(bytes([3 if body is b4 else 2]) + body)
