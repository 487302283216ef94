#!/usr/bin/env python3
"""Issue 11 §1: a fault inside the store reaches the client as HTTP 503
ServiceUnavailableException and leaves nothing half-written.

The server (the sanitizer build, which alone honours LOGVAULT_STORE_FAULT;
src/store/fault/fault.h) runs with faults on the first call of chosen
store operations: the key insert of CreateKey, the tag insert of a
CreateKey with Tags (after its key insert succeeded, in the same
transaction), the policy update of PutKeyPolicy, the group insert of
CreateLogGroup, the commit of PutLogEvents, and the stream update of a
later PutLogEvents (after its chunk insert). Each faulted request must
answer 503, and every row of every table of the database must be as it was
before it; the same request sent again then succeeds on the same server,
and after a restart without faults everything acknowledged is there,
nothing else. The same on PostgreSQL: the rows of every table of the
test's database, read with psql."""
import json
import os
import sqlite3
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T, on_pg, pg_table_rows  # noqa: E402

import botocore.exceptions  # noqa: E402

t = T()
ACCOUNT = "123456789012"

FAULTS = ",".join([
    "kms.key_insert#1",             # CreateKey
    "kms.tag_set#1",                # CreateKey with Tags, after its insert
    "kms.key_set_policy#1",         # PutKeyPolicy
    "logs.group_insert#1",          # CreateLogGroup
    "commit/logs.chunk_insert#2",   # PutLogEvents: the group commit
    "logs.stream_note_append#3",    # PutLogEvents: after its chunk insert
])


def dump(srv):
    """Every row of every table, as sorted text."""
    if on_pg():
        return pg_table_rows(srv.store_uri)
    con = sqlite3.connect(os.path.join(srv.data_dir, "logvault.db"))
    try:
        out = []
        tables = [r[0] for r in con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'"
            " ORDER BY name")]
        for name in tables:
            rows = sorted(repr(r) for r in
                          con.execute('SELECT * FROM "%s"' % name))
            out.append((name, rows))
        return out
    finally:
        con.close()


def faulted(name, srv, fn, *args, **kw):
    """fn(*args, **kw) must fail with 503 ServiceUnavailableException and
    change no row of the database."""
    before = dump(srv)
    try:
        fn(*args, **kw)
        t.ok(name + ": fails", False, "it succeeded")
    except botocore.exceptions.ClientError as e:
        code = e.response["Error"]["Code"]
        status = e.response["ResponseMetadata"]["HTTPStatusCode"]
        t.eq(name + ": 503 ServiceUnavailableException",
             ("ServiceUnavailableException", 503), (code, status))
    after = dump(srv)
    changed = [b[0] for a, b in zip(before, after) if a != b]
    t.eq(name + ": no row changed", [], changed)


def policy(sid):
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Sid": sid, "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::%s:root" % ACCOUNT},
        "Action": "kms:*", "Resource": "*"}]})


def events(logs, group, stream):
    r = logs.get_log_events(logGroupName=group, logStreamName=stream,
                            startFromHead=True)
    return [e["message"] for e in r["events"]]


def stored_bytes(logs, group):
    r = logs.describe_log_groups(logGroupNamePrefix=group)
    return [g["storedBytes"] for g in r["logGroups"]
            if g["logGroupName"] == group][0]


now = int(time.time() * 1000)
with Server() as srv:
    kms = srv.client("kms")
    logs = srv.client("logs")
    k1 = kms.create_key(Policy=policy("first"))["KeyMetadata"]["KeyId"]
    logs.create_log_group(logGroupName="g1")
    logs.create_log_stream(logGroupName="g1", logStreamName="s1")
    logs.put_log_events(logGroupName="g1", logStreamName="s1",
                        logEvents=[{"timestamp": now, "message": "e1"}])

    srv.env = {"LOGVAULT_STORE_FAULT": FAULTS}
    srv.restart()
    t.ok("the server says faults are on",
         "fault injection on" in srv.read_log())
    kms = srv.client("kms")
    logs = srv.client("logs")
    keys = sorted(k["KeyId"] for k in kms.list_keys()["Keys"])
    t.eq("reads are not faulted", [k1], keys)
    # A first PutLogEvents after a start makes the group's data key for
    # this process (its own transaction, before the events' commit); the
    # faults below are on the second and third.
    logs.put_log_events(logGroupName="g1", logStreamName="s1",
                        logEvents=[{"timestamp": now + 1, "message": "e2"}])
    bytes1 = stored_bytes(logs, "g1")

    faulted("CreateKey", srv, kms.create_key)
    faulted("CreateKey with Tags", srv, kms.create_key,
            Tags=[{"TagKey": "a", "TagValue": "1"},
                  {"TagKey": "b", "TagValue": "2"}])
    t.eq("no key was added", [k1],
         sorted(k["KeyId"] for k in kms.list_keys()["Keys"]))
    faulted("PutKeyPolicy", srv, kms.put_key_policy, KeyId=k1,
            PolicyName="default", Policy=policy("second"))
    t.ok("the policy is the old one", "first" in kms.get_key_policy(
        KeyId=k1, PolicyName="default")["Policy"])
    faulted("CreateLogGroup", srv, logs.create_log_group,
            logGroupName="g2")
    faulted("PutLogEvents (commit)", srv, logs.put_log_events,
            logGroupName="g1", logStreamName="s1",
            logEvents=[{"timestamp": now + 1, "message": "lost-commit"}])
    faulted("PutLogEvents (stream update)", srv, logs.put_log_events,
            logGroupName="g1", logStreamName="s1",
            logEvents=[{"timestamp": now + 2, "message": "lost-update"}])
    t.eq("no event was added", ["e1", "e2"], events(logs, "g1", "s1"))
    t.eq("storedBytes unchanged", bytes1, stored_bytes(logs, "g1"))

    # The same requests again, on the same server: each fault was once.
    k2 = kms.create_key()["KeyMetadata"]["KeyId"]
    k3 = kms.create_key(Tags=[{"TagKey": "a", "TagValue": "1"}])[
        "KeyMetadata"]["KeyId"]
    kms.put_key_policy(KeyId=k1, PolicyName="default",
                       Policy=policy("second"))
    t.ok("the new policy holds", "second" in kms.get_key_policy(
        KeyId=k1, PolicyName="default")["Policy"])
    logs.create_log_group(logGroupName="g2")
    logs.put_log_events(logGroupName="g1", logStreamName="s1",
                        logEvents=[{"timestamp": now + 3, "message": "e3"}])
    t.eq("events after the faults", ["e1", "e2", "e3"],
         events(logs, "g1", "s1"))
    t.eq("injected faults in the log", 6,
         srv.read_log().count("store: injected fault"))

    srv.env = None
    srv.restart()
    t.ok("no faults without the variable",
         "fault injection on" not in srv.read_log())
    kms = srv.client("kms")
    logs = srv.client("logs")
    t.eq("keys after restart", sorted([k1, k2, k3]),
         sorted(k["KeyId"] for k in kms.list_keys()["Keys"]))
    t.eq("tags of the key made on the second try",
         [{"TagKey": "a", "TagValue": "1"}],
         kms.list_resource_tags(KeyId=k3)["Tags"])
    t.ok("policy after restart", "second" in kms.get_key_policy(
        KeyId=k1, PolicyName="default")["Policy"])
    t.eq("groups after restart", ["g1", "g2"],
         [g["logGroupName"]
          for g in logs.describe_log_groups()["logGroups"]])
    t.eq("events after restart", ["e1", "e2", "e3"], events(logs, "g1", "s1"))
    t.eq("storedBytes counts e3 only", bytes1 + len("e3") + 26,
         stored_bytes(logs, "g1"))

t.done()
