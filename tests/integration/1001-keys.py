"""KMS keys through boto3: CreateKey for every key spec and the AWS rules
for KeySpec x KeyUsage, DescribeKey by every form of KeyId, ListKeys
paging, UpdateKeyDescription, EnableKey/DisableKey, ScheduleKeyDeletion /
CancelKeyDeletion state rules, and that a restart keeps all of it."""
import datetime
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T, aws_type  # noqa: E402

t = T()
ACCOUNT = "123456789012"
REGION = "eu-west-2"
META = {
    "AWSAccountId": str, "KeyId": str, "Arn": str,
    "CreationDate": datetime.datetime, "Enabled": bool, "Description": str,
    "KeyUsage": str, "KeyState": str, "Origin": str, "KeyManager": str,
    "CustomerMasterKeySpec": str, "KeySpec": str, "MultiRegion": bool,
}


def shape(name, md, extra=()):
    for k, typ in META.items():
        t.ok("%s: %s is %s" % (name, k, typ.__name__),
             isinstance(md.get(k), typ), repr(md.get(k)))
    for k in extra:
        t.ok("%s: has %s" % (name, k), k in md, sorted(md))


with Server() as srv:
    kms = srv.client("kms")
    t.eq("no keys at first", [], kms.list_keys()["Keys"])

    r = kms.create_key(Description="first")
    md = r["KeyMetadata"]
    shape("symmetric", md, ["EncryptionAlgorithms"])
    kid = md["KeyId"]
    arn = "arn:aws:kms:%s:%s:key/%s" % (REGION, ACCOUNT, kid)
    t.eq("arn", arn, md["Arn"])
    t.eq("spec default", "SYMMETRIC_DEFAULT", md["KeySpec"])
    t.eq("usage default", "ENCRYPT_DECRYPT", md["KeyUsage"])
    t.eq("state", "Enabled", md["KeyState"])
    t.eq("origin", "AWS_KMS", md["Origin"])
    t.eq("enc algs", ["SYMMETRIC_DEFAULT"], md["EncryptionAlgorithms"])
    t.ok("creation date is recent",
         abs(md["CreationDate"].timestamp() -
             datetime.datetime.now().timestamp()) < 120)

    cases = [
        ("RSA_2048", "ENCRYPT_DECRYPT", "EncryptionAlgorithms"),
        ("RSA_3072", "SIGN_VERIFY", "SigningAlgorithms"),
        ("RSA_4096", "SIGN_VERIFY", "SigningAlgorithms"),
        ("ECC_NIST_P256", "SIGN_VERIFY", "SigningAlgorithms"),
        ("ECC_NIST_P384", "SIGN_VERIFY", "SigningAlgorithms"),
        ("ECC_NIST_P521", "SIGN_VERIFY", "SigningAlgorithms"),
        ("HMAC_256", "GENERATE_VERIFY_MAC", "MacAlgorithms"),
        ("HMAC_384", "GENERATE_VERIFY_MAC", "MacAlgorithms"),
        ("HMAC_512", "GENERATE_VERIFY_MAC", "MacAlgorithms"),
    ]
    for spec, usage, algs in cases:
        m = kms.create_key(KeySpec=spec, KeyUsage=usage)["KeyMetadata"]
        shape(spec, m, [algs])
        t.eq(spec + " spec", spec, m["KeySpec"])
        t.eq(spec + " usage", usage, m["KeyUsage"])
    m = kms.create_key(CustomerMasterKeySpec="RSA_2048",
                       KeyUsage="SIGN_VERIFY")["KeyMetadata"]
    t.eq("deprecated CustomerMasterKeySpec", "RSA_2048", m["KeySpec"])
    m = kms.create_key(KeySpec="RSA_2048")["KeyMetadata"]
    t.eq("RSA usage defaults to ENCRYPT_DECRYPT", "ENCRYPT_DECRYPT",
         m["KeyUsage"])

    # Spec x usage rules.
    t.error("HMAC without usage", "ValidationException", kms.create_key,
            KeySpec="HMAC_256",
            msg="You must specify a KeyUsage value for all KMS keys except "
                "for symmetric encryption keys.")
    t.error("ECC with default usage", "ValidationException", kms.create_key,
            KeySpec="ECC_NIST_P256",
            msg="KeyUsage ENCRYPT_DECRYPT is not compatible with KeySpec "
                "ECC_NIST_P256")
    t.error("symmetric SIGN_VERIFY", "ValidationException", kms.create_key,
            KeyUsage="SIGN_VERIFY",
            msg="KeyUsage SIGN_VERIFY is not compatible with KeySpec "
                "SYMMETRIC_DEFAULT")
    t.error("RSA mac", "ValidationException", kms.create_key,
            KeySpec="RSA_2048", KeyUsage="GENERATE_VERIFY_MAC",
            msg="is not compatible with KeySpec RSA_2048")
    t.error("HMAC encrypt", "ValidationException", kms.create_key,
            KeySpec="HMAC_384", KeyUsage="ENCRYPT_DECRYPT")
    t.error("both spec members", "ValidationException", kms.create_key,
            KeySpec="RSA_2048", CustomerMasterKeySpec="RSA_2048",
            KeyUsage="SIGN_VERIFY",
            msg="You cannot specify KeySpec and CustomerMasterKeySpec")
    # SM2 is for China Regions only, which this server does not serve.
    t.error("unsupported SM2", "UnsupportedOperationException",
            kms.create_key, KeySpec="SM2", KeyUsage="SIGN_VERIFY",
            msg="KeySpec SM2 is not supported")
    # EXTERNAL (imported material) is served: 1301-import.py.
    # AWS_CLOUDHSM (a custom key store's keys): 1404-custom-key-store-keys.py.
    for origin in ("EXTERNAL_KEY_STORE",):
        t.error("origin " + origin, "UnsupportedOperationException",
                kms.create_key, Origin=origin, msg="Origin " + origin)
    # (multi-Region keys: 1401-multi-region.py)
    t.error("bad enum", "ValidationException", kms.create_key,
            KeySpec="AES_999")

    # DescribeKey by id, ARN, alias name, alias ARN.
    kms.create_alias(AliasName="alias/first", TargetKeyId=kid)
    for name, ref in [("id", kid), ("arn", arn), ("alias", "alias/first"),
                      ("alias arn", "arn:aws:kms:%s:%s:alias/first" % (
                          REGION, ACCOUNT))]:
        d = kms.describe_key(KeyId=ref)["KeyMetadata"]
        t.eq("describe by " + name, kid, d["KeyId"])
    t.error("describe unknown", "NotFoundException", kms.describe_key,
            KeyId="11111111-2222-3333-4444-555555555555",
            msg="Key 'arn:aws:kms:%s:%s:key/11111111-2222-3333-4444-"
                "555555555555' does not exist" % (REGION, ACCOUNT))
    t.error("describe garbage", "NotFoundException", kms.describe_key,
            KeyId="nope", msg="Invalid keyId 'nope'")
    t.error("describe unknown alias", "NotFoundException", kms.describe_key,
            KeyId="alias/none",
            msg="Alias arn:aws:kms:%s:%s:alias/none is not found." % (
                REGION, ACCOUNT))
    t.error("describe other region arn", "InvalidArnException",
            kms.describe_key, KeyId=arn.replace(REGION, "us-east-1"))

    # ListKeys and paging.
    all_ids = sorted(k["KeyId"] for k in kms.list_keys()["Keys"])
    t.eq("list count", 12, len(all_ids))
    r = kms.list_keys(Limit=5)
    t.eq("page 1 size", 5, len(r["Keys"]))
    t.eq("page 1 truncated", True, r["Truncated"])
    t.ok("page 1 next marker", isinstance(r.get("NextMarker"), str))
    t.eq("key entry members", ["KeyArn", "KeyId"], sorted(r["Keys"][0]))
    seen = [k["KeyId"] for k in r["Keys"]]
    while r["Truncated"]:
        r = kms.list_keys(Limit=5, Marker=r["NextMarker"])
        seen += [k["KeyId"] for k in r["Keys"]]
    t.eq("paged = all", all_ids, sorted(seen))
    t.ok("last page has no marker", "NextMarker" not in r)
    t.error("bad marker", "InvalidMarkerException", kms.list_keys,
            Marker="garbage")
    st, _, body = srv.raw('{"Limit": 0}', target="TrentService.ListKeys")
    t.eq("limit 0", (400, "ValidationException"), (st, aws_type(body)))
    t.eq("other region is empty", [],
         srv.client("kms", region="us-east-1").list_keys()["Keys"])

    # UpdateKeyDescription, DisableKey, EnableKey.
    kms.update_key_description(KeyId=kid, Description="changed")
    t.eq("description", "changed",
         kms.describe_key(KeyId=kid)["KeyMetadata"]["Description"])
    t.error("update description by alias", "NotFoundException",
            kms.update_key_description, KeyId="alias/first",
            Description="x")
    kms.disable_key(KeyId=kid)
    d = kms.describe_key(KeyId=kid)["KeyMetadata"]
    t.eq("disabled state", ("Disabled", False), (d["KeyState"], d["Enabled"]))
    kms.disable_key(KeyId=kid)
    t.ok("disable twice is fine", True)
    kms.enable_key(KeyId=kid)
    d = kms.describe_key(KeyId=kid)["KeyMetadata"]
    t.eq("enabled state", ("Enabled", True), (d["KeyState"], d["Enabled"]))

    # ScheduleKeyDeletion / CancelKeyDeletion.
    victim = kms.create_key()["KeyMetadata"]
    varn = victim["Arn"]
    t.error("cancel when not pending", "KMSInvalidStateException",
            kms.cancel_key_deletion, KeyId=victim["KeyId"],
            msg="%s is not pending deletion." % varn)
    for days in (6, 31):
        t.error("window %d" % days, "ValidationException",
                kms.schedule_key_deletion, KeyId=victim["KeyId"],
                PendingWindowInDays=days, msg="pendingWindowInDays")
    r = kms.schedule_key_deletion(KeyId=victim["KeyId"])
    t.eq("schedule members",
         ["DeletionDate", "KeyId", "KeyState", "PendingWindowInDays",
          "ResponseMetadata"], sorted(r))
    t.eq("schedule KeyId is the ARN", varn, r["KeyId"])
    t.eq("schedule default window", 30, r["PendingWindowInDays"])
    t.eq("schedule state", "PendingDeletion", r["KeyState"])
    t.ok("deletion date ~30 days on",
         abs(r["DeletionDate"].timestamp() -
             (datetime.datetime.now().timestamp() + 30 * 86400)) < 120)
    d = kms.describe_key(KeyId=varn)["KeyMetadata"]
    t.eq("describe pending", ("PendingDeletion", False, 30),
         (d["KeyState"], d["Enabled"], d.get("PendingDeletionWindowInDays")))
    t.ok("describe has DeletionDate", "DeletionDate" in d)
    msg = "%s is pending deletion." % varn
    t.error("schedule twice", "KMSInvalidStateException",
            kms.schedule_key_deletion, KeyId=varn, msg=msg)
    t.error("disable pending", "KMSInvalidStateException", kms.disable_key,
            KeyId=varn, msg=msg)
    t.error("enable pending", "KMSInvalidStateException", kms.enable_key,
            KeyId=varn, msg=msg)
    t.error("describe pending is allowed but update is not",
            "KMSInvalidStateException", kms.update_key_description,
            KeyId=varn, Description="x", msg=msg)
    r = kms.cancel_key_deletion(KeyId=victim["KeyId"])
    t.eq("cancel returns the ARN", varn, r["KeyId"])
    d = kms.describe_key(KeyId=varn)["KeyMetadata"]
    t.eq("cancelled -> Disabled", "Disabled", d["KeyState"])
    t.ok("no DeletionDate after cancel", "DeletionDate" not in d)
    r = kms.schedule_key_deletion(KeyId=varn, PendingWindowInDays=7)
    t.eq("window 7", 7, r["PendingWindowInDays"])

    # Restart keeps everything.
    before = kms.describe_key(KeyId=kid)["KeyMetadata"]
    srv.restart()
    kms = srv.client("kms")
    after = kms.describe_key(KeyId=kid)["KeyMetadata"]
    t.eq("restart keeps metadata", before, after)
    t.eq("restart keeps the list", all_ids + [victim["KeyId"]] and
         sorted(all_ids + [victim["KeyId"]]),
         sorted(k["KeyId"] for k in kms.list_keys()["Keys"]))
    t.eq("restart keeps pending deletion", "PendingDeletion",
         kms.describe_key(KeyId=varn)["KeyMetadata"]["KeyState"])
t.done()
