#!/usr/bin/env python3
"""Events of a log group associated with a KMS key: they round-trip; a
disabled key, a policy that no longer allows logs.eu-west-2.amazonaws.com
or a key pending deletion makes PutLogEvents and GetLogEvents fail with
AccessDeniedException naming the key and the group, and re-enabling brings
everything back; after DisassociateKmsKey new events no longer need the
key while the old ones still do; once the key is deleted (server restarted
8 days on under libfaketime, the client under the same faked clock) the
old events are gone for good and the newer ones still read."""
import glob
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T, faketime_run  # noqa: E402

t = T()
ACCOUNT = "123456789012"
REGION = "eu-west-2"
GROUP = "enc-group"
GROUP_ARN = "arn:aws:logs:%s:%s:log-group:%s" % (REGION, ACCOUNT, GROUP)


def policy(with_logs):
    st = [{"Sid": "Enable IAM User Permissions", "Effect": "Allow",
           "Principal": {"AWS": "arn:aws:iam::%s:root" % ACCOUNT},
           "Action": "kms:*", "Resource": "*"}]
    if with_logs:
        st.append({"Effect": "Allow",
                   "Principal": {"Service": "logs.%s.amazonaws.com" % REGION},
                   "Action": ["kms:Encrypt*", "kms:Decrypt*",
                              "kms:ReEncrypt*", "kms:GenerateDataKey*",
                              "kms:Describe*"],
                   "Resource": "*"})
    return json.dumps({"Version": "2012-10-17", "Statement": st})


def msgs(r):
    return [e["message"] for e in r["events"]]


LIBFAKETIME = ([p for p in glob.glob(
    "/usr/lib/*/faketime/libfaketimeMT.so.1")] or [None])[0]

with Server() as srv:
    logs = srv.client("logs")
    kms = srv.client("kms")
    key = kms.create_key(Description="logs key")["KeyMetadata"]["Arn"]
    kms.put_key_policy(KeyId=key, PolicyName="default", Policy=policy(True))
    logs.create_log_group(logGroupName=GROUP, kmsKeyId=key)
    logs.create_log_stream(logGroupName=GROUP, logStreamName="s")
    now = int(time.time() * 1000)
    old_ts = now - 3 * 3600 * 1000
    new_ts = now - 3600 * 1000

    def put(ts, text):
        return logs.put_log_events(
            logGroupName=GROUP, logStreamName="s",
            logEvents=[{"timestamp": ts + i, "message": "%s %d" % (text, i)}
                       for i in range(3)])

    def get(**kw):
        return logs.get_log_events(logGroupName=GROUP, logStreamName="s",
                                   startFromHead=True, **kw)

    put(old_ts, "under key")
    t.eq("round trip under a KMS key",
         ["under key 0", "under key 1", "under key 2"], msgs(get()))

    def denied(name, fn, **kw):
        e = t.error(name, "AccessDeniedException", fn, **kw)
        if e:
            text = e.response["Error"]["Message"]
            t.ok(name + ": names key and group",
                 key in text and GROUP_ARN in text, text)

    kms.disable_key(KeyId=key)
    denied("disabled: put", put, ts=old_ts + 10, text="x")
    denied("disabled: get", get)
    kms.enable_key(KeyId=key)
    put(old_ts + 10, "after enable")
    t.eq("enabled again: all events",
         ["under key 0", "under key 1", "under key 2", "after enable 0",
          "after enable 1", "after enable 2"], msgs(get()))

    kms.put_key_policy(KeyId=key, PolicyName="default", Policy=policy(False))
    denied("policy without logs: put", put, ts=old_ts + 20, text="x")
    denied("policy without logs: get", get)
    kms.put_key_policy(KeyId=key, PolicyName="default", Policy=policy(True))
    t.eq("policy restored", 6, len(get()["events"]))

    logs.disassociate_kms_key(logGroupName=GROUP)
    put(new_ts, "service key")
    kms.disable_key(KeyId=key)
    t.eq("disassociated: new events need no key",
         ["service key 0", "service key 1", "service key 2"],
         msgs(get(startTime=new_ts)))
    denied("disassociated: old events still need the key", get)
    r = put(new_ts + 10, "still writable")
    t.ok("disassociated: writes need no key", "nextSequenceToken" in r)
    kms.enable_key(KeyId=key)
    t.eq("enabled: everything", 12, len(get()["events"]))

    kms.schedule_key_deletion(KeyId=key, PendingWindowInDays=7)
    denied("pending deletion: get", get)
    t.eq("pending deletion: newer events read", 6,
         len(get(startTime=new_ts)["events"]))

    if not LIBFAKETIME or not os.path.exists("/usr/bin/faketime"):
        print("ok: (libfaketime not installed: deletion part skipped)")
    else:
        srv.stop()
        srv.env = {"LD_PRELOAD": LIBFAKETIME, "FAKETIME": "+8d",
                   "ASAN_OPTIONS": "verify_asan_link_order=0:detect_leaks=1"}
        srv.start()
        script = r'''
import boto3, botocore.config, json, sys, time
ep, group = sys.argv[1], sys.argv[2]
cfg = botocore.config.Config(retries={"max_attempts": 0})
mk = lambda s: boto3.session.Session().client(
    s, region_name="eu-west-2", endpoint_url=ep, aws_access_key_id="test",
    aws_secret_access_key="test", config=cfg)
logs, kms = mk("logs"), mk("kms")
out = {}
key = sys.argv[3]
for _ in range(100):
    try:
        kms.describe_key(KeyId=key)
    except kms.exceptions.NotFoundException:
        out["deleted"] = True
        break
    time.sleep(0.2)
def call(**kw):
    try:
        r = logs.get_log_events(logGroupName=group, logStreamName="s",
                                startFromHead=True, **kw)
        return {"events": [e["message"] for e in r["events"]]}
    except Exception as e:
        return {"error": e.response["Error"]["Code"],
                "message": e.response["Error"]["Message"]}
out["all"] = call()
out["newer"] = call(startTime=int(sys.argv[4]))
print(json.dumps(out))
'''
        env = dict(os.environ)
        env.pop("ASAN_OPTIONS", None)
        env.pop("LD_PRELOAD", None)
        p = faketime_run("+8d", [sys.executable,
                            "-c", script, srv.endpoint, GROUP, key,
                            str(new_ts)], capture_output=True, text=True,
                           env=env)
        res = json.loads(p.stdout) if p.returncode == 0 else {}
        t.ok("key deleted by the sweeper", res.get("deleted"), p.stderr)
        t.eq("deleted: old events gone for good", "AccessDeniedException",
             res.get("all", {}).get("error"))
        t.eq("deleted: newer events still read",
             ["service key 0", "service key 1", "service key 2",
              "still writable 0", "still writable 1", "still writable 2"],
             res.get("newer", {}).get("events"))
        srv.stop()
        srv.env = None
        srv.start()

t.done()
