#!/usr/bin/env python3
"""Issue 13 §1: the recorder. Every KMS request and every CloudWatch Logs
management call is recorded in CloudTrail's format (the record read from
the store underneath: the audit_records table and the batches of
audit_batches, with python's sqlite3 or psql and the zstd command, and
rendered from its compact form by tests/helpers/audit_render), with the right event name, source, readOnly, error code, request
id, identity and region; a change and its record are one commit — with
the commit of a CreateLogGroup and of a CreateKey failed by the fault
wrapper (LOGVAULT_STORE_FAULT), neither the change nor a record of it as
done exists, only the record of the failure; records survive a restart;
data events (PutLogEvents, GetLogEvents) are recorded only under
--audit-data-events, and never hold the events' text; the calls the Logs
service makes to KMS for an encrypted group are recorded as AWS records
them (userIdentity AWSService, invokedBy logs.amazonaws.com, the
encryption context in requestParameters); no record holds a plaintext or
a ciphertext."""
import base64
import hashlib
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T, on_pg, psql  # noqa: E402

import botocore.exceptions  # noqa: E402

t = T()
ACCOUNT = "123456789012"
REGION = "eu-west-2"
SECRET = b"the plaintext nobody may read in the trail"
EVENT_TEXT = "event text that stays out of the trail"
UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-"
                     r"[0-9a-f]{12}")


def unzstd(data, scratch):
    """data decompressed by the zstd command."""
    with tempfile.TemporaryDirectory(dir=scratch) as d:
        src = os.path.join(d, "in.zst")
        with open(src, "wb") as f:
            f.write(data)
        return subprocess.run(["zstd", "-q", "-d", "-c", src], check=True,
                              capture_output=True, timeout=60).stdout


def batch_records(b, scratch):
    """The records of one audit_batches row, decoded as
    src/store/audit_store.c documents the body: "lvab4" and 32 bytes (the
    first record's prev_hash), then per record a byte k (1: its event_id
    is 16 bytes, else a str; 2: the same for its request_id; 4: its tail
    is the tail of the record before it), varint zigzag of its time less
    the time before it (0 for the first), its event_id, its request_id
    (16 bytes read as a lower-case 8-4-4-4-12 UUID), then unless k has 4
    a str of its tail — str event_source, event_name, byte flags, str
    username, access_key_id, error_code, byte n, n × (str type, str name),
    str event, [str trace] — and 32 bytes of its hash. Each hash is
    checked against chain.h's v3, computed here over enc2's head (varint
    time, str event_id, str request_id: the ids as text):
    SHA-256(prev || i64(seq) || head || T), T = SHA-256("logvault audit
    record v3" NUL || str(account) || str(region) || tail), str being a
    4-byte big-endian length and the bytes, i64 8 bytes big-endian.
    (Formats 3, 2 and 1, which the writer wrote before, kept the ids as
    text.)"""
    raw = unzstd(b["body"], scratch)
    t.ok("batch %s: format lvab4" % b["id"], raw[:5] == b"lvab4", raw[:5])
    prev = raw[5:37]
    pos = [37]
    buf = [raw]

    def varint():
        v, shift = 0, 0
        while True:
            c = buf[0][pos[0]]
            pos[0] += 1
            v |= (c & 0x7f) << shift
            shift += 7
            if not c & 0x80:
                return v

    def text():
        n = varint()
        v = buf[0][pos[0]:pos[0] + n].decode()
        pos[0] += n
        return v

    def byte():
        pos[0] += 1
        return buf[0][pos[0] - 1]

    def an_id(binary):
        if not binary:
            return text()
        v = str(uuid.UUID(bytes=bytes(buf[0][pos[0]:pos[0] + 16])))
        pos[0] += 16
        return v

    def s4(v):
        v = v.encode()
        return len(v).to_bytes(4, "big") + v

    def enc_varint(v):
        out = b""
        while v >= 0x80:
            out += bytes([(v & 0x7f) | 0x80])
            v >>= 7
        return out + bytes([v])

    def enc_text(v):
        v = v.encode()
        return enc_varint(len(v)) + v

    chain = b"logvault audit record v3\0" + s4(b["account"]) + \
        s4(b["region"])
    out = []
    tail = None
    hashes_ok = True
    shared = 0
    time_ms = 0
    for seq in range(b["seq_first"], b["seq_last"] + 1):
        r = {"id": b["id"], "account": b["account"], "region": b["region"],
             "seq": seq}
        k = byte()
        t.ok("batch %s seq %d: k has no unknown bit" % (b["id"], seq),
             k & ~7 == 0, k)
        z = varint()
        time_ms += (z >> 1) ^ -(z & 1)
        r["event_time_ms"] = time_ms
        r["event_id"] = an_id(k & 1)
        r["request_id"] = an_id(k & 2)
        for bit, name in ((1, "event_id"), (2, "request_id")):
            t.ok("batch %s seq %d: %s stored as 16 bytes exactly when it "
                 "is a lower-case UUID" % (b["id"], seq, name),
                 bool(k & bit) == bool(UUID_RE.fullmatch(r[name])),
                 (k, r[name]))
        head = (enc_varint(time_ms) + enc_text(r["event_id"]) +
                enc_text(r["request_id"]))
        if not k & 4:
            n = varint()
            tail = raw[pos[0]:pos[0] + n]
            pos[0] += n
        else:
            shared += 1
        t.ok("batch %s seq %d: a tail to read" % (b["id"], seq),
             tail is not None)
        back = pos[0]
        buf[0], pos[0] = tail, 0
        r["event_source"] = text()
        r["event_name"] = text()
        flags = byte()
        r["read_only"] = flags & 1
        text(), text()
        r["error_code"] = text()
        r["resources"] = [[text(), text()] for _ in range(byte())]
        r["event"] = text()
        if flags & 4:
            text()
        t.ok("batch %s seq %d: its tail decodes exactly" % (b["id"], seq),
             pos[0] == len(tail))
        buf[0], pos[0] = raw, back
        h = raw[pos[0]:pos[0] + 32]
        pos[0] += 32
        want = hashlib.sha256(prev + seq.to_bytes(8, "big") + head +
                              hashlib.sha256(chain + tail).digest()).digest()
        hashes_ok = hashes_ok and h == want
        prev = h
        out.append(r)
    t.ok("batch %s: decodes exactly" % b["id"], pos[0] == len(raw),
         (pos[0], len(raw)))
    t.ok("batch %s: every hash is chain.h's v3" % b["id"], hashes_ok)
    return out, shared


def render(recs):
    """The CloudTrail JSON of each record, rendered from what the store
    keeps (src/audit/event.h: the compact form and the columns) by
    tests/helpers/audit_render, as LookupEvents renders it."""
    tool = os.path.join(os.environ.get("LV_TEST_TOOLS", ""), "audit_render")
    if not os.access(tool, os.X_OK):
        print("skipped: audit_render helper not built (LV_TEST_TOOLS)")
        sys.exit(77)
    keys = ("account", "region", "event_time_ms", "event_id", "request_id",
            "event_source", "event_name", "read_only", "error_code",
            "resources", "event")
    text = "".join(json.dumps({k: r[k] for k in keys}) + "\n" for r in recs)
    out = subprocess.run([tool], input=text.encode(), check=True,
                         capture_output=True, timeout=120).stdout.decode()
    lines = out.splitlines()
    t.eq("every record renders", len(recs), len(lines))
    return lines


def records(srv):
    """Every record in the store, single rows and batched, in chain order,
    as dicts: the columns, the stored text ("event") and the CloudTrail
    record rendered from them, parsed ("ct")."""
    cols = ("id, account, region, seq, event_time_ms, event_id, "
            "request_id, event_name, event_source, read_only, error_code, "
            "event")
    rcols = "record_id, pos, type, name"
    bcols = "id, account, region, seq_first, seq_last"
    if on_pg():
        rows = psql("SELECT row_to_json(r)::text FROM (SELECT %s FROM "
                    "audit_records ORDER BY id) r" % cols, srv.store_uri)
        out = [json.loads(line) for line in rows if line]
        rows = psql("SELECT row_to_json(r)::text FROM (SELECT %s FROM "
                    "audit_resources ORDER BY record_id, pos) r" % rcols,
                    srv.store_uri)
        res = [json.loads(line) for line in rows if line]
        rows = psql("SELECT row_to_json(r)::text FROM (SELECT %s,"
                    " encode(body, 'hex') AS body FROM audit_batches"
                    " ORDER BY id) r" % bcols, srv.store_uri)
        batches = [json.loads(line) for line in rows if line]
        for b in batches:
            b["body"] = bytes.fromhex(b["body"])
    else:
        con = sqlite3.connect(os.path.join(srv.data_dir, "logvault.db"))
        try:
            con.row_factory = sqlite3.Row
            out = [dict(r) for r in con.execute(
                "SELECT %s FROM audit_records ORDER BY id" % cols)]
            res = [dict(r) for r in con.execute(
                "SELECT %s FROM audit_resources ORDER BY record_id, pos"
                % rcols)]
            batches = [dict(r) for r in con.execute(
                "SELECT %s, body FROM audit_batches ORDER BY id" % bcols)]
        finally:
            con.close()
    by_id = {}
    for x in res:
        by_id.setdefault(x["record_id"], []).append([x["type"], x["name"]])
    for r in out:
        r["resources"] = by_id.get(r["id"], [])
    records.shared = 0
    for b in batches:
        got, shared = batch_records(b, srv.scratch)
        out += got
        records.shared += shared
    out.sort(key=lambda r: (r["account"], r["region"], r["seq"]))
    for r, text in zip(out, render(out)):
        r["rendered"] = text
        try:
            r["ct"] = json.loads(text)
        except ValueError:
            t.ok("record %s renders as JSON" % r["event_id"], False, text)
            r["ct"] = {}
        r["read_only"] = bool(r["read_only"])
    return out


def by_request(recs, rid):
    return [r for r in recs if r["request_id"] == rid]


def rid(resp):
    return resp["ResponseMetadata"]["RequestId"]


def failed_rid(e):
    return e.response["ResponseMetadata"]["RequestId"]


def check_record(name, recs, request_id, event_name, source, read_only,
                 error_code=""):
    """The one record of request_id from `source` (a Logs request may
    have records of the calls the service made to KMS beside it), and its
    fields."""
    got = [r for r in by_request(recs, request_id)
           if r["event_source"] == source]
    if not t.eq(name + ": one record", 1, len(got)):
        return None
    r = got[0]
    ct = r["ct"]
    t.eq(name + ": eventName", event_name, ct.get("eventName"))
    t.eq(name + ": column event_name", event_name, r["event_name"])
    t.eq(name + ": eventSource", source, ct.get("eventSource"))
    t.eq(name + ": readOnly", read_only, ct.get("readOnly"))
    t.eq(name + ": column read_only", read_only, r["read_only"])
    t.eq(name + ": requestID", request_id, ct.get("requestID"))
    t.eq(name + ": awsRegion", REGION, ct.get("awsRegion"))
    t.eq(name + ": recipientAccountId", ACCOUNT, ct.get("recipientAccountId"))
    t.eq(name + ": errorCode", error_code or None, ct.get("errorCode"))
    t.eq(name + ": column error_code", error_code, r["error_code"])
    ident = ct.get("userIdentity") or {}
    t.eq(name + ": userIdentity.accountId", ACCOUNT, ident.get("accountId"))
    t.eq(name + ": userIdentity.accessKeyId", "test",
         ident.get("accessKeyId"))
    t.eq(name + ": eventType", "AwsApiCall", ct.get("eventType"))
    t.ok(name + ": eventTime", isinstance(ct.get("eventTime"), str) and
         ct["eventTime"].endswith("Z"), ct.get("eventTime"))
    return r


def no_secret(name, recs, needles):
    for r in recs:
        text = r["event"] + "\n" + r.get("rendered", "")
        for n in needles:
            if n and n in text:
                t.ok("%s: record %s holds no secret" % (name, r["id"]),
                     False, n)
                return
    t.ok(name + ": no record holds a plaintext, ciphertext or event text",
         True)


def chains_ok(name, recs):
    """Each (account, region) chain's seqs run 1, 2, 3 … in id order."""
    seqs = {}
    for r in recs:
        seqs.setdefault((r["account"], r["region"]), []).append(r["seq"])
    t.ok(name + ": chain places 1..n", all(
        s == list(range(1, len(s) + 1)) for s in seqs.values()), seqs)


def logs_policy():
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow",
         "Principal": {"AWS": "arn:aws:iam::%s:root" % ACCOUNT},
         "Action": "kms:*", "Resource": "*"},
        {"Effect": "Allow",
         "Principal": {"Service": "logs.%s.amazonaws.com" % REGION},
         "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*",
                    "kms:GenerateDataKey*", "kms:Describe*"],
         "Resource": "*"}]})


now = int(time.time() * 1000)
ids = {}
with Server("--audit-trail") as srv:
    kms = srv.client("kms")
    logs = srv.client("logs")

    # ---- management calls and cryptographic calls, without data events
    r = kms.create_key(Description="audited")
    key_arn = r["KeyMetadata"]["Arn"]
    ids["CreateKey"] = rid(r)
    ids["DescribeKey"] = rid(kms.describe_key(KeyId=key_arn))
    r = kms.encrypt(KeyId=key_arn, Plaintext=SECRET)
    blob = r["CiphertextBlob"]
    ids["Encrypt"] = rid(r)
    # The same request again: its records share one tail (format 3).
    again = [rid(kms.encrypt(KeyId=key_arn, Plaintext=SECRET))
             for _ in range(3)]
    # The same context in two orders: two records, each as it was sent
    # (the recorder reuses a tail only for the same members in the same
    # order, src/audit/event.h).
    ctx_ab = rid(kms.encrypt(KeyId=key_arn, Plaintext=SECRET,
                             EncryptionContext={"a": "1", "b": "2"}))
    ctx_ba = rid(kms.encrypt(KeyId=key_arn, Plaintext=SECRET,
                             EncryptionContext={"b": "2", "a": "1"}))
    ids["Decrypt"] = rid(kms.decrypt(CiphertextBlob=blob))
    ids["CreateAlias"] = rid(kms.create_alias(AliasName="alias/audited",
                                              TargetKeyId=key_arn))
    try:
        kms.describe_key(KeyId="alias/none-such")
        t.ok("DescribeKey of a missing alias fails", False)
    except botocore.exceptions.ClientError as e:
        ids["DescribeKey refused"] = failed_rid(e)
    ids["CreateLogGroup"] = rid(logs.create_log_group(logGroupName="g"))
    ids["CreateLogStream"] = rid(logs.create_log_stream(
        logGroupName="g", logStreamName="s"))
    ids["DescribeLogGroups"] = rid(logs.describe_log_groups())
    ids["PutLogEvents"] = rid(logs.put_log_events(
        logGroupName="g", logStreamName="s",
        logEvents=[{"timestamp": now, "message": EVENT_TEXT}]))
    ids["GetLogEvents"] = rid(logs.get_log_events(
        logGroupName="g", logStreamName="s", startFromHead=True))
    try:
        logs.create_log_group(logGroupName="g")
        t.ok("a second CreateLogGroup fails", False)
    except botocore.exceptions.ClientError as e:
        ids["CreateLogGroup refused"] = failed_rid(e)

    # A clean stop writes what the writer still holds.
    t.eq("the server stops cleanly", 0, srv.stop())
    recs = records(srv)
    kms_src, logs_src = "kms.amazonaws.com", "logs.amazonaws.com"
    r = check_record("CreateKey", recs, ids["CreateKey"], "CreateKey",
                     kms_src, False)
    if r:
        res = r["ct"].get("resources") or []
        t.ok("CreateKey: resource is the key",
             any(x.get("ARN") == key_arn for x in res), res)
    check_record("DescribeKey", recs, ids["DescribeKey"], "DescribeKey",
                 kms_src, True)
    r = check_record("Encrypt", recs, ids["Encrypt"], "Encrypt", kms_src,
                     True)
    if r:
        t.eq("Encrypt: responseElements null", None,
             r["ct"].get("responseElements"))
    for i, x in enumerate(again):
        check_record("Encrypt again %d" % i, recs, x, "Encrypt", kms_src,
                     True)
    t.ok("repeated records share a tail in their batch",
         records.shared >= 2, records.shared)
    for name, x, order in (("ab", ctx_ab, ["a", "b"]),
                           ("ba", ctx_ba, ["b", "a"])):
        r = check_record("Encrypt ctx " + name, recs, x, "Encrypt", kms_src,
                         True)
        if r:
            ctx = (r["ct"].get("requestParameters") or {}).get(
                "encryptionContext") or {}
            t.eq("Encrypt ctx %s: the context in its order" % name, order,
                 list(ctx))
    check_record("Decrypt", recs, ids["Decrypt"], "Decrypt", kms_src, True)
    check_record("CreateAlias", recs, ids["CreateAlias"], "CreateAlias",
                 kms_src, False)
    r = check_record("refused DescribeKey", recs, ids["DescribeKey refused"],
                     "DescribeKey", kms_src, True, "NotFoundException")
    if r:
        t.ok("refused DescribeKey: errorMessage",
             "alias/none-such" in (r["ct"].get("errorMessage") or ""),
             r["ct"].get("errorMessage"))
    check_record("CreateLogGroup", recs, ids["CreateLogGroup"],
                 "CreateLogGroup", logs_src, False)
    check_record("CreateLogStream", recs, ids["CreateLogStream"],
                 "CreateLogStream", logs_src, False)
    check_record("DescribeLogGroups", recs, ids["DescribeLogGroups"],
                 "DescribeLogGroups", logs_src, True)
    check_record("refused CreateLogGroup", recs,
                 ids["CreateLogGroup refused"], "CreateLogGroup", logs_src,
                 False, "ResourceAlreadyExistsException")
    t.eq("PutLogEvents (a data event) is not recorded by default", [],
         by_request(recs, ids["PutLogEvents"]))
    t.eq("GetLogEvents (a data event) is not recorded by default", [],
         by_request(recs, ids["GetLogEvents"]))
    no_secret("default", recs, [base64.b64encode(SECRET).decode(),
                                SECRET.decode(),
                                base64.b64encode(blob).decode(),
                                EVENT_TEXT])
    chains_ok("default", recs)
    n_before = len(recs)

    # ---- the same commit: a change whose commit fails leaves no record
    srv.env = {"LOGVAULT_STORE_FAULT":
               "commit/logs.group_insert#1,commit/kms.key_insert#1"}
    srv.start()
    if "fault injection on" not in srv.read_log():
        print("skipped: this server does not honour LOGVAULT_STORE_FAULT "
              "(not the sanitizer build)")
        srv.stop()
        sys.exit(77)
    kms = srv.client("kms")
    logs = srv.client("logs")
    for name, fn, kw in (
            ("CreateLogGroup", logs.create_log_group,
             {"logGroupName": "never"}),
            ("CreateKey", kms.create_key, {"Description": "never"})):
        try:
            fn(**kw)
            t.ok(name + " with its commit failed answers an error", False)
            continue
        except botocore.exceptions.ClientError as e:
            t.eq(name + " with its commit failed: 503", 503,
                 e.response["ResponseMetadata"]["HTTPStatusCode"])
            ids[name + " failed commit"] = failed_rid(e)
    t.eq("the group whose commit failed does not exist", [],
         [g["logGroupName"] for g in
          logs.describe_log_groups(logGroupNamePrefix="never")
          ["logGroups"]])
    t.eq("the key whose commit failed does not exist", 1,
         len(kms.list_keys()["Keys"]))
    ids["after faults"] = rid(logs.create_log_group(logGroupName="later"))
    t.eq("restarted server stops cleanly", 0, srv.stop())
    srv.env = None
    recs = records(srv)
    for name in ("CreateLogGroup", "CreateKey"):
        got = by_request(recs, ids.get(name + " failed commit"))
        t.eq(name + " whose commit failed: only the record of its "
             "failure", [("ServiceUnavailableException", name)],
             [(r["error_code"], r["event_name"]) for r in got])
    t.eq("no record says the failed changes happened", [],
         [r["request_id"] for r in recs
          if r["event_name"] in ("CreateLogGroup", "CreateKey") and
          not r["error_code"] and r["request_id"] not in
          (ids["CreateLogGroup"], ids["CreateKey"], ids["after faults"])])
    check_record("CreateLogGroup after the faults", recs,
                 ids["after faults"], "CreateLogGroup", logs_src, False)
    # Records survive restarts: every one written before is still there.
    t.ok("records survive a restart", len(recs) > n_before and
         all(by_request(recs, ids[k]) for k in
             ("CreateKey", "Encrypt", "CreateLogGroup",
              "DescribeKey refused")), len(recs))
    chains_ok("after restarts", recs)

    # ---- data events, and the service's own calls to KMS
    srv.args = srv.args + ["--audit-data-events"]
    srv.start()
    kms = srv.client("kms")
    logs = srv.client("logs")
    kms.put_key_policy(KeyId=key_arn, PolicyName="default",
                       Policy=logs_policy())
    logs.create_log_group(logGroupName="enc", kmsKeyId=key_arn)
    logs.create_log_stream(logGroupName="enc", logStreamName="s")
    ids["PutLogEvents data"] = rid(logs.put_log_events(
        logGroupName="enc", logStreamName="s",
        logEvents=[{"timestamp": now, "message": EVENT_TEXT}]))
    ids["GetLogEvents data"] = rid(logs.get_log_events(
        logGroupName="enc", logStreamName="s", startFromHead=True))
    # The seed's refusal: a key whose policy does not let the service use
    # it. AssociateKmsKey is refused, and so is the service's call behind
    # it; a PutLogEvents to the group keyed before the policy changed is
    # refused too, with the service's refused call.
    bare = kms.create_key(Description="no logs statement")["KeyMetadata"]
    logs.create_log_group(logGroupName="refused")
    try:
        logs.associate_kms_key(logGroupName="refused", kmsKeyId=bare["Arn"])
        t.ok("AssociateKmsKey with a key that does not allow logs fails",
             False)
    except botocore.exceptions.ClientError as e:
        ids["AssociateKmsKey refused"] = failed_rid(e)
    kms.put_key_policy(KeyId=key_arn, PolicyName="default",
                       Policy=json.dumps({"Version": "2012-10-17",
                                          "Statement": [json.loads(
                                              logs_policy())["Statement"][0]]}))
    srv.restart()       # no data key of the group left in memory
    logs = srv.client("logs")
    try:
        logs.put_log_events(logGroupName="enc", logStreamName="s",
                            logEvents=[{"timestamp": now + 1,
                                        "message": EVENT_TEXT}])
        t.ok("PutLogEvents under a key that no longer allows logs fails",
             False)
    except botocore.exceptions.ClientError as e:
        ids["PutLogEvents refused"] = failed_rid(e)
    t.eq("data-event server stops cleanly", 0, srv.stop())
    recs = records(srv)
    r = check_record("PutLogEvents with --audit-data-events", recs,
                     ids["PutLogEvents data"], "PutLogEvents", logs_src,
                     False)
    if r:
        rp = r["ct"].get("requestParameters") or {}
        t.eq("PutLogEvents: requestParameters name the group and stream",
             ("enc", "s"), (rp.get("logGroupName"), rp.get("logStreamName")))
    check_record("GetLogEvents with --audit-data-events", recs,
                 ids["GetLogEvents data"], "GetLogEvents", logs_src, True)
    svc = [r for r in by_request(recs, ids["PutLogEvents data"])
           if r["event_source"] == kms_src]
    # The first write to the group makes its data key: GenerateDataKey,
    # called by the service for the caller's PutLogEvents.
    gdk = [r for r in svc if r["event_name"] == "GenerateDataKey"]
    if t.ok("the service's GenerateDataKey is recorded", len(gdk) == 1,
            [(r["event_name"], r["error_code"]) for r in svc]):
        ct = gdk[0]["ct"]
        ident = ct.get("userIdentity") or {}
        t.eq("service call: userIdentity.type", "AWSService",
             ident.get("type"))
        t.eq("service call: invokedBy", "logs.amazonaws.com",
             ident.get("invokedBy"))
        ec = (ct.get("requestParameters") or {}).get("encryptionContext")
        t.eq("service call: the encryption context",
             {"aws:logs:arn": "arn:aws:logs:%s:%s:log-group:enc" %
              (REGION, ACCOUNT)}, ec)
        t.ok("service call: resource is the key",
             any(x.get("ARN") == key_arn for x in
                 ct.get("resources") or []), ct.get("resources"))
    check_record("refused AssociateKmsKey", recs,
                 ids.get("AssociateKmsKey refused"), "AssociateKmsKey",
                 logs_src, False, "AccessDeniedException")
    check_record("refused PutLogEvents", recs,
                 ids.get("PutLogEvents refused"), "PutLogEvents", logs_src,
                 False, "AccessDeniedException")
    for name in ("AssociateKmsKey refused", "PutLogEvents refused"):
        svc = [r for r in by_request(recs, ids.get(name))
               if r["event_source"] == kms_src]
        t.ok(name + ": the service's refused KMS call is recorded",
             len(svc) >= 1 and all(
                 r["error_code"] == "AccessDeniedException" and
                 (r["ct"].get("userIdentity") or {}).get("invokedBy") ==
                 "logs.amazonaws.com" for r in svc),
             [(r["event_name"], r["error_code"]) for r in svc])
    no_secret("data events", recs, [EVENT_TEXT,
                                    base64.b64encode(SECRET).decode()])
    chains_ok("data events", recs)

t.done()
