"""Deleting a key of a custom key store (SoftHSM2 token): ScheduleKeyDeletion
with a 7-day window, then the server restarted under Debian's libfaketime
8 days on (the boto3 client under the same faked clock so SigV4 dates
match). After a restart the store's PIN is not known (it lives in memory
only), so the store is not connected when the sweeper deletes the key: the
key is gone from KMS (NotFoundException, its ciphertext too), its token
object stays on the token as an orphan — as AWS leaves key material in a
CloudHSM cluster whose key store is disconnected — and the server's log
names it; the store, holding no key any more, can be deleted. Skips
without softhsm2, libfaketime or the p11_probe helper."""
import base64
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T  # noqa: E402

REGION = "eu-west-2"
MODULE = "/usr/lib/softhsm/libsofthsm2.so"
LABEL = "cluster-lvTokenSweep"
PIN = "user-pin-1234"


def client_phase(endpoint, key, ct, cks):
    """Under faketime (8 days on): waits (up to ~20 s) for the sweeper to
    delete key, then makes the calls the checks read; prints their
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
    out["decrypt"] = call(kms.decrypt, CiphertextBlob=base64.b64decode(ct))
    out["store"] = call(kms.describe_custom_key_stores, CustomKeyStoreId=cks)
    out["delete_store"] = call(kms.delete_custom_key_store,
                               CustomKeyStoreId=cks)
    print(json.dumps(out, default=str))


if len(sys.argv) > 1 and sys.argv[1] == "--client":
    client_phase(*sys.argv[2:6])
    sys.exit(0)

if not shutil.which("softhsm2-util") or not os.path.exists(MODULE):
    print("skipped: softhsm2 is not installed (softhsm2-util, %s)" % MODULE)
    sys.exit(77)
if not shutil.which("openssl"):
    print("skipped: openssl (to make a trust anchor certificate) is missing")
    sys.exit(77)
PROBE = os.path.join(os.environ.get("LV_TEST_TOOLS", ""), "p11_probe")
if not os.access(PROBE, os.X_OK):
    print("skipped: p11_probe helper not built (LV_TEST_TOOLS)")
    sys.exit(77)
if not os.path.exists("/usr/bin/faketime"):
    print("skipped: faketime (Debian's faketime package) is not installed")
    sys.exit(77)
LIBFAKETIME = (sorted(glob.glob(
    "/usr/lib/*/faketime/libfaketimeMT.so.1")) or [None])[-1]
if not LIBFAKETIME:
    print("skipped: libfaketime (Debian's libfaketime package) is missing")
    sys.exit(77)
FAKE_ENV = {"LD_PRELOAD": LIBFAKETIME, "FAKETIME": "+8d",
            "ASAN_OPTIONS": "detect_leaks=1:verify_asan_link_order=0"}
if subprocess.run([os.environ["LOGVAULT_BIN"], "version"],
                  env=dict(os.environ, **FAKE_ENV),
                  capture_output=True).returncode != 0:
    print("skipped: logvault does not run under libfaketime here")
    sys.exit(77)

t = T()
scratch = tempfile.mkdtemp(prefix="lv-cksd.")
tokens = os.path.join(scratch, "tokens")
os.mkdir(tokens)
conf = os.path.join(scratch, "softhsm2.conf")
with open(conf, "w") as f:
    f.write("directories.tokendir = %s\nobjectstore.backend = file\n"
            % tokens)
env = dict(os.environ, SOFTHSM2_CONF=conf)
subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", LABEL,
                "--pin", PIN, "--so-pin", "so-pin-5678"],
               env=env, check=True, stdout=subprocess.DEVNULL)
cert = subprocess.run(
    ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
     "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "/dev/null",
     "-subj", "/CN=logvault test trust anchor", "-days", "1"],
    check=True, capture_output=True, text=True).stdout


def probe(key_id):
    p = subprocess.run([PROBE, MODULE, LABEL, PIN, key_id], env=env,
                       capture_output=True, text=True)
    return p.stdout.strip() if p.returncode == 0 else "error: " + p.stdout


with Server("--pkcs11-module", MODULE,
            env={"SOFTHSM2_CONF": conf}) as srv:
    kms = srv.client("kms")
    cks = kms.create_custom_key_store(
        CustomKeyStoreName="sweep", CloudHsmClusterId=LABEL,
        TrustAnchorCertificate=cert, KeyStorePassword=PIN)["CustomKeyStoreId"]
    kms.connect_custom_key_store(CustomKeyStoreId=cks)
    key = kms.create_key(CustomKeyStoreId=cks, Origin="AWS_CLOUDHSM")[
        "KeyMetadata"]["KeyId"]
    ct = kms.encrypt(KeyId=key, Plaintext=b"doomed")["CiphertextBlob"]
    t.eq("the token holds the key", "sealed", probe(key))
    kms.schedule_key_deletion(KeyId=key, PendingWindowInDays=7)
    kms.disconnect_custom_key_store(CustomKeyStoreId=cks)
    t.error("pending deletion: the store still holds a key",
            "CustomKeyStoreHasCMKsException", kms.delete_custom_key_store,
            CustomKeyStoreId=cks)

    # Eight days on, server and client under the same faked clock.
    srv.stop()
    srv.env = dict(FAKE_ENV, SOFTHSM2_CONF=conf)
    srv.start()
    cenv = dict(os.environ)
    cenv.pop("ASAN_OPTIONS", None)
    cenv.pop("LD_PRELOAD", None)
    p = subprocess.run(["/usr/bin/faketime", "-f", "+8d", sys.executable,
                        os.path.abspath(__file__), "--client", srv.endpoint,
                        key, base64.b64encode(ct).decode(), cks],
                       capture_output=True, text=True, env=cenv)
    if not t.eq("client under faketime ran", 0, p.returncode):
        print(p.stderr[-3000:])
    res = json.loads(p.stdout) if p.returncode == 0 else {}
    t.ok("the sweeper deleted the key after its deletion date",
         res.get("deleted"), "key %s still exists 8 days on" % key)
    t.eq("its ciphertext names a deleted key: NotFoundException",
         "NotFoundException", res.get("decrypt", {}).get("error"))
    stores = res.get("store", {}).get("ok", {}).get("CustomKeyStores", [{}])
    t.eq("after the restart the store is not connected", "DISCONNECTED",
         stores[0].get("ConnectionState"))
    t.ok("the store, holding no key, is deleted",
         "ok" in res.get("delete_store", {}), res.get("delete_store"))
    t.eq("the token key stays on the token (an orphan)", "sealed",
         probe(key))
    log = srv.read_log()
    t.ok("the log names the orphan", "token key %s stays on the token" % key
         in log)
    t.ok("the server's log names no PIN", PIN not in log)

shutil.rmtree(scratch, ignore_errors=True)
t.done()
