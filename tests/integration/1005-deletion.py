#!/usr/bin/env python3
"""KMS key deletion, for real: ScheduleKeyDeletion with a 7-day window;
before the date the key is PendingDeletion and CancelKeyDeletion brings it
back Disabled; after the date (the server restarted under Debian's
libfaketime 8 days on, and the boto3 client run under the same faked clock
so SigV4 dates match) the background sweeper has destroyed the key:
DescribeKey answers NotFoundException, its aliases are gone, ListKeys no
longer shows it, and a normal restart does not bring it back."""
import base64
import glob
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T, faketime_run  # noqa: E402

REGION = "eu-west-2"
ACCOUNT = "123456789012"


def client_phase(endpoint, key, ct):
    """Run under faketime (8 days on): waits (up to ~20 s) for the sweeper
    to delete key, then makes the calls the checks read; prints their
    outcomes as one JSON object."""
    import boto3
    import botocore.config
    import botocore.exceptions

    kms = boto3.session.Session().client(
        "kms", region_name=REGION, endpoint_url=endpoint,
        aws_access_key_id="test", aws_secret_access_key="test",
        config=botocore.config.Config(retries={"max_attempts": 0}))

    def call(fn, **kw):
        try:
            r = fn(**kw)
            r.pop("ResponseMetadata", None)
            return {"ok": r}
        except botocore.exceptions.ClientError as e:
            return {"error": e.response["Error"]["Code"],
                    "message": e.response["Error"].get("Message", "")}

    out = {"deleted": False}
    for _ in range(100):
        if call(kms.describe_key, KeyId=key).get("error") == \
                "NotFoundException":
            out["deleted"] = True
            break
        time.sleep(0.2)
    out["describe"] = call(kms.describe_key, KeyId=key)
    out["decrypt"] = call(kms.decrypt, CiphertextBlob=base64.b64decode(ct))
    out["alias"] = call(kms.describe_key, KeyId="alias/doomed")
    out["aliases"] = call(kms.list_aliases)
    out["keys"] = call(kms.list_keys)
    out["cancel"] = call(kms.cancel_key_deletion, KeyId=key)
    out["kept"] = {}
    for k in out["keys"].get("ok", {}).get("Keys", []):
        r = call(kms.describe_key, KeyId=k["KeyId"])
        out["kept"][k["KeyId"]] = r.get("ok", {}).get(
            "KeyMetadata", {}).get("KeyState")
    print(json.dumps(out))


if len(sys.argv) > 1 and sys.argv[1] == "--client":
    client_phase(*sys.argv[2:5])
    sys.exit(0)

if not os.path.exists("/usr/bin/faketime"):
    print("faketime (Debian's faketime package) is not installed")
    sys.exit(77)
# The server gets libfaketime preloaded directly (the faketime command
# runs its child and waits, so a SIGTERM would not reach the server).
LIBFAKETIME = (sorted(glob.glob(
    "/usr/lib/*/faketime/libfaketimeMT.so.1")) or [None])[-1]
if not LIBFAKETIME:
    print("libfaketime (Debian's libfaketime package) is not installed")
    sys.exit(77)
# ASan insists on coming first in the library list unless told not to
# check; that option goes to the server only.
FAKE_ENV = {"LD_PRELOAD": LIBFAKETIME, "FAKETIME": "+8d",
            "ASAN_OPTIONS": "detect_leaks=1:verify_asan_link_order=0"}
if subprocess.run([os.environ["LOGVAULT_BIN"], "version"],
                  env=dict(os.environ, **FAKE_ENV),
                  capture_output=True).returncode != 0:
    print("logvault does not run under libfaketime here (sanitizer build?)")
    sys.exit(77)

t = T()


def state(kms, key):
    return kms.describe_key(KeyId=key)["KeyMetadata"]["KeyState"]


def arn(key_id):
    return "arn:aws:kms:%s:%s:key/%s" % (REGION, ACCOUNT, key_id)


with Server() as srv:
    kms = srv.client("kms")
    key = kms.create_key(Description="doomed")["KeyMetadata"]["KeyId"]
    ARN = arn(key)
    kms.create_alias(AliasName="alias/doomed", TargetKeyId=key)
    keep = kms.create_key(Description="kept")["KeyMetadata"]["KeyId"]
    ct = kms.encrypt(KeyId=key, Plaintext=b"secret")["CiphertextBlob"]

    r = kms.schedule_key_deletion(KeyId=key, PendingWindowInDays=7)
    t.eq("schedule-key-deletion", [ARN, "PendingDeletion", 7],
         [r.get("KeyId"), r.get("KeyState"), r.get("PendingWindowInDays")])
    t.eq("pending before the date", "PendingDeletion", state(kms, key))
    t.error("encrypt under a key pending deletion",
            "KMSInvalidStateException", kms.encrypt, KeyId=key,
            Plaintext=b"x", msg=ARN + " is pending deletion.")

    # The kept key: scheduled, then cancelled before the date -> Disabled.
    kms.schedule_key_deletion(KeyId=keep, PendingWindowInDays=7)
    t.eq("cancel-key-deletion", arn(keep),
         kms.cancel_key_deletion(KeyId=keep)["KeyId"])
    t.eq("cancelled key is Disabled", "Disabled", state(kms, keep))
    kms.enable_key(KeyId=keep)

    # A restart before the date deletes nothing.
    srv.restart()
    kms = srv.client("kms")
    t.eq("still pending after a restart", "PendingDeletion",
         state(kms, key))

    # Eight days on: the server and the client under the same faked clock.
    srv.stop()
    srv.env = FAKE_ENV
    srv.start()
    env = dict(os.environ)
    env.pop("ASAN_OPTIONS", None)
    env.pop("LD_PRELOAD", None)
    p = faketime_run("+8d", [sys.executable,
                        os.path.abspath(__file__), "--client", srv.endpoint,
                        key, base64.b64encode(ct).decode()],
                       capture_output=True, text=True, env=env)
    if not t.eq("client under faketime ran", 0, p.returncode):
        print(p.stderr[-3000:])
    res = json.loads(p.stdout) if p.returncode == 0 else {}

    def refused(name, what, code, msg):
        got = res.get(what, {})
        t.ok(name, got.get("error") == code and msg in got.get("message", ""),
             "expected %s %r, got %r" % (code, msg, got))

    t.ok("the sweeper deleted the key after its deletion date",
         res.get("deleted"), "key %s still exists 8 days on" % key)
    refused("describe-key: deleted", "describe", "NotFoundException",
            "Key '%s' does not exist" % ARN)
    refused("decrypt: deleted", "decrypt", "NotFoundException",
            "Key '%s' does not exist" % ARN)
    refused("describe-key by its alias", "alias", "NotFoundException",
            "is not found.")
    def listed(what, field, name):
        got = res.get(what, {})
        if "ok" not in got:
            return got
        return [x[name] for x in got["ok"][field]]

    # Only the predefined AWS managed aliases (alias/aws/...) are left.
    names = listed("aliases", "Aliases", "AliasName")
    t.eq("its alias is gone", [],
         [n for n in names if not n.startswith("alias/aws/")]
         if isinstance(names, list) else names)
    t.eq("list-keys shows only the kept key", [keep],
         listed("keys", "Keys", "KeyId"))
    t.eq("the kept key is untouched", "Enabled",
         res.get("kept", {}).get(keep))
    refused("cancel-key-deletion: deleted", "cancel", "NotFoundException",
            "does not exist")

    # Back to the real clock: deleted stays deleted.
    srv.stop()
    srv.env = None
    srv.start()
    kms = srv.client("kms")
    t.error("deleted stays deleted after a restart", "NotFoundException",
            kms.describe_key, KeyId=key,
            msg="Key '%s' does not exist" % ARN)
t.done()
