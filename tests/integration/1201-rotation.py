"""Key rotation through boto3: EnableKeyRotation (default and custom
periods), DisableKeyRotation, GetKeyRotationStatus (on and off),
RotateKeyOnDemand (and its limit of 10), ListKeyRotations (paging,
ALL_KEY_MATERIAL); asymmetric and HMAC keys refused; a disabled key
refused; ciphertexts of every material version still decrypt; automatic
rotation happens when due (the server run under faketime)."""
import json
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T, faketime_run  # noqa: E402

t = T()
DAY = 86400
ASYM_MSG = ("You cannot perform this operation on a non-symmetric key or a "
            "key with non-ENCRYPT_DECRYPT key usage.")


class KmsError(Exception):
    def __init__(self, code, msg):
        super().__init__("%s: %s" % (code, msg))
        self.code, self.msg = code, msg


def raw(srv, op, **body):
    """One KMS call as raw JSON: Debian's botocore 1.29 predates
    RotateKeyOnDemand, ListKeyRotations and RotationPeriodInDays."""
    st, _, data = srv.raw(json.dumps(body), target="TrentService." + op)
    out = json.loads(data or b"{}")
    if st != 200:
        raise KmsError(out.get("__type"), out.get("message", ""))
    return out


def raw_error(name, code, srv, op, msg=None, **body):
    try:
        raw(srv, op, **body)
    except KmsError as e:
        return t.ok(name, e.code == code and (msg is None or msg in e.msg),
                    "expected %s %r, got %s %r" % (code, msg, e.code, e.msg))
    return t.ok(name, False, "expected %s, but it succeeded" % code)


data_dir = tempfile.mkdtemp(prefix="lv-1201.")
with Server(data_dir=data_dir) as srv:
    kms = srv.client("kms")
    key = kms.create_key()["KeyMetadata"]
    kid, arn = key["KeyId"], key["Arn"]

    st = raw(srv, "GetKeyRotationStatus", KeyId=kid)
    t.eq("status off: KeyRotationEnabled", False, st["KeyRotationEnabled"])
    t.eq("status off: KeyId", kid, st.get("KeyId"))
    t.ok("status off: no period or date",
         "RotationPeriodInDays" not in st and "NextRotationDate" not in st,
         st)

    ct0 = kms.encrypt(KeyId=kid, Plaintext=b"before any rotation",
                      EncryptionContext={"k": "v"})["CiphertextBlob"]

    before = time.time()
    kms.enable_key_rotation(KeyId=kid)
    st = raw(srv, "GetKeyRotationStatus", KeyId=arn)
    t.eq("enabled: KeyRotationEnabled", True, st["KeyRotationEnabled"])
    t.eq("enabled: default period 365", 365, st.get("RotationPeriodInDays"))
    nrd = st["NextRotationDate"]
    t.ok("enabled: NextRotationDate = now + 365 days",
         abs(nrd - (before + 365 * DAY)) < 120, (nrd, before))

    raw(srv, "EnableKeyRotation", KeyId=kid, RotationPeriodInDays=90)
    st = raw(srv, "GetKeyRotationStatus", KeyId=kid)
    t.eq("custom period 90", 90, st["RotationPeriodInDays"])
    t.ok("custom period: next date in 90 days",
         abs(st["NextRotationDate"] - (time.time() + 90 * DAY))
         < 120, st)
    kms.enable_key_rotation(KeyId=kid)
    t.eq("re-enable without a period keeps it", 90,
         raw(srv, "GetKeyRotationStatus", KeyId=kid)["RotationPeriodInDays"])
    raw_error("period 89 refused", "ValidationException", srv,
              "EnableKeyRotation", KeyId=kid, RotationPeriodInDays=89)
    raw_error("period 2561 refused", "ValidationException", srv,
              "EnableKeyRotation", KeyId=kid, RotationPeriodInDays=2561)
    raw(srv, "EnableKeyRotation", KeyId=kid, RotationPeriodInDays=2560)
    t.eq("period 2560 accepted", 2560,
         raw(srv, "GetKeyRotationStatus", KeyId=kid)["RotationPeriodInDays"])

    kms.disable_key_rotation(KeyId=kid)
    st = raw(srv, "GetKeyRotationStatus", KeyId=kid)
    t.eq("disabled rotation: off", False, st["KeyRotationEnabled"])
    t.ok("disabled rotation: no NextRotationDate",
         "NextRotationDate" not in st, st)

    # ---- errors --------------------------------------------------------
    t.error("unknown key", "NotFoundException", kms.enable_key_rotation,
            KeyId="11111111-2222-3333-4444-555555555555",
            msg="does not exist")
    t.error("alias not accepted by EnableKeyRotation", "NotFoundException",
            kms.enable_key_rotation, KeyId="alias/none")
    for spec, usage in (("RSA_2048", "SIGN_VERIFY"),
                        ("ECC_NIST_P256", "SIGN_VERIFY"),
                        ("RSA_2048", "ENCRYPT_DECRYPT"),
                        ("HMAC_256", "GENERATE_VERIFY_MAC")):
        a = kms.create_key(KeySpec=spec, KeyUsage=usage)["KeyMetadata"]
        t.error("EnableKeyRotation on %s/%s" % (spec, usage),
                "UnsupportedOperationException", kms.enable_key_rotation,
                KeyId=a["KeyId"], msg=ASYM_MSG)
        raw_error("RotateKeyOnDemand on %s" % spec,
                  "UnsupportedOperationException", srv, "RotateKeyOnDemand",
                  KeyId=a["KeyId"])
        raw_error("ListKeyRotations on %s" % spec,
                  "UnsupportedOperationException", srv, "ListKeyRotations",
                  KeyId=a["KeyId"])
        t.eq("GetKeyRotationStatus on %s: false" % spec, False,
             kms.get_key_rotation_status(
                 KeyId=a["KeyId"])["KeyRotationEnabled"])

    off = kms.create_key()["KeyMetadata"]
    kms.disable_key(KeyId=off["KeyId"])
    t.error("EnableKeyRotation on a disabled key", "DisabledException",
            kms.enable_key_rotation, KeyId=off["KeyId"],
            msg=off["Arn"] + " is disabled.")
    raw_error("RotateKeyOnDemand on a disabled key", "DisabledException",
              srv, "RotateKeyOnDemand", KeyId=off["KeyId"])
    t.eq("GetKeyRotationStatus on a disabled key", False,
         kms.get_key_rotation_status(KeyId=off["KeyId"])["KeyRotationEnabled"])

    # ---- on-demand rotation ------------------------------------------------
    t.eq("no rotations yet", [],
         raw(srv, "ListKeyRotations", KeyId=kid)["Rotations"])
    r = raw(srv, "RotateKeyOnDemand", KeyId=kid)
    t.eq("RotateKeyOnDemand returns KeyId", kid, r.get("KeyId"))
    rots = raw(srv, "ListKeyRotations", KeyId=kid)
    t.eq("one rotation", 1, len(rots["Rotations"]))
    t.eq("rotation type", "ON_DEMAND", rots["Rotations"][0]["RotationType"])
    t.eq("rotation KeyId", kid, rots["Rotations"][0]["KeyId"])
    t.ok("rotation date now",
         abs(rots["Rotations"][0]["RotationDate"] - time.time())
         < 120, rots)
    t.eq("not truncated", False, rots["Truncated"])
    t.ok("status has no OnDemandRotationStartDate once done",
         "OnDemandRotationStartDate" not in
         raw(srv, "GetKeyRotationStatus", KeyId=kid), None)
    allm = raw(srv, "ListKeyRotations", KeyId=kid,
               IncludeKeyMaterial="ALL_KEY_MATERIAL")
    t.eq("ALL_KEY_MATERIAL lists the first material too", 2,
         len(allm["Rotations"]))
    t.ok("first material has no RotationType",
         "RotationType" not in allm["Rotations"][0], allm)

    ct1 = kms.encrypt(KeyId=kid, Plaintext=b"after one rotation")[
        "CiphertextBlob"]
    t.eq("old ciphertext decrypts after rotation", b"before any rotation",
         kms.decrypt(CiphertextBlob=ct0,
                     EncryptionContext={"k": "v"})["Plaintext"])
    t.eq("new ciphertext decrypts", b"after one rotation",
         kms.decrypt(CiphertextBlob=ct1)["Plaintext"])
    t.ok("new ciphertext differs in material version",
         ct0[20:24] != ct1[20:24], (ct0[:24], ct1[:24]))

    for i in range(9):
        raw(srv, "RotateKeyOnDemand", KeyId=arn)
    raw_error("11th on-demand rotation refused", "LimitExceededException",
              srv, "RotateKeyOnDemand", KeyId=kid)
    rots = raw(srv, "ListKeyRotations", KeyId=kid)["Rotations"]
    t.eq("ten rotations listed", 10, len(rots))
    t.eq("old ciphertext decrypts after ten rotations",
         b"before any rotation",
         kms.decrypt(CiphertextBlob=ct0,
                     EncryptionContext={"k": "v"})["Plaintext"])
    t.eq("ciphertext of version 2 decrypts", b"after one rotation",
         kms.decrypt(CiphertextBlob=ct1)["Plaintext"])

    # paging
    p1 = raw(srv, "ListKeyRotations", KeyId=kid, Limit=4)
    t.eq("page 1 size", 4, len(p1["Rotations"]))
    t.eq("page 1 truncated", True, p1["Truncated"])
    seen = list(p1["Rotations"])
    marker = p1.get("NextMarker")
    while marker:
        p = raw(srv, "ListKeyRotations", KeyId=kid, Limit=4,
                Marker=marker)
        seen += p["Rotations"]
        marker = p.get("NextMarker")
        t.eq("Truncated matches NextMarker", bool(marker), p["Truncated"])
    t.eq("pages cover all ten", 10, len(seen))
    t.eq("pages equal the full list", rots, seen)
    raw_error("bad marker", "InvalidMarkerException", srv,
              "ListKeyRotations", KeyId=kid, Marker="garbage")

    # The older model (the system boto3, like CLI v2.9: no
    # RotationPeriodInDays) speaks to the same operations.
    st = kms.get_key_rotation_status(KeyId=kid)
    t.eq("old model get-key-rotation-status: KeyRotationEnabled", False,
         st["KeyRotationEnabled"])
    r = kms.enable_key_rotation(KeyId=kid)
    t.eq("old model enable-key-rotation", 200,
         r["ResponseMetadata"]["HTTPStatusCode"])
    t.eq("old model: now enabled", True,
         kms.get_key_rotation_status(KeyId=kid)["KeyRotationEnabled"])

    # ---- automatic rotation when due ---------------------------------------
    auto = kms.create_key()["KeyMetadata"]["KeyId"]
    raw(srv, "EnableKeyRotation", KeyId=auto, RotationPeriodInDays=90)
    cta = kms.encrypt(KeyId=auto, Plaintext=b"auto")["CiphertextBlob"]
    srv.stop()

# libfaketime preloaded straight into the server (the faketime wrapper
# would stand between the test's SIGTERM and the server); ASan has to be
# told a preload ahead of it is fine.
FAKETIME_LIB = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"
if not os.path.exists(FAKETIME_LIB) or not shutil.which("faketime"):
    print("libfaketime (Debian's faketime) is not installed")
    sys.exit(77)
with Server(data_dir=data_dir,
            env={"LD_PRELOAD": FAKETIME_LIB, "FAKETIME": "+91d",
                 "ASAN_OPTIONS":
                 "detect_leaks=1:verify_asan_link_order=0"}) as srv:
    # The client's clock must agree with the server's for SigV4.
    probe = r"""
import json, sys, time
sys.path.insert(0, sys.argv[3])
from lvtest import Server
srv = Server()
srv.port = int(sys.argv[1])
def call(op, **body):
    st, _, data = srv.raw(json.dumps(body), target="TrentService." + op)
    return json.loads(data)
deadline = time.time() + 30
rots = []
while time.time() < deadline:
    rots = call("ListKeyRotations", KeyId=sys.argv[2])["Rotations"]
    if rots:
        break
    time.sleep(0.5)
st = call("GetKeyRotationStatus", KeyId=sys.argv[2])
print(json.dumps({"types": [r["RotationType"] for r in rots],
                  "next": st.get("NextRotationDate", 0),
                  "now": time.time()}))
import shutil
shutil.rmtree(srv.scratch, ignore_errors=True)
"""
    p = faketime_run("+91d", [sys.executable, "-c",
                        probe, str(srv.port), auto,
                        os.path.dirname(os.path.abspath(__file__))],
                       capture_output=True,
                       text=True, timeout=90)
    t.eq("probe under faketime ran", 0, p.returncode)
    if p.returncode == 0:
        res = json.loads(p.stdout.strip().splitlines()[-1])
        t.eq("automatic rotation happened when due", ["AUTOMATIC"],
             res["types"])
        t.ok("next rotation moved 90 days on",
             abs(res["next"] - (res["now"] + 90 * DAY)) < 300, res)
    else:
        print(p.stderr[-2000:])
    # Back to the real clock: the old ciphertext still decrypts.
    srv.stop()

with Server(data_dir=data_dir) as srv:
    kms = srv.client("kms")
    t.eq("ciphertext from before the automatic rotation decrypts", b"auto",
         kms.decrypt(CiphertextBlob=cta)["Plaintext"])
shutil.rmtree(data_dir, ignore_errors=True)
t.done()
