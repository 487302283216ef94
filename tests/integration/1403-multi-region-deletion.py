#!/usr/bin/env python3
"""Deleting a multi-Region key, for real: a primary with a replica is
scheduled for deletion and waits as PendingReplicaDeletion with no date;
its replica is scheduled with a 7-day window. Eight days on (the server
restarted under Debian's libfaketime, the boto3 client under the same
faked clock so SigV4 dates match) the sweeper has deleted the replica, and
the primary is PendingDeletion with its own 7-day window starting then;
its ciphertexts still decrypt nowhere but where a record is left."""
import glob
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T, faketime_run  # noqa: E402

R1, R2 = "eu-west-2", "us-east-1"


def client_phase(endpoint, key):
    """Run under faketime (8 days on): waits (up to ~20 s) for the sweeper
    to delete the replica, then prints what the checks read as JSON."""
    import boto3
    import botocore.config
    import botocore.exceptions

    def kms(region):
        return boto3.session.Session().client(
            "kms", region_name=region, endpoint_url=endpoint,
            aws_access_key_id="test", aws_secret_access_key="test",
            config=botocore.config.Config(retries={"max_attempts": 0}))

    def call(fn, **kw):
        try:
            r = fn(**kw)
            r.pop("ResponseMetadata", None)
            return {"ok": r}
        except botocore.exceptions.ClientError as e:
            return {"error": e.response["Error"]["Code"]}

    out = {"deleted": False}
    for _ in range(100):
        if call(kms(R2).describe_key, KeyId=key).get("error") == \
                "NotFoundException":
            out["deleted"] = True
            break
        time.sleep(0.2)
    md = call(kms(R1).describe_key, KeyId=key).get("ok", {}).get(
        "KeyMetadata", {})
    out["state"] = md.get("KeyState")
    dd = md.get("DeletionDate")
    out["days_left"] = (dd.timestamp() - time.time()) / 86400 if dd else None
    out["replicas"] = md.get("MultiRegionConfiguration", {}).get(
        "ReplicaKeys")
    print(json.dumps(out))


if len(sys.argv) > 1 and sys.argv[1] == "--client":
    client_phase(*sys.argv[2:4])
    sys.exit(0)

if not os.path.exists("/usr/bin/faketime"):
    print("faketime (Debian's faketime package) is not installed")
    sys.exit(77)
LIBFAKETIME = (sorted(glob.glob(
    "/usr/lib/*/faketime/libfaketimeMT.so.1")) or [None])[-1]
if not LIBFAKETIME:
    print("libfaketime (Debian's libfaketime package) is not installed")
    sys.exit(77)
FAKE_ENV = {"LD_PRELOAD": LIBFAKETIME, "FAKETIME": "+8d",
            "ASAN_OPTIONS": "detect_leaks=1:verify_asan_link_order=0"}
if subprocess.run([os.environ["LOGVAULT_BIN"], "version"],
                  env=dict(os.environ, **FAKE_ENV),
                  capture_output=True).returncode != 0:
    print("logvault does not run under libfaketime here (sanitizer build?)")
    sys.exit(77)

t = T()

with Server() as srv:
    k1 = srv.client("kms", region=R1)
    k2 = srv.client("kms", region=R2)
    key = k1.create_key(MultiRegion=True)["KeyMetadata"]["KeyId"]
    k1.replicate_key(KeyId=key, ReplicaRegion=R2)
    t.eq("primary waits for its replica", "PendingReplicaDeletion",
         k1.schedule_key_deletion(KeyId=key,
                                  PendingWindowInDays=7)["KeyState"])
    t.eq("replica scheduled", "PendingDeletion",
         k2.schedule_key_deletion(KeyId=key,
                                  PendingWindowInDays=7)["KeyState"])

    srv.stop()
    srv.env = FAKE_ENV
    srv.start()
    env = dict(os.environ)
    env.pop("ASAN_OPTIONS", None)
    env.pop("LD_PRELOAD", None)
    p = faketime_run("+8d", [sys.executable,
                        os.path.abspath(__file__), "--client", srv.endpoint,
                        key], capture_output=True, text=True, env=env)
    if not t.eq("client under faketime ran", 0, p.returncode):
        print(p.stderr[-3000:])
    res = json.loads(p.stdout) if p.returncode == 0 else {}
    t.ok("the sweeper deleted the replica", res.get("deleted"), res)
    t.eq("the primary is now PendingDeletion", "PendingDeletion",
         res.get("state"))
    t.eq("with no replica left", [], res.get("replicas"))
    # Seven days from the sweep (a few seconds ago on the faked clock),
    # not from the original request eight days before.
    left = res.get("days_left")
    t.ok("its 7-day window starts when the last replica went",
         left is not None and 6.9 < left <= 7.0, left)
t.done()
