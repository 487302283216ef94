#!/usr/bin/env python3
"""StartLiveTail through boto3: a session sees the events put after it
started (not those before), filtered by a pattern, on the streams named or
with the prefixes given; errors before the stream are JSON errors; at most
15 sessions per account, and sessions waiting do not keep other requests
from being served; an encrypted group's events arrive decrypted and
disabling its key ends the session with SessionStreamingException; a
burst of more than 500 matching events in one second arrives sampled, 500
of them.

boto3 sends StartLiveTail to host "stream-" + the endpoint's host (the
model's hostPrefix); against a local endpoint that host does not resolve,
so the client is made with inject_host_prefix=False, as LocalStack's
users do."""
import atexit
import http.client
import json
import os
import shutil
import struct
import sys
import tempfile
import time
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T  # noqa: E402

import boto3  # noqa: E402
import botocore.auth  # noqa: E402
import botocore.awsrequest  # noqa: E402
import botocore.config  # noqa: E402
import botocore.credentials  # noqa: E402
import botocore.eventstream  # noqa: E402
import botocore.exceptions  # noqa: E402
import botocore.session  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
t = T()
ACCOUNT = "123456789012"
REGION = "eu-west-2"
# Updates come about once a second; a session is read for at most this
# many of them while waiting for something (a bound on the wait, not a
# check of timing).
MAX_UPDATES = 30


def model_dir():
    """A botocore data directory holding the Logs model this server
    implements (data/aws-models), so that a botocore older than
    StartLiveTail (Debian's) still has the operation."""
    d = tempfile.mkdtemp(prefix="lv-2501-model.")
    atexit.register(shutil.rmtree, d, True)
    os.makedirs(os.path.join(d, "logs", "2014-03-28"))
    shutil.copy(os.path.join(ROOT, "data", "aws-models", "logs",
                             "service-2.json"),
                os.path.join(d, "logs", "2014-03-28", "service-2.json"))
    return d


def tail_client(srv):
    bs = botocore.session.get_session()
    bs.get_component("data_loader").search_paths.insert(0, model_dir())
    return boto3.session.Session(botocore_session=bs).client(
        "logs", region_name=REGION, endpoint_url=srv.endpoint,
        aws_access_key_id="test", aws_secret_access_key="test",
        config=botocore.config.Config(retries={"max_attempts": 0},
                                      inject_host_prefix=False,
                                      max_pool_connections=32,
                                      read_timeout=30))


def start(lt, **kw):
    """Starts a session; returns (sessionStart, the event iterator, the
    stream). A session closed by the client is let go by the server when
    it next writes to it (within a second or so): while earlier sessions
    still count against the limit of 15, this waits for them."""
    for i in range(MAX_UPDATES):
        try:
            r = lt.start_live_tail(**kw)
            break
        except botocore.exceptions.ClientError as e:
            if (e.response["Error"]["Code"] != "LimitExceededException" or
                    i == MAX_UPDATES - 1):
                raise
            time.sleep(0.5)
    stream = r["responseStream"]
    it = iter(stream)
    first = next(it)
    return first.get("sessionStart"), it, stream


def collect(it, want):
    """Reads updates until `want` results have come (or MAX_UPDATES
    updates); returns (results, updates)."""
    results, updates = [], []
    for _ in range(MAX_UPDATES):
        ev = next(it)
        upd = ev.get("sessionUpdate")
        if upd is None:
            continue
        updates.append(upd)
        results.extend(upd.get("sessionResults", []))
        if len(results) >= want:
            break
    return results, updates


def put(logs, group, stream, msgs):
    now = int(time.time() * 1000)
    logs.put_log_events(logGroupName=group, logStreamName=stream,
                        logEvents=[{"timestamp": now, "message": m}
                                   for m in msgs])


def key_policy():
    st = [{"Effect": "Allow",
           "Principal": {"AWS": "arn:aws:iam::%s:root" % ACCOUNT},
           "Action": "kms:*", "Resource": "*"},
          {"Effect": "Allow",
           "Principal": {"Service": "logs.%s.amazonaws.com" % REGION},
           "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*",
                      "kms:GenerateDataKey*", "kms:Describe*"],
           "Resource": "*"}]
    return json.dumps({"Version": "2012-10-17", "Statement": st})


with Server() as srv:
    logs = srv.client("logs")
    lt = tail_client(srv)
    logs.create_log_group(logGroupName="app")
    for s in ("web-1", "web-2", "db-1"):
        logs.create_log_stream(logGroupName="app", logStreamName=s)
    arn = "arn:aws:logs:%s:%s:log-group:app" % (REGION, ACCOUNT)

    # -- events after the start, filtered --------------------------------
    put(logs, "app", "web-1", ["ERROR before the session"])
    ss, it, stream = start(lt, logGroupIdentifiers=[arn],
                           logEventFilterPattern="ERROR")
    t.eq("sessionStart names the group as given", [arn],
         ss["logGroupIdentifiers"])
    t.eq("sessionStart echoes the pattern", "ERROR",
         ss["logEventFilterPattern"])
    t.ok("sessionStart has ids", ss.get("requestId") and ss.get("sessionId"))
    put(logs, "app", "web-1", ["ERROR one", "INFO skipped"])
    put(logs, "app", "db-1", ["ERROR two"])
    got, upds = collect(it, 2)
    t.eq("only matching events put after the start",
         ["ERROR one", "ERROR two"], sorted(r["message"] for r in got))
    t.ok("each result names its stream and group",
         all(r["logGroupIdentifier"] == arn and
             r["logStreamName"] in ("web-1", "db-1") and
             r["timestamp"] > 0 and r["ingestionTime"] > 0 for r in got),
         repr(got))
    t.ok("updates are not sampled",
         all(u["sessionMetadata"]["sampled"] is False for u in upds))
    # a quiet second still brings an (empty) update
    ev = next(it)
    t.eq("an empty update while nothing is ingested", [],
         ev["sessionUpdate"]["sessionResults"])
    stream.close()

    # -- the bytes on the wire ------------------------------------------
    # Signed for the host botocore uses against AWS (hostPrefix "stream-")
    # and sent here, read raw: botocore's own decoder takes the messages
    # (it checks both CRCs), and zlib's CRC32 agrees with each.
    body = json.dumps({"logGroupIdentifiers": ["app"]}).encode()
    req = botocore.awsrequest.AWSRequest(
        method="POST", url="https://stream-logs.%s.amazonaws.com/" % REGION,
        data=body, headers={
            "Content-Type": "application/x-amz-json-1.1",
            "X-Amz-Target": "Logs_20140328.StartLiveTail"})
    botocore.auth.SigV4Auth(botocore.credentials.Credentials("test", "test"),
                            "logs", REGION).add_auth(req)
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
    hdrs = dict(req.headers.items())
    hdrs["Host"] = "stream-logs.%s.amazonaws.com" % REGION
    conn.request("POST", "/", body=body, headers=hdrs)
    resp = conn.getresponse()
    t.eq("signed for stream-logs.<region>.amazonaws.com: 200", 200,
         resp.status)
    t.eq("content type", "application/vnd.amazon.eventstream",
         resp.getheader("Content-Type"))
    buf = botocore.eventstream.EventStreamBuffer()
    msgs = []
    raw = b""
    while len(msgs) < 3:
        chunk = resp.read1(65536)
        if not chunk:
            break
        raw += chunk
        buf.add_data(chunk)
        msgs.extend(buf)
    conn.close()
    t.eq("initial-response, sessionStart, sessionUpdate",
         ["initial-response", "sessionStart", "sessionUpdate"],
         [m.headers.get(":event-type") for m in msgs[:3]])
    t.ok("every message an event of JSON",
         all(m.headers.get(":message-type") == "event" and
             json.loads(m.payload) is not None for m in msgs[:3]))
    off, crcs_ok = 0, True
    for _ in range(3):
        total, hlen = struct.unpack(">II", raw[off:off + 8])
        crcs_ok &= (struct.unpack(">I", raw[off + 8:off + 12])[0] ==
                    zlib.crc32(raw[off:off + 8]))
        crcs_ok &= (struct.unpack(">I", raw[off + total - 4:off + total])[0]
                    == zlib.crc32(raw[off:off + total - 4]))
        off += total
    t.ok("zlib's CRC32 of each prelude and message", crcs_ok)

    # -- stream names and prefixes ---------------------------------------
    ss, it, stream = start(lt, logGroupIdentifiers=["app"],
                           logStreamNames=["web-2"])
    t.eq("sessionStart lists the stream names", ["web-2"],
         ss["logStreamNames"])
    put(logs, "app", "web-1", ["not this"])
    put(logs, "app", "web-2", ["this one"])
    got, _ = collect(it, 1)
    t.eq("only the named stream", ["this one"], [r["message"] for r in got])
    stream.close()
    ss, it, stream = start(lt, logGroupIdentifiers=["app"],
                           logStreamNamePrefixes=["web-"])
    put(logs, "app", "db-1", ["not db"])
    put(logs, "app", "web-1", ["web a"])
    put(logs, "app", "web-2", ["web b"])
    got, _ = collect(it, 2)
    t.eq("only streams with the prefix", ["web a", "web b"],
         sorted(r["message"] for r in got))
    stream.close()

    # -- a data protection policy masks what the session shows -----------
    # (and the filter pattern matches the masked text, as FilterLogEvents
    # does: a pattern must not find what the caller may not see)
    logs.create_log_group(logGroupName="dp")
    logs.create_log_stream(logGroupName="dp", logStreamName="s")
    email = ["arn:aws:dataprotection::aws:data-identifier/EmailAddress"]
    logs.put_data_protection_policy(
        logGroupIdentifier="dp", policyDocument=json.dumps({
            "Name": "p", "Version": "2021-06-01", "Statement": [
                {"Sid": "audit", "DataIdentifier": email,
                 "Operation": {"Audit": {"FindingsDestination": {}}}},
                {"Sid": "redact", "DataIdentifier": email,
                 "Operation": {"Deidentify": {"MaskConfig": {}}}}]}))
    ss, it, stream = start(lt, logGroupIdentifiers=["dp"])
    put(logs, "dp", "s", ["mail to alice@example.com sent"])
    got, _ = collect(it, 1)
    t.ok("the email is masked in the session",
         len(got) == 1 and "alice@example.com" not in got[0]["message"] and
         got[0]["message"].startswith("mail to ") and
         "*" in got[0]["message"], repr(got))
    stream.close()
    ss, it, stream = start(lt, logGroupIdentifiers=["dp"],
                           logEventFilterPattern='"alice"')
    put(logs, "dp", "s", ["mail to alice@example.com again",
                          "alice without an address"])
    got, _ = collect(it, 1)
    t.eq("a pattern matches the masked text only",
         ["alice without an address"], [r["message"] for r in got])
    stream.close()

    # -- errors before the stream ----------------------------------------
    t.error("unknown group", "ResourceNotFoundException",
            lt.start_live_tail, logGroupIdentifiers=["nope"])
    t.error("names and prefixes", "InvalidParameterException",
            lt.start_live_tail, logGroupIdentifiers=["app"],
            logStreamNames=["a"], logStreamNamePrefixes=["b"])
    logs.create_log_group(logGroupName="other")
    t.error("names with two groups", "InvalidParameterException",
            lt.start_live_tail, logGroupIdentifiers=["app", "other"],
            logStreamNames=["a"])
    t.error("an ARN ending in *", "InvalidParameterException",
            lt.start_live_tail, logGroupIdentifiers=[arn + ":*"])
    t.error("a bad filter pattern", "InvalidParameterException",
            lt.start_live_tail, logGroupIdentifiers=["app"],
            logEventFilterPattern='{ $.x = ')
    t.error("eleven groups", "InvalidParameterException",
            lt.start_live_tail, logGroupIdentifiers=["app"] * 11)

    # -- the concurrency limit --------------------------------------------
    held = []
    for i in range(15):
        held.append(start(lt, logGroupIdentifiers=["app"]))
    t.error("a 16th session", "LimitExceededException",
            lt.start_live_tail, logGroupIdentifiers=["app"])
    # 15 waiting sessions outnumber the server's worker threads: other
    # requests are still served
    t.eq("requests served while sessions wait", "app",
         logs.describe_log_groups(logGroupNamePrefix="app")
         ["logGroups"][0]["logGroupName"])
    put(logs, "app", "web-1", ["to every session"])
    seen = [collect(h[1], 1)[0] for h in held]
    t.ok("every session gets the event",
         all([r["message"] for r in s] == ["to every session"]
             for s in seen), repr(seen))
    held.pop()[2].close()
    held.append(start(lt, logGroupIdentifiers=["app"]))
    t.ok("a closed session frees its place", len(held) == 15)
    for h in held:
        h[2].close()

    # -- sampling ------------------------------------------------------------
    # one PutLogEvents of 1,200 events commits at once, so one poll sees
    # them all: more than 500 in that second
    ss, it, stream = start(lt, logGroupIdentifiers=["app"],
                           logStreamNames=["web-1"])
    burst = ["burst %04d" % i for i in range(1200)]
    put(logs, "app", "web-1", burst)
    got, upds = collect(it, 1)
    upd = [u for u in upds if u["sessionResults"]][0]
    msgs = [r["message"] for r in upd["sessionResults"]]
    t.ok("the burst's update is sampled", upd["sessionMetadata"]["sampled"])
    t.eq("500 events in it", 500, len(msgs))
    t.ok("a sample of the burst, each once",
         len(set(msgs)) == 500 and set(msgs) <= set(burst))
    stream.close()

    # -- an encrypted group ---------------------------------------------
    kms = srv.client("kms")
    key = kms.create_key(Description="tail key")["KeyMetadata"]["Arn"]
    kms.put_key_policy(KeyId=key, PolicyName="default", Policy=key_policy())
    logs.create_log_group(logGroupName="enc", kmsKeyId=key)
    logs.create_log_stream(logGroupName="enc", logStreamName="s")
    ss, it, stream = start(lt, logGroupIdentifiers=["enc"])
    put(logs, "enc", "s", ["secret but readable"])
    got, _ = collect(it, 1)
    t.eq("an encrypted group's event, decrypted", ["secret but readable"],
         [r["message"] for r in got])
    kms.disable_key(KeyId=key)
    err = None
    try:
        for _ in range(MAX_UPDATES):
            next(it)
    except botocore.exceptions.EventStreamError as e:
        err = e
    except StopIteration:
        pass
    t.ok("a disabled key ends the session", err is not None)
    if err is not None:
        t.eq("with SessionStreamingException", "SessionStreamingException",
             err.response["Error"]["Code"])
        t.ok("saying why", "AccessDenied" in str(err) or
             "not allowed" in err.response["Error"]["Message"] or
             "disabled" in err.response["Error"]["Message"],
             err.response["Error"]["Message"])
    stream.close()
t.done()
