"""CloudTrail LookupEvents over the audit trail (issue 13, section 2),
through boto3, `aws cloudtrail lookup-events` and `logvault cloudtrail
lookup-events`: after KMS and Logs calls by an IAM user, every lookup
attribute (EventId, EventName, ReadOnly, Username, ResourceType,
ResourceName, EventSource, AccessKeyId) selects only records that carry it
and finds the user's; CloudTrailEvent is the record as a JSON string that
agrees with the Event's own members; StartTime/EndTime bound the answer;
pages of one event put together are the whole answer, newest first; AWS's
errors for two attributes, a reversed time range and a foreign NextToken;
another account sees none of these records.

The server runs with the trail on (serve --audit-trail); an empty trail
fails the test."""
import datetime
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T, write_creds  # noqa: E402

import botocore.exceptions  # noqa: E402

t = T()
ACCT = "111122223333"
OTHER = "444455556666"
REGION = "eu-west-2"
creds = write_creds({"alice": ("AKIAALICE0000001", ACCT, "alice"),
                     "other": ("AKIAOTHER0000001", OTHER, None)}, "lv-6201.")


def client(srv, who):
    key = {"alice": "AKIAALICE0000001", "other": "AKIAOTHER0000001"}[who]
    return srv.client("cloudtrail", key=key, secret=who + "-secret")


def lookup_all(ct, **kw):
    out = []
    for page in ct.get_paginator("lookup_events").paginate(**kw):
        out += page["Events"]
    return out


def attr(key, value):
    return {"LookupAttributes": [{"AttributeKey": key,
                                  "AttributeValue": value}]}


def cli_env(who):
    return dict(os.environ, AWS_ACCESS_KEY_ID={
        "alice": "AKIAALICE0000001", "other": "AKIAOTHER0000001"}[who],
        AWS_SECRET_ACCESS_KEY=who + "-secret", AWS_DEFAULT_REGION=REGION,
        AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null",
        AWS_MAX_ATTEMPTS="1", AWS_PAGER="")


def run(cmd, who="alice"):
    p = subprocess.run(cmd, env=cli_env(who), capture_output=True,
                       text=True, timeout=120)
    return p.returncode, p.stdout, p.stderr


try:
    # Pages and lookups in quick succession: without CloudTrail's two a
    # second (6203 tests that limit).
    with Server("--credentials", creds, "--audit-trail",
                "--lookup-events-rate", "0") as srv:
        kms = srv.client("kms", key="AKIAALICE0000001", secret="alice-secret")
        logs = srv.client("logs", key="AKIAALICE0000001",
                          secret="alice-secret")
        ct = client(srv, "alice")
        before = datetime.datetime.now(datetime.timezone.utc)
        key = kms.create_key(Description="6201")["KeyMetadata"]
        kms.encrypt(KeyId=key["KeyId"], Plaintext=b"secret 6201")
        kms.describe_key(KeyId=key["KeyId"])
        logs.create_log_group(logGroupName="/t/6201")
        after = datetime.datetime.now(datetime.timezone.utc)

        # Read-only calls are recorded asynchronously: wait for them (the
        # bound only ends the wait; what is checked does not depend on it).
        deadline = time.time() + 30
        events = []
        while time.time() < deadline:
            events = lookup_all(ct)
            names = {e["EventName"] for e in events}
            if {"CreateKey", "Encrypt", "DescribeKey",
                    "CreateLogGroup"} <= names:
                break
            time.sleep(0.2)
        # What needs no record: AWS's errors.
        t.error("two attributes", "InvalidLookupAttributesException",
                ct.lookup_events, LookupAttributes=[
                    {"AttributeKey": "EventName", "AttributeValue": "Encrypt"},
                    {"AttributeKey": "Username", "AttributeValue": "alice"}])
        t.error("EndTime before StartTime", "InvalidTimeRangeException",
                ct.lookup_events, StartTime=after,
                EndTime=before - datetime.timedelta(hours=1))
        t.error("a made-up token", "InvalidNextTokenException",
                ct.lookup_events, NextToken="bm90IGEgdG9rZW4=")
        t.error("MaxResults over 50", "InvalidParameterException",
                ct.lookup_events, MaxResults=51)
        t.ok("the trail is not empty", bool(events), events)
        names = [e["EventName"] for e in events]
        for n in ("CreateKey", "Encrypt", "DescribeKey", "CreateLogGroup"):
            t.ok("the trail has %s" % n, n in names, names)

        # Newest first, each once.
        times = [e["EventTime"] for e in events]
        t.eq("newest first", sorted(times, reverse=True), times)
        ids = [e["EventId"] for e in events]
        t.eq("each event once", len(set(ids)), len(ids))

        # The Event's members agree with the record it carries.
        for e in events:
            rec = json.loads(e["CloudTrailEvent"])
            t.eq("%s: eventID" % e["EventName"], e["EventId"], rec["eventID"])
            t.eq("%s: eventName" % e["EventName"], e["EventName"],
                 rec["eventName"])
            t.eq("%s: eventSource" % e["EventName"], e["EventSource"],
                 rec["eventSource"])
            t.eq("%s: recipientAccountId" % e["EventName"], ACCT,
                 rec.get("recipientAccountId"))
            t.eq("%s: readOnly" % e["EventName"], e["ReadOnly"],
                 "true" if rec["readOnly"] else "false")
            t.ok("%s: no plaintext in the record" % e["EventName"],
                 "secret 6201" not in e["CloudTrailEvent"])
        enc = next(e for e in events if e["EventName"] == "Encrypt")
        create = next(e for e in events if e["EventName"] == "CreateKey")
        group = next(e for e in events if e["EventName"] == "CreateLogGroup")
        t.ok("EventTime within the calls",
             before - datetime.timedelta(seconds=1) <= enc["EventTime"] <=
             after + datetime.timedelta(seconds=1), enc["EventTime"])

        # Every attribute: only records carrying it, and ours among them.
        def check(name, key_, value, want_id, pred):
            got = lookup_all(ct, **attr(key_, value))
            t.ok(name + ": finds its event",
                 want_id in [e["EventId"] for e in got],
                 [e["EventName"] for e in got])
            t.ok(name + ": only matching events", all(pred(e) for e in got),
                 [e["EventName"] for e in got if not pred(e)])
            return got

        got = check("EventId", "EventId", enc["EventId"], enc["EventId"],
                    lambda e: e["EventId"] == enc["EventId"])
        t.eq("EventId: one event", 1, len(got))
        check("EventName", "EventName", "CreateKey", create["EventId"],
              lambda e: e["EventName"] == "CreateKey")
        check("ReadOnly true", "ReadOnly", "true", enc["EventId"],
              lambda e: e["ReadOnly"] == "true")
        check("ReadOnly false", "ReadOnly", "false", create["EventId"],
              lambda e: e["ReadOnly"] == "false")
        check("Username", "Username", "alice", enc["EventId"],
              lambda e: e.get("Username") == "alice")
        check("ResourceType", "ResourceType", "AWS::KMS::Key",
              enc["EventId"],
              lambda e: any(r["ResourceType"] == "AWS::KMS::Key"
                            for r in e.get("Resources", [])))
        check("ResourceName", "ResourceName", key["Arn"], enc["EventId"],
              lambda e: any(r["ResourceName"] == key["Arn"]
                            for r in e.get("Resources", [])))
        check("EventSource", "EventSource", "logs.amazonaws.com",
              group["EventId"],
              lambda e: e["EventSource"] == "logs.amazonaws.com")
        check("AccessKeyId", "AccessKeyId", "AKIAALICE0000001",
              enc["EventId"],
              lambda e: e.get("AccessKeyId") == "AKIAALICE0000001")
        t.eq("no such user: nothing", [], lookup_all(
            ct, **attr("Username", "nobody")))

        # Time range.
        t.eq("after every event: nothing", [], lookup_all(
            ct, StartTime=after + datetime.timedelta(hours=1),
            EndTime=after + datetime.timedelta(hours=2)))
        # botocore sends whole seconds: the second of the Encrypt.
        sec = enc["EventTime"].replace(microsecond=0)
        nxt = sec + datetime.timedelta(seconds=1)
        got = lookup_all(ct, StartTime=sec, EndTime=nxt)
        t.ok("a one-second range holds its event",
             enc["EventId"] in [e["EventId"] for e in got])
        t.ok("a one-second range holds only that second",
             all(sec <= e["EventTime"] <= nxt for e in got))

        # Paging: pages of one, put together, are the whole answer.
        one = ct.lookup_events(MaxResults=1)
        t.eq("MaxResults 1: one event", 1, len(one["Events"]))
        t.ok("MaxResults 1: a NextToken", "NextToken" in one)
        # (The lookups themselves are recorded meanwhile: compare on the
        # events of the first answer.)
        paged = lookup_all(ct, PaginationConfig={"PageSize": 1})
        pids = [e["EventId"] for e in paged]
        t.eq("pages of one make the whole answer", ids,
             [i for i in pids if i in set(ids)])
        t.eq("pages of one: each event once", len(set(pids)), len(pids))
        t.eq("pages of one: newest first",
             sorted([e["EventTime"] for e in paged], reverse=True),
             [e["EventTime"] for e in paged])

        t.error("a token of another query", "InvalidNextTokenException",
                ct.lookup_events, NextToken=one["NextToken"],
                **attr("EventName", "Encrypt"))

        # Another account sees none of it, its token included.
        oct_ = client(srv, "other")
        theirs = [e["EventId"] for e in lookup_all(oct_)]
        t.ok("another account: none of these records",
             not set(theirs) & set(ids), theirs)
        t.eq("another account: not by EventId", [],
             lookup_all(oct_, **attr("EventId", enc["EventId"])))
        t.error("another account: the token", "InvalidNextTokenException",
                oct_.lookup_events, NextToken=one["NextToken"])

        # The AWS CLI and logvault's, alike.
        start = enc["EventTime"].strftime("%Y-%m-%dT%H:%M:%SZ")
        for name, cmd in (("aws", ["aws"]),
                          ("logvault", [os.environ["LOGVAULT_BIN"]])):
            rc, out, err = run(cmd + [
                "cloudtrail", "lookup-events", "--endpoint-url",
                srv.endpoint, "--output", "json",
                "--lookup-attributes",
                "AttributeKey=EventName,AttributeValue=Encrypt",
                "--start-time", start])
            t.eq("%s cloudtrail lookup-events: exit 0" % name, 0, rc)
            try:
                got = json.loads(out)["Events"]
            except (ValueError, KeyError):
                got = []
            t.ok("%s: finds the Encrypt" % name,
                 enc["EventId"] in [e["EventId"] for e in got], out + err)
            t.ok("%s: only Encrypt" % name,
                 got and all(e["EventName"] == "Encrypt" for e in got))
            rc, out, err = run(cmd + [
                "cloudtrail", "lookup-events", "--endpoint-url",
                srv.endpoint, "--lookup-attributes",
                "AttributeKey=EventName,AttributeValue=Encrypt",
                "AttributeKey=Username,AttributeValue=alice"])
            t.ok("%s: two attributes refused" % name,
                 rc != 0 and "InvalidLookupAttributesException" in err, err)
finally:
    os.unlink(creds)
t.done()
