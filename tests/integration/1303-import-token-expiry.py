#!/usr/bin/env python3
"""KMS import tokens last 24 hours: a wrapping key and import token from
GetParametersForImport, used 25 hours later (the server restarted under
Debian's libfaketime 25 hours on, and the boto3 client run under the same
faked clock so SigV4 dates match), answer ExpiredImportTokenException and
import nothing; a fresh token then imports. Material imported with a
ValidTo two days on is still there 25 hours on."""
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


def oaep_wrap(public_der, material):
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding
    pub = serialization.load_der_public_key(public_der)
    return pub.encrypt(material, padding.OAEP(
        mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(),
        label=None))


def client_phase(endpoint, key, token, wrapped, material, key2, ct):
    """Run under faketime (25 hours on): the calls the checks read, as one
    JSON object."""
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
            for k, v in list(r.items()):
                if isinstance(v, bytes):
                    r[k] = base64.b64encode(v).decode()
            return {"ok": r}
        except botocore.exceptions.ClientError as e:
            return {"error": e.response["Error"]["Code"],
                    "message": e.response["Error"].get("Message", "")}

    b64 = base64.b64decode
    out = {}
    out["expired"] = call(kms.import_key_material, KeyId=key,
                          ImportToken=b64(token),
                          EncryptedKeyMaterial=b64(wrapped),
                          ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE")
    out["state_after"] = call(kms.describe_key, KeyId=key)
    fresh = call(kms.get_parameters_for_import, KeyId=key,
                 WrappingAlgorithm="RSAES_OAEP_SHA_256",
                 WrappingKeySpec="RSA_2048")
    if "ok" in fresh:
        out["fresh"] = call(
            kms.import_key_material, KeyId=key,
            ImportToken=b64(fresh["ok"]["ImportToken"]),
            EncryptedKeyMaterial=oaep_wrap(b64(fresh["ok"]["PublicKey"]),
                                           b64(material)),
            ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE")
    out["state_fresh"] = call(kms.describe_key, KeyId=key)
    out["decrypt2"] = call(kms.decrypt, CiphertextBlob=b64(ct))
    out["state2"] = call(kms.describe_key, KeyId=key2)
    print(json.dumps(out, default=str))


if len(sys.argv) > 1 and sys.argv[1] == "--client":
    client_phase(*sys.argv[2:9])
    sys.exit(0)

try:
    import cryptography  # noqa: F401
except ImportError:  # pragma: no cover - a missing prerequisite
    print("python3-cryptography is not installed")
    sys.exit(77)
if not os.path.exists("/usr/bin/faketime"):
    print("faketime (Debian's faketime package) is not installed")
    sys.exit(77)
LIBFAKETIME = (sorted(glob.glob(
    "/usr/lib/*/faketime/libfaketimeMT.so.1")) or [None])[-1]
if not LIBFAKETIME:
    print("libfaketime (Debian's libfaketime package) is not installed")
    sys.exit(77)
FAKE_ENV = {"LD_PRELOAD": LIBFAKETIME, "FAKETIME": "+25h",
            "ASAN_OPTIONS": "detect_leaks=1:verify_asan_link_order=0"}
if subprocess.run([os.environ["LOGVAULT_BIN"], "version"],
                  env=dict(os.environ, **FAKE_ENV),
                  capture_output=True).returncode != 0:
    print("logvault does not run under libfaketime here (sanitizer build?)")
    sys.exit(77)

t = T()
with Server() as srv:
    kms = srv.client("kms")
    key = kms.create_key(Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
    p = kms.get_parameters_for_import(KeyId=key,
                                      WrappingAlgorithm="RSAES_OAEP_SHA_256",
                                      WrappingKeySpec="RSA_2048")
    material = os.urandom(32)
    wrapped = oaep_wrap(p["PublicKey"], material)

    # A second key, its material valid for two days.
    key2 = kms.create_key(Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
    p2 = kms.get_parameters_for_import(KeyId=key2,
                                       WrappingAlgorithm="RSAES_OAEP_SHA_256",
                                       WrappingKeySpec="RSA_2048")
    kms.import_key_material(KeyId=key2, ImportToken=p2["ImportToken"],
                            EncryptedKeyMaterial=oaep_wrap(p2["PublicKey"],
                                                           os.urandom(32)),
                            ExpirationModel="KEY_MATERIAL_EXPIRES",
                            ValidTo=time.time() + 2 * 86400)
    ct = kms.encrypt(KeyId=key2, Plaintext=b"two days")["CiphertextBlob"]

    # 25 hours on: the server and the client under the same faked clock.
    srv.stop()
    srv.env = FAKE_ENV
    srv.start()
    env = dict(os.environ)
    env.pop("ASAN_OPTIONS", None)
    env.pop("LD_PRELOAD", None)
    b64 = lambda b: base64.b64encode(b).decode()  # noqa: E731
    run = faketime_run("+25h", [sys.executable,
                          os.path.abspath(__file__), "--client",
                          srv.endpoint, key, b64(p["ImportToken"]),
                          b64(wrapped), b64(material), key2, b64(ct)],
                         capture_output=True, text=True, env=env)
    if not t.eq("client under faketime ran", 0, run.returncode):
        print(run.stderr[-3000:])
    res = json.loads(run.stdout) if run.returncode == 0 else {}

    def state(what):
        return res.get(what, {}).get("ok", {}).get("KeyMetadata",
                                                   {}).get("KeyState")

    got = res.get("expired", {})
    t.eq("a 25-hour-old token is expired", "ExpiredImportTokenException",
         got.get("error"))
    t.eq("nothing imported with it", "PendingImport", state("state_after"))
    t.ok("a fresh token imports", "ok" in res.get("fresh", {}),
         res.get("fresh"))
    t.eq("then Enabled", "Enabled", state("state_fresh"))
    t.eq("material valid two days is there 25 hours on", "Enabled",
         state("state2"))
    t.eq("and decrypts", b64(b"two days"),
         res.get("decrypt2", {}).get("ok", {}).get("Plaintext"))
t.done()
