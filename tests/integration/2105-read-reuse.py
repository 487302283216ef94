#!/usr/bin/env python3
"""GetLogEvents keeps the chunks a page decoded for the pages that follow
(src/logs/read.c, issue 15). What it keeps must never stand in for other
data: a stream deleted and made again under the same names, with events of
the same timestamps and lengths (so that every field of the new chunk's
listing may equal the old one's, its id included when the store hands the
freed id out again), must read back its own events; and a chunk read
through the kept copy must still need its KMS key (disabled: denied)."""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T  # noqa: E402

t = T()


def msgs(r):
    return [e["message"] for e in r["events"]]


def get(logs, group):
    return logs.get_log_events(logGroupName=group, logStreamName="s",
                               startFromHead=True)


with Server() as srv:
    logs = srv.client("logs")
    kms = srv.client("kms")
    base = int(time.time() * 1000) - 3600 * 1000

    def fill(group, text):
        logs.put_log_events(logGroupName=group, logStreamName="s",
                            logEvents=[{"timestamp": base + i,
                                        "message": "%s-%d" % (text, i)}
                                       for i in range(5)])

    logs.create_log_group(logGroupName="g")
    for text in ("old", "new", "end"):
        logs.create_log_stream(logGroupName="g", logStreamName="s")
        fill("g", text)
        want = ["%s-%d" % (text, i) for i in range(5)]
        t.eq("stream made again (%s): its own events" % text, want,
             msgs(get(logs, "g")))
        t.eq("stream made again (%s): read twice, the same" % text, want,
             msgs(get(logs, "g")))
        logs.delete_log_stream(logGroupName="g", logStreamName="s")

    # Under a customer key: read (the chunk is kept), disable the key,
    # read again: denied, as without the reuse.
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.put_key_policy(KeyId=key, PolicyName="default", Policy=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow",
                       "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                       "Action": "kms:*", "Resource": "*"},
                      {"Effect": "Allow",
                       "Principal": {"Service": "logs.eu-west-2.amazonaws.com"},
                       "Action": ["kms:Encrypt*", "kms:Decrypt*",
                                  "kms:ReEncrypt*", "kms:GenerateDataKey*",
                                  "kms:Describe*"],
                       "Resource": "*"}]}))
    logs.create_log_group(logGroupName="enc", kmsKeyId=kms.describe_key(
        KeyId=key)["KeyMetadata"]["Arn"])
    logs.create_log_stream(logGroupName="enc", logStreamName="s")
    fill("enc", "secret")
    t.eq("encrypted: read", ["secret-%d" % i for i in range(5)],
         msgs(get(logs, "enc")))
    kms.disable_key(KeyId=key)
    t.error("encrypted, key disabled: the kept chunk is not handed out",
            "AccessDeniedException", get, logs, "enc")
    kms.enable_key(KeyId=key)
    t.eq("encrypted, key enabled again: read",
         ["secret-%d" % i for i in range(5)], msgs(get(logs, "enc")))

t.done()
