"""KMS cryptographic operations on symmetric keys through boto3:
Encrypt/Decrypt (with and without KeyId, by alias), ReEncrypt,
GenerateDataKey(WithoutPlaintext), GenerateRandom; the encryption context
bound as AAD (mismatch and tampering give InvalidCiphertextException with an
empty message); IncorrectKeyException; disabled keys; key usage; DryRun; a
user denied by the key policy; rotation; ciphertexts across a restart."""
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T, kms_call as raw  # noqa: E402


t = T()
DRY = "The request would have succeeded, but the DryRun option is set."


def ice(name, fn, *args, **kw):
    """InvalidCiphertextException with an empty message."""
    e = t.error(name, "InvalidCiphertextException", fn, *args, **kw)
    if e:
        t.eq(name + " (empty message)", "",
             e.response["Error"].get("Message", ""))


def flip(blob, i):
    b = bytearray(blob)
    b[i] ^= 0x01
    return bytes(b)


with Server() as srv:
    kms = srv.client("kms")
    key = kms.create_key()["KeyMetadata"]
    kid, arn = key["KeyId"], key["Arn"]
    kms.create_alias(AliasName="alias/crypto", TargetKeyId=kid)
    other = kms.create_key()["KeyMetadata"]

    # -- Encrypt / Decrypt ---------------------------------------------------
    ctx = {"purpose": "test", "app": "logvault"}
    r = kms.encrypt(KeyId=kid, Plaintext=b"hello world", EncryptionContext=ctx)
    t.eq("encrypt KeyId is the ARN", arn, r["KeyId"])
    t.eq("encrypt algorithm", "SYMMETRIC_DEFAULT", r["EncryptionAlgorithm"])
    blob = r["CiphertextBlob"]
    t.ok("ciphertext is not the plaintext", b"hello world" not in blob)
    d = kms.decrypt(CiphertextBlob=blob, EncryptionContext=ctx)
    t.eq("decrypt without KeyId", b"hello world", d["Plaintext"])
    t.eq("decrypt KeyId is the ARN", arn, d["KeyId"])
    t.eq("decrypt algorithm", "SYMMETRIC_DEFAULT", d["EncryptionAlgorithm"])
    t.eq("context order does not matter", b"hello world",
         kms.decrypt(CiphertextBlob=blob, EncryptionContext={
             "app": "logvault", "purpose": "test"})["Plaintext"])
    for ref in (kid, arn, "alias/crypto",
                "arn:aws:kms:eu-west-2:123456789012:alias/crypto"):
        t.eq("decrypt with KeyId " + ref, b"hello world",
             kms.decrypt(CiphertextBlob=blob, EncryptionContext=ctx,
                         KeyId=ref)["Plaintext"])
    r = kms.encrypt(KeyId="alias/crypto", Plaintext=b"x" * 4096)
    t.eq("encrypt by alias, 4096 bytes", b"x" * 4096,
         kms.decrypt(CiphertextBlob=r["CiphertextBlob"])["Plaintext"])
    t.eq("one-byte plaintext", b"\0",
         kms.decrypt(CiphertextBlob=kms.encrypt(
             KeyId=kid, Plaintext=b"\0")["CiphertextBlob"])["Plaintext"])
    t.error("4097 bytes", "ValidationException", kms.encrypt, KeyId=kid,
            Plaintext=b"x" * 4097)
    t.ok("two encryptions differ",
         kms.encrypt(KeyId=kid, Plaintext=b"a")["CiphertextBlob"] !=
         kms.encrypt(KeyId=kid, Plaintext=b"a")["CiphertextBlob"])
    t.ok("GrantTokens accepted", kms.encrypt(
        KeyId=kid, Plaintext=b"a", GrantTokens=["tok"])["KeyId"] == arn)

    # -- the context and tampering --------------------------------------------
    ice("no context", kms.decrypt, CiphertextBlob=blob)
    ice("wrong value", kms.decrypt, CiphertextBlob=blob,
        EncryptionContext={"purpose": "test", "app": "other"})
    ice("extra pair", kms.decrypt, CiphertextBlob=blob,
        EncryptionContext=dict(ctx, more="x"))
    ice("missing pair", kms.decrypt, CiphertextBlob=blob,
        EncryptionContext={"purpose": "test"})
    ice("key case differs", kms.decrypt, CiphertextBlob=blob,
        EncryptionContext={"Purpose": "test", "app": "logvault"})
    bad = 0
    for i in range(len(blob)):
        try:
            kms.decrypt(CiphertextBlob=flip(blob, i), EncryptionContext=ctx)
        except kms.exceptions.InvalidCiphertextException as e:
            if e.response["Error"].get("Message", ""):
                bad += 1
            continue
        except Exception:  # noqa: BLE001 - any other answer is wrong
            pass
        bad += 1
    t.eq("every flipped byte -> InvalidCiphertext, empty message", 0, bad)
    ice("truncated", kms.decrypt, CiphertextBlob=blob[:-1],
        EncryptionContext=ctx)
    ice("garbage", kms.decrypt, CiphertextBlob=b"not a ciphertext at all!")

    # -- IncorrectKeyException, unknown keys -------------------------------------
    t.error("KeyId of another key", "IncorrectKeyException", kms.decrypt,
            CiphertextBlob=blob, EncryptionContext=ctx, KeyId=other["KeyId"],
            msg="The key ID in the request does not identify a CMK that can "
                "perform this operation.")
    t.error("encrypt unknown key", "NotFoundException", kms.encrypt,
            KeyId="11111111-2222-3333-4444-555555555555", Plaintext=b"a",
            msg="Key 'arn:aws:kms:eu-west-2:123456789012:key/"
                "11111111-2222-3333-4444-555555555555' does not exist")
    t.error("encrypt unknown alias", "NotFoundException", kms.encrypt,
            KeyId="alias/nope", Plaintext=b"a",
            msg="Alias arn:aws:kms:eu-west-2:123456789012:alias/nope is not "
                "found.")
    ice("decrypt in another region",
        srv.client("kms", region="us-east-1").decrypt, CiphertextBlob=blob,
        EncryptionContext=ctx)

    # -- ReEncrypt ------------------------------------------------------------------
    r = kms.re_encrypt(CiphertextBlob=blob, SourceEncryptionContext=ctx,
                       DestinationKeyId=other["KeyId"],
                       DestinationEncryptionContext={"new": "ctx"})
    t.eq("reencrypt SourceKeyId", arn, r["SourceKeyId"])
    t.eq("reencrypt KeyId", other["Arn"], r["KeyId"])
    t.eq("reencrypt algorithms", ("SYMMETRIC_DEFAULT", "SYMMETRIC_DEFAULT"),
         (r["SourceEncryptionAlgorithm"], r["DestinationEncryptionAlgorithm"]))
    d = kms.decrypt(CiphertextBlob=r["CiphertextBlob"],
                    EncryptionContext={"new": "ctx"})
    t.eq("reencrypted decrypts under the destination", (b"hello world",
         other["Arn"]), (d["Plaintext"], d["KeyId"]))
    ice("reencrypt wrong source context", kms.re_encrypt,
        CiphertextBlob=blob, DestinationKeyId=kid)
    t.error("reencrypt SourceKeyId of another key", "IncorrectKeyException",
            kms.re_encrypt, CiphertextBlob=blob, SourceEncryptionContext=ctx,
            SourceKeyId=other["KeyId"], DestinationKeyId=kid)

    # -- GenerateDataKey ----------------------------------------------------------
    for kw, n in (({"KeySpec": "AES_256"}, 32), ({"KeySpec": "AES_128"}, 16),
                  ({"NumberOfBytes": 1}, 1), ({"NumberOfBytes": 1024}, 1024)):
        g = kms.generate_data_key(KeyId=kid, EncryptionContext=ctx, **kw)
        t.eq("data key %r length" % kw, n, len(g["Plaintext"]))
        t.eq("data key %r KeyId" % kw, arn, g["KeyId"])
        t.eq("data key %r decrypts" % kw, g["Plaintext"], kms.decrypt(
            CiphertextBlob=g["CiphertextBlob"],
            EncryptionContext=ctx)["Plaintext"])
    for kw in ({}, {"KeySpec": "AES_256", "NumberOfBytes": 32}):
        t.error("data key %r" % kw, "ValidationException",
                kms.generate_data_key, KeyId=kid, **kw,
                msg="Please specify either number of bytes or key spec.")
    g = kms.generate_data_key_without_plaintext(KeyId="alias/crypto",
                                                KeySpec="AES_256")
    t.ok("without plaintext has no Plaintext", "Plaintext" not in g)
    t.eq("without plaintext decrypts to 32 bytes", 32, len(kms.decrypt(
        CiphertextBlob=g["CiphertextBlob"])["Plaintext"]))
    t.error("data key without spec (WithoutPlaintext)", "ValidationException",
            kms.generate_data_key_without_plaintext, KeyId=kid,
            msg="Please specify either number of bytes or key spec.")

    # -- GenerateRandom --------------------------------------------------------------
    for n in (1, 32, 1024):
        t.eq("random %d" % n, n,
             len(kms.generate_random(NumberOfBytes=n)["Plaintext"]))
    t.ok("random differs", kms.generate_random(NumberOfBytes=32) !=
         kms.generate_random(NumberOfBytes=32))
    t.error("random 1025", "ValidationException", kms.generate_random,
            NumberOfBytes=1025)
    t.error("random without NumberOfBytes", "ValidationException",
            kms.generate_random, msg="NumberOfBytes is required.")

    # -- key usage ---------------------------------------------------------------------
    sv = kms.create_key(KeySpec="ECC_NIST_P256",
                        KeyUsage="SIGN_VERIFY")["KeyMetadata"]
    t.error("encrypt with a SIGN_VERIFY key", "InvalidKeyUsageException",
            kms.encrypt, KeyId=sv["KeyId"], Plaintext=b"a",
            msg=sv["Arn"] + " key usage is SIGN_VERIFY which is not valid "
                "for Encrypt.")
    t.error("data key with a SIGN_VERIFY key", "InvalidKeyUsageException",
            kms.generate_data_key, KeyId=sv["KeyId"], KeySpec="AES_256")
    rsa = kms.create_key(KeySpec="RSA_2048",
                         KeyUsage="ENCRYPT_DECRYPT")["KeyMetadata"]
    t.error("data key with an RSA key", "InvalidKeyUsageException",
            kms.generate_data_key, KeyId=rsa["KeyId"], KeySpec="AES_256",
            msg="You cannot generate a data key with an asymmetric CMK")
    t.error("RSA algorithm with a symmetric key", "InvalidKeyUsageException",
            kms.encrypt, KeyId=kid, Plaintext=b"a",
            EncryptionAlgorithm="RSAES_OAEP_SHA_256",
            msg="Algorithm RSAES_OAEP_SHA_256 is incompatible with key spec "
                "SYMMETRIC_DEFAULT.")
    t.error("reencrypt to a SIGN_VERIFY key", "InvalidKeyUsageException",
            kms.re_encrypt, CiphertextBlob=blob, SourceEncryptionContext=ctx,
            DestinationKeyId=sv["KeyId"])

    # -- DryRun --------------------------------------------------------------------------
    t.error("encrypt DryRun", "DryRunOperationException", raw(srv, "Encrypt"),
            KeyId=kid, Plaintext=b"a", DryRun=True, msg=DRY)
    t.error("decrypt DryRun", "DryRunOperationException", raw(srv, "Decrypt"),
            CiphertextBlob=blob, EncryptionContext=ctx, DryRun=True, msg=DRY)
    ice("decrypt DryRun still checks the ciphertext", raw(srv, "Decrypt"),
        CiphertextBlob=blob, DryRun=True)
    t.error("reencrypt DryRun", "DryRunOperationException", raw(srv, "ReEncrypt"),
            CiphertextBlob=blob, SourceEncryptionContext=ctx,
            DestinationKeyId=kid, DryRun=True, msg=DRY)
    t.error("data key DryRun", "DryRunOperationException",
            raw(srv, "GenerateDataKey"), KeyId=kid, KeySpec="AES_256", DryRun=True,
            msg=DRY)
    t.error("data key w/o plaintext DryRun", "DryRunOperationException",
            raw(srv, "GenerateDataKeyWithoutPlaintext"), KeyId=kid,
            NumberOfBytes=8, DryRun=True, msg=DRY)
    t.error("DryRun on a SIGN_VERIFY key: usage first",
            "InvalidKeyUsageException", raw(srv, "Encrypt"), KeyId=sv["KeyId"],
            Plaintext=b"a", DryRun=True)

    # -- disabled key -------------------------------------------------------------------
    kms.disable_key(KeyId=kid)
    t.error("encrypt disabled", "DisabledException", kms.encrypt, KeyId=kid,
            Plaintext=b"a", msg=arn + " is disabled.")
    t.error("decrypt disabled", "DisabledException", kms.decrypt,
            CiphertextBlob=blob, EncryptionContext=ctx,
            msg=arn + " is disabled.")
    t.error("data key disabled", "DisabledException", kms.generate_data_key,
            KeyId=kid, KeySpec="AES_256", msg=arn + " is disabled.")
    t.error("DryRun on a disabled key", "DisabledException", raw(srv, "Encrypt"),
            KeyId=kid, Plaintext=b"a", DryRun=True)
    t.error("reencrypt from disabled", "DisabledException", kms.re_encrypt,
            CiphertextBlob=blob, SourceEncryptionContext=ctx,
            DestinationKeyId=other["KeyId"])
    kms.enable_key(KeyId=kid)
    t.eq("enabled again", b"hello world", kms.decrypt(
        CiphertextBlob=blob, EncryptionContext=ctx)["Plaintext"])

    # -- rotation: every version still decrypts ------------------------------------------
    before = kms.encrypt(KeyId=kid, Plaintext=b"v1")["CiphertextBlob"]
    raw(srv, "RotateKeyOnDemand")(KeyId=kid)
    after = kms.encrypt(KeyId=kid, Plaintext=b"v2")["CiphertextBlob"]
    t.eq("old ciphertext after rotation", b"v1",
         kms.decrypt(CiphertextBlob=before)["Plaintext"])
    t.eq("new ciphertext after rotation", b"v2",
         kms.decrypt(CiphertextBlob=after)["Plaintext"])

    # -- binary plaintext by alias with a context, a data key, random ------------------
    pt = b"from the cli\n\x00\xff"
    ct = kms.encrypt(KeyId="alias/crypto", Plaintext=pt,
                     EncryptionContext={"k": "v"})["CiphertextBlob"]
    t.eq("decrypt with the context", pt, kms.decrypt(
        CiphertextBlob=ct, EncryptionContext={"k": "v"})["Plaintext"])
    t.error("decrypt, context left out", "InvalidCiphertextException",
            kms.decrypt, CiphertextBlob=ct)
    dk = kms.generate_data_key(KeyId=kid, KeySpec="AES_256")
    t.eq("generate-data-key AES_256 plaintext", 32, len(dk["Plaintext"]))
    t.eq("generate-random 16", 16,
         len(kms.generate_random(NumberOfBytes=16)["Plaintext"]))

    # -- a restart keeps every ciphertext --------------------------------------------------
    srv.restart()
    kms = srv.client("kms")
    t.eq("after restart: decrypt", b"hello world", kms.decrypt(
        CiphertextBlob=blob, EncryptionContext=ctx)["Plaintext"])
    t.eq("after restart: pre-rotation", b"v1",
         kms.decrypt(CiphertextBlob=before)["Plaintext"])
    t.eq("after restart: encrypt works", b"z", kms.decrypt(
        CiphertextBlob=kms.encrypt(KeyId=kid, Plaintext=b"z")[
            "CiphertextBlob"])["Plaintext"])


# -- a user denied by a Deny statement ---------------------------------------------------
cred_path = os.path.join(tempfile.gettempdir(), "lv-1101-%d.ini" % os.getpid())
with open(cred_path, "w") as f:
    f.write("[AKIAROOT]\nsecret_access_key = root-secret\n"
            "account_id = 111122223333\n\n"
            "[AKIABOB]\nsecret_access_key = bob-secret\n"
            "account_id = 111122223333\nuser = bob\n\n"
            "[AKIACAROL]\nsecret_access_key = carol-secret\n"
            "account_id = 111122223333\nuser = carol\n")
try:
    with Server("--credentials", cred_path) as srv:
        root = srv.client("kms", key="AKIAROOT", secret="root-secret")
        bob = srv.client("kms", key="AKIABOB", secret="bob-secret")
        carol = srv.client("kms", key="AKIACAROL", secret="carol-secret")
        policy = {
            "Version": "2012-10-17",
            "Statement": [
                {"Sid": "Enable IAM User Permissions", "Effect": "Allow",
                 "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                 "Action": "kms:*", "Resource": "*"},
                {"Sid": "No encrypt for bob", "Effect": "Deny",
                 "Principal": {"AWS": "arn:aws:iam::111122223333:user/bob"},
                 "Action": ["kms:Encrypt", "kms:GenerateDataKey*",
                            "kms:ReEncryptTo"],
                 "Resource": "*"},
            ]}
        k = root.create_key(Policy=json.dumps(policy))["KeyMetadata"]
        karn = k["Arn"]
        t.ok("root encrypts", root.encrypt(KeyId=k["KeyId"],
                                            Plaintext=b"a")["KeyId"] == karn)
        t.ok("carol encrypts", carol.encrypt(KeyId=k["KeyId"],
                                              Plaintext=b"a")["KeyId"] == karn)
        t.error("bob denied Encrypt", "AccessDeniedException", bob.encrypt,
                KeyId=k["KeyId"], Plaintext=b"a",
                msg="User: arn:aws:iam::111122223333:user/bob is not "
                    "authorized to perform: kms:Encrypt on resource: " + karn +
                    " with an explicit deny in a resource-based policy")
        t.error("bob denied even with DryRun", "AccessDeniedException",
                raw(srv, "Encrypt", key="AKIABOB", secret="bob-secret"), KeyId=k["KeyId"], Plaintext=b"a", DryRun=True)
        t.error("bob denied GenerateDataKey", "AccessDeniedException",
                bob.generate_data_key, KeyId=k["KeyId"], KeySpec="AES_256",
                msg="kms:GenerateDataKey on resource: " + karn)
        ct = root.encrypt(KeyId=k["KeyId"], Plaintext=b"secret")
        t.eq("bob may still decrypt", b"secret", bob.decrypt(
            CiphertextBlob=ct["CiphertextBlob"])["Plaintext"])
        t.error("bob denied ReEncryptTo", "AccessDeniedException",
                bob.re_encrypt, CiphertextBlob=ct["CiphertextBlob"],
                DestinationKeyId=k["KeyId"],
                msg="kms:ReEncryptTo on resource: " + karn)
        # A key whose policy allows only root: bob is not denied (the
        # account delegates to IAM), but a policy naming nobody of the
        # account denies everyone except by grant.
        closed = root.create_key(
            Policy=json.dumps({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow",
                 "Principal": {"AWS": "arn:aws:iam::111122223333:user/carol"},
                 "Action": "kms:*", "Resource": "*"}]}),
            BypassPolicyLockoutSafetyCheck=True)["KeyMetadata"]
        t.error("policy allows nobody else: Decrypt", "AccessDeniedException",
                bob.encrypt, KeyId=closed["KeyId"], Plaintext=b"a",
                msg="User: arn:aws:iam::111122223333:user/bob is not "
                    "authorized to perform: kms:Encrypt on resource: " +
                    closed["Arn"] + " because no resource-based policy "
                    "allows the kms:Encrypt action")
        blob2 = carol.encrypt(KeyId=closed["KeyId"],
                              Plaintext=b"c")["CiphertextBlob"]
        t.error("decrypt without KeyId is authorized too",
                "AccessDeniedException", bob.decrypt, CiphertextBlob=blob2,
                msg="kms:Decrypt on resource: " + closed["Arn"])
        t.ok("GenerateRandom needs no key policy",
             len(bob.generate_random(NumberOfBytes=8)["Plaintext"]) == 8)
finally:
    os.unlink(cred_path)

t.done()
