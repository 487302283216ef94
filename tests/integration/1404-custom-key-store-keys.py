"""Keys in a custom key store on a PKCS#11 token (SoftHSM2) through boto3:
CreateKey with CustomKeyStoreId and Origin AWS_CLOUDHSM (and AWS's errors:
an unknown store, a store not connected, a key spec, key usage or
multi-Region key the store cannot hold, Origin and store given apart),
DescribeKey (CustomKeyStoreId, CloudHsmClusterId), the key object on the
token (asked through the p11_probe helper: present, sensitive, not
extractable), Encrypt / Decrypt / GenerateDataKey* / ReEncrypt on the
token, tampered ciphertexts refused, the key unusable while its store is
disconnected and its earlier ciphertexts readable again after reconnecting,
rotation and GenerateDataKeyPair refused, GenerateRandom from the token,
DeleteCustomKeyStore refused while it holds keys, the audit trail's
CreateKey record, and a CloudWatch Logs group whose events are sealed
under such a key. Skips without softhsm2 or the helper."""
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import boto3
import botocore.config

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T  # noqa: E402

MODULE = "/usr/lib/softhsm/libsofthsm2.so"
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

ACCOUNT = "123456789012"
REGION = "eu-west-2"
LABEL = "cluster-lvTokenKeys"
PIN = "user-pin-1234"
GROUP = "hsm-group"

t = T()
scratch = tempfile.mkdtemp(prefix="lv-cksk.")
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
    """What the token holds under the key's label (another process)."""
    p = subprocess.run([PROBE, MODULE, LABEL, PIN, key_id], env=env,
                       capture_output=True, text=True)
    return p.stdout.strip() if p.returncode == 0 else "error: " + p.stdout


def policy():
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "Enable IAM User Permissions", "Effect": "Allow",
         "Principal": {"AWS": "arn:aws:iam::%s:root" % ACCOUNT},
         "Action": "kms:*", "Resource": "*"},
        {"Effect": "Allow",
         "Principal": {"Service": "logs.%s.amazonaws.com" % REGION},
         "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*",
                    "kms:GenerateDataKey*", "kms:Describe*"],
         "Resource": "*"}]})


with Server("--pkcs11-module", MODULE, "--audit-trail",
            env={"SOFTHSM2_CONF": conf}) as srv:
    kms = srv.client("kms")
    logs = srv.client("logs")
    cks = kms.create_custom_key_store(
        CustomKeyStoreName="keys", CloudHsmClusterId=LABEL,
        TrustAnchorCertificate=cert, KeyStorePassword=PIN)["CustomKeyStoreId"]

    def create(**kw):
        args = dict(CustomKeyStoreId=cks, Origin="AWS_CLOUDHSM")
        args.update(kw)
        return kms.create_key(**args)["KeyMetadata"]

    # CreateKey's errors.
    t.error("store not connected: CustomKeyStoreInvalidStateException",
            "CustomKeyStoreInvalidStateException", create)
    kms.connect_custom_key_store(CustomKeyStoreId=cks)
    t.error("unknown store: CustomKeyStoreNotFoundException",
            "CustomKeyStoreNotFoundException", create,
            CustomKeyStoreId="cks-0123456789abcdef0")
    t.error("CustomKeyStoreId without Origin AWS_CLOUDHSM: "
            "ValidationException", "ValidationException", kms.create_key,
            CustomKeyStoreId=cks)
    t.error("Origin AWS_CLOUDHSM without a store: ValidationException",
            "ValidationException", kms.create_key, Origin="AWS_CLOUDHSM")
    t.error("RSA_2048 in a store: UnsupportedOperationException",
            "UnsupportedOperationException", create, KeySpec="RSA_2048",
            KeyUsage="SIGN_VERIFY")
    t.error("HMAC in a store: UnsupportedOperationException",
            "UnsupportedOperationException", create, KeySpec="HMAC_256",
            KeyUsage="GENERATE_VERIFY_MAC")
    t.error("multi-Region in a store: UnsupportedOperationException",
            "UnsupportedOperationException", create, MultiRegion=True)
    t.eq("the refused calls made no key", [], kms.list_keys()["Keys"])

    # A key on the token.
    md = create(Description="on the token", Policy=policy())
    key = md["KeyId"]
    t.eq("Origin", "AWS_CLOUDHSM", md["Origin"])
    t.eq("CustomKeyStoreId", cks, md.get("CustomKeyStoreId"))
    t.eq("CloudHsmClusterId", LABEL, md.get("CloudHsmClusterId"))
    t.eq("KeySpec", "SYMMETRIC_DEFAULT", md["KeySpec"])
    t.eq("Enabled", "Enabled", md["KeyState"])
    md = kms.describe_key(KeyId=key)["KeyMetadata"]
    t.eq("DescribeKey: CustomKeyStoreId", cks, md.get("CustomKeyStoreId"))
    t.eq("DescribeKey: CloudHsmClusterId", LABEL,
         md.get("CloudHsmClusterId"))
    t.eq("DescribeKey: Origin", "AWS_CLOUDHSM", md["Origin"])
    t.eq("the token holds the key, sensitive and not extractable", "sealed",
         probe(key))
    t.eq("the token holds nothing under another label", "absent",
         probe("not-" + key))

    # Cryptography on the token.
    ctx = {"purpose": "test"}
    ct = kms.encrypt(KeyId=key, Plaintext=b"secret text",
                     EncryptionContext=ctx)["CiphertextBlob"]
    t.ok("the ciphertext does not hold the plaintext",
         b"secret text" not in ct)
    r = kms.decrypt(CiphertextBlob=ct, EncryptionContext=ctx)
    t.eq("Decrypt without KeyId", b"secret text", r["Plaintext"])
    t.ok("Decrypt names the key", r["KeyId"].endswith(key), r["KeyId"])
    t.eq("Decrypt with KeyId", b"secret text",
         kms.decrypt(CiphertextBlob=ct, EncryptionContext=ctx,
                     KeyId=key)["Plaintext"])
    t.error("another context: InvalidCiphertextException",
            "InvalidCiphertextException", kms.decrypt, CiphertextBlob=ct,
            EncryptionContext={"purpose": "other"})
    for name, at in (("the version in the header", 23), ("the IV", 24),
                     ("the ciphertext", 40), ("the tag", len(ct) - 1)):
        bad = bytearray(ct)
        bad[at] ^= 1
        t.error("tampered %s: InvalidCiphertextException" % name,
                "InvalidCiphertextException", kms.decrypt,
                CiphertextBlob=bytes(bad), EncryptionContext=ctx)
    dk = kms.generate_data_key(KeyId=key, KeySpec="AES_256")
    t.eq("GenerateDataKey: its blob decrypts to its plaintext",
         dk["Plaintext"],
         kms.decrypt(CiphertextBlob=dk["CiphertextBlob"])["Plaintext"])
    dk2 = kms.generate_data_key_without_plaintext(KeyId=key,
                                                  NumberOfBytes=24)
    t.eq("GenerateDataKeyWithoutPlaintext: 24 bytes", 24,
         len(kms.decrypt(CiphertextBlob=dk2["CiphertextBlob"])["Plaintext"]))
    plain = kms.create_key()["KeyMetadata"]["KeyId"]
    re1 = kms.re_encrypt(CiphertextBlob=ct, SourceEncryptionContext=ctx,
                         DestinationKeyId=plain)
    t.ok("ReEncrypt to a key of KMS", re1["KeyId"].endswith(plain))
    re2 = kms.re_encrypt(CiphertextBlob=re1["CiphertextBlob"],
                         DestinationKeyId=key, DestinationEncryptionContext=ctx)
    t.ok("ReEncrypt back to the token key", re2["KeyId"].endswith(key))
    t.eq("the twice re-encrypted text", b"secret text",
         kms.decrypt(CiphertextBlob=re2["CiphertextBlob"],
                     EncryptionContext=ctx)["Plaintext"])
    t.error("a blob of a KMS key is no token key's: "
            "IncorrectKeyException", "IncorrectKeyException", kms.decrypt,
            CiphertextBlob=re1["CiphertextBlob"], KeyId=key)

    t.error("GenerateDataKeyPair: UnsupportedOperationException",
            "UnsupportedOperationException", kms.generate_data_key_pair,
            KeyId=key, KeyPairSpec="ECC_NIST_P256")
    rnd = kms.generate_random(NumberOfBytes=48,
                              CustomKeyStoreId=cks)["Plaintext"]
    t.eq("GenerateRandom from the store's token: 48 bytes", 48, len(rnd))
    t.error("GenerateRandom, unknown store: CustomKeyStoreNotFoundException",
            "CustomKeyStoreNotFoundException", kms.generate_random,
            NumberOfBytes=8, CustomKeyStoreId="cks-0123456789abcdef0")
    t.error("rotation: UnsupportedOperationException",
            "UnsupportedOperationException", kms.enable_key_rotation,
            KeyId=key)

    # A log group sealed under the token key.
    logs.create_log_group(logGroupName=GROUP)
    logs.associate_kms_key(logGroupName=GROUP,
                           kmsKeyId=kms.describe_key(KeyId=key)
                           ["KeyMetadata"]["Arn"])
    logs.create_log_stream(logGroupName=GROUP, logStreamName="s")
    now = int(time.time() * 1000)
    logs.put_log_events(logGroupName=GROUP, logStreamName="s", logEvents=[
        {"timestamp": now - 1000 + i, "message": "hsm event %d" % i}
        for i in range(3)])

    def events():
        r = logs.get_log_events(logGroupName=GROUP, logStreamName="s",
                                startFromHead=True)
        return [e["message"] for e in r["events"]]

    t.eq("log events round-trip under the token key",
         ["hsm event 0", "hsm event 1", "hsm event 2"], events())
    t.ok("the group names the key",
         logs.describe_log_groups(logGroupNamePrefix=GROUP)
         ["logGroups"][0].get("kmsKeyId", "").endswith(key))

    # Disconnected: the key cannot be used, nor a key created.
    kms.disconnect_custom_key_store(CustomKeyStoreId=cks)
    e = t.error("disconnected: Encrypt is KMSInvalidStateException",
                "KMSInvalidStateException", kms.encrypt, KeyId=key,
                Plaintext=b"x")
    if e:
        text = e.response["Error"]["Message"]
        t.ok("the message names the store", cks in text, text)
    t.error("disconnected: Decrypt is KMSInvalidStateException",
            "KMSInvalidStateException", kms.decrypt, CiphertextBlob=ct,
            EncryptionContext=ctx)
    t.error("disconnected: GenerateDataKey is KMSInvalidStateException",
            "KMSInvalidStateException", kms.generate_data_key, KeyId=key,
            KeySpec="AES_256")
    t.eq("disconnected: DescribeKey shows Unavailable", "Unavailable",
         kms.describe_key(KeyId=key)["KeyMetadata"]["KeyState"])
    t.error("disconnected: CreateKey is CustomKeyStoreInvalidStateException",
            "CustomKeyStoreInvalidStateException", create)
    t.error("disconnected: GenerateRandom is "
            "CustomKeyStoreInvalidStateException",
            "CustomKeyStoreInvalidStateException", kms.generate_random,
            NumberOfBytes=8, CustomKeyStoreId=cks)
    t.error("a store with keys: CustomKeyStoreHasCMKsException",
            "CustomKeyStoreHasCMKsException", kms.delete_custom_key_store,
            CustomKeyStoreId=cks)

    # Reconnected: what was sealed before opens again.
    kms.connect_custom_key_store(CustomKeyStoreId=cks)
    t.eq("reconnected: the earlier ciphertext decrypts", b"secret text",
         kms.decrypt(CiphertextBlob=ct, EncryptionContext=ctx)["Plaintext"])
    t.eq("reconnected: the log group reads", 3, len(events()))
    t.eq("reconnected: Enabled", "Enabled",
         kms.describe_key(KeyId=key)["KeyMetadata"]["KeyState"])

    # Deletion is scheduled as for any key.
    logs.disassociate_kms_key(logGroupName=GROUP)
    kms.schedule_key_deletion(KeyId=key, PendingWindowInDays=7)
    t.eq("PendingDeletion", "PendingDeletion",
         kms.describe_key(KeyId=key)["KeyMetadata"]["KeyState"])
    t.error("pending deletion: Encrypt is KMSInvalidStateException",
            "KMSInvalidStateException", kms.encrypt, KeyId=key,
            Plaintext=b"x")
    # The audit trail's CreateKey record (ct-createkey): the store in
    # requestParameters, the metadata with it in responseElements.
    trail = boto3.session.Session().client(
        "cloudtrail", region_name=REGION, endpoint_url=srv.endpoint,
        aws_access_key_id="test", aws_secret_access_key="test",
        config=botocore.config.Config(
            retries={"max_attempts": 20, "mode": "standard"}))
    recs = []
    for page in trail.get_paginator("lookup_events").paginate(
            LookupAttributes=[{"AttributeKey": "EventName",
                               "AttributeValue": "CreateKey"}]):
        recs += [json.loads(e["CloudTrailEvent"]) for e in page["Events"]]
    mine = [r for r in recs if not r.get("errorCode") and
            ((r.get("responseElements") or {}).get("keyMetadata") or {})
            .get("keyId") == key]
    t.eq("CreateKey recorded once", 1, len(mine))
    if mine:
        t.eq("requestParameters: customKeyStoreId and origin",
             [cks, "AWS_CLOUDHSM"],
             [mine[0]["requestParameters"].get("customKeyStoreId"),
              mine[0]["requestParameters"].get("origin")])
        kmd = mine[0]["responseElements"]["keyMetadata"]
        t.eq("keyMetadata: customKeyStoreId, cloudHsmClusterId",
             [cks, LABEL],
             [kmd.get("customKeyStoreId"), kmd.get("cloudHsmClusterId")])
    log = srv.read_log()
    t.ok("the server's log names no PIN and no plaintext",
         PIN not in log and "secret text" not in log and
         "hsm event" not in log)

shutil.rmtree(scratch, ignore_errors=True)
t.done()
