#!/usr/bin/env python3
"""GetLogEvents paging over chunks that later pages share (the kept
decoded chunks of src/logs/read.c, issue 15): what a page keeps for the
next must change nothing a client sees. Paging both ways over writers whose
batches overlap in time (20 chunks), by 7 events or all in one page,
returns every event once, in order; a stream
deleted and made again between two pages reads its own events; and a page
whose chunks are under a KMS key (the group's, or one the group had before
its key was disassociated) is refused once the key is disabled between
pages, and read again once it is enabled."""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T  # noqa: E402

t = T()

WRITERS = 4
PER_BATCH = 30
LIMIT = 7


def page_all(logs, group, forward, limit=LIMIT):
    """Every event of stream s, paging by `limit`, in the order a client
    that follows the tokens reads them (each page oldest first)."""
    kw = dict(logGroupName=group, logStreamName="s", limit=limit,
              startFromHead=forward)
    pages = []
    token = None
    for _ in range(1000):
        if token:
            kw["nextToken"] = token
        r = logs.get_log_events(**kw)
        nxt = r["nextForwardToken" if forward else "nextBackwardToken"]
        if not r["events"]:
            break
        pages.append([e["message"] for e in r["events"]])
        token = nxt
    if not forward:
        pages.reverse()
    return [m for p in pages for m in p], len(pages)


def fill(logs, group, base, text, rounds=5):
    """WRITERS batches per round whose timestamps interleave: each batch
    is a chunk of its own, and the chunks overlap in time."""
    want = []
    for r in range(rounds):
        for w in range(WRITERS):
            evs = [{"timestamp": base + (r * PER_BATCH + i) * 10 + w,
                    "message": "%s-%d-%d-%d" % (text, r, w, i)}
                   for i in range(PER_BATCH)]
            logs.put_log_events(logGroupName=group, logStreamName="s",
                                logEvents=evs)
            want += [(e["timestamp"], e["message"]) for e in evs]
    return [m for _, m in sorted(want)]


def policy():
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow",
                       "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                       "Action": "kms:*", "Resource": "*"},
                      {"Effect": "Allow",
                       "Principal": {"Service": "logs.eu-west-2.amazonaws.com"},
                       "Action": ["kms:Encrypt*", "kms:Decrypt*",
                                  "kms:ReEncrypt*", "kms:GenerateDataKey*",
                                  "kms:Describe*"],
                       "Resource": "*"}]})


with Server() as srv:
    logs = srv.client("logs")
    kms = srv.client("kms")
    base = int(time.time() * 1000) - 3600 * 1000

    # Paging both ways, by count and again by count after a re-read.
    logs.create_log_group(logGroupName="g")
    logs.create_log_stream(logGroupName="g", logStreamName="s")
    want = fill(logs, "g", base, "a")
    for forward in (True, False):
        for attempt in (1, 2):
            got, n = page_all(logs, "g", forward)
            t.eq("paging %s (%d): every event once, in order"
                 % ("forwards" if forward else "backwards", attempt),
                 want, got)
            t.ok("paging %s (%d): several pages"
                 % ("forwards" if forward else "backwards", attempt),
                 n >= len(want) // LIMIT, "%d pages" % n)

    # One page of everything: a walk over more chunks (20) than the store
    # lists in its first batch (src/store/sqlite/events.c), both ways.
    for forward in (True, False):
        got, n = page_all(logs, "g", forward, limit=10000)
        t.eq("one page %s: every event once, in order"
             % ("forwards" if forward else "backwards"), want, got)
        t.eq("one page %s: one page" % ("forwards" if forward else
                                        "backwards"), 1, n)

    # The stream is deleted and made again, with events of the same
    # timestamps and lengths, between the first page and the next (whose
    # chunks the first page kept).
    r = logs.get_log_events(logGroupName="g", logStreamName="s",
                            limit=LIMIT, startFromHead=True)
    t.eq("first page of the old stream", want[:LIMIT],
         [e["message"] for e in r["events"]])
    logs.delete_log_stream(logGroupName="g", logStreamName="s")
    logs.create_log_stream(logGroupName="g", logStreamName="s")
    want_b = fill(logs, "g", base, "b")
    got, _ = page_all(logs, "g", True)
    t.eq("stream made again: its own events, paging", want_b, got)

    # A group under a KMS key: a page, the key disabled, the next page is
    # refused; enabled again, the next page is read.
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    arn = kms.describe_key(KeyId=key)["KeyMetadata"]["Arn"]
    kms.put_key_policy(KeyId=key, PolicyName="default", Policy=policy())
    for case in ("kms", "had-kms"):
        group = "enc-" + case
        logs.create_log_group(logGroupName=group, kmsKeyId=arn)
        logs.create_log_stream(logGroupName=group, logStreamName="s")
        want_e = fill(logs, group, base, "secret")
        if case == "had-kms":
            # Its chunks stay under the key; later ones are not.
            logs.disassociate_kms_key(logGroupName=group)
            want_e += fill(logs, group, base + 10 ** 6, "later", rounds=1)
        kw = dict(logGroupName=group, logStreamName="s", limit=LIMIT,
                  startFromHead=True)
        r = logs.get_log_events(**kw)
        t.eq("%s: first page" % case, want_e[:LIMIT],
             [e["message"] for e in r["events"]])
        kms.disable_key(KeyId=key)
        kw["nextToken"] = r["nextForwardToken"]
        t.error("%s: key disabled between pages: the next page is refused"
                % case, "AccessDeniedException", logs.get_log_events, **kw)
        kms.enable_key(KeyId=key)
        r = logs.get_log_events(**kw)
        t.eq("%s: key enabled again: the next page" % case,
             want_e[LIMIT:2 * LIMIT], [e["message"] for e in r["events"]])
        got, _ = page_all(logs, group, True)
        t.eq("%s: paging: every event once, in order" % case, want_e, got)

t.done()
