"""A restart changes nothing a client can see: keys of several specs,
aliases, grants, a rotated key, and their ciphertexts, signatures and MACs
made before the restart all still work after it."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T  # noqa: E402

t = T()
GRANTEE = "arn:aws:iam::123456789012:user/someone"


def raw(srv, op, **body):
    st, _, data = srv.raw(json.dumps(body), target="TrentService." + op)
    return st, json.loads(data or b"{}")


with Server() as srv:
    kms = srv.client("kms")
    sym = kms.create_key(Description="symmetric")["KeyMetadata"]
    rsa_sign = kms.create_key(KeySpec="RSA_2048",
                              KeyUsage="SIGN_VERIFY")["KeyMetadata"]
    ecc = kms.create_key(KeySpec="ECC_NIST_P256",
                         KeyUsage="SIGN_VERIFY")["KeyMetadata"]
    rsa_enc = kms.create_key(KeySpec="RSA_2048",
                             KeyUsage="ENCRYPT_DECRYPT")["KeyMetadata"]
    hmac = kms.create_key(KeySpec="HMAC_256",
                          KeyUsage="GENERATE_VERIFY_MAC")["KeyMetadata"]
    rot = kms.create_key(Description="rotated")["KeyMetadata"]
    keys = [sym, rsa_sign, ecc, rsa_enc, hmac, rot]

    kms.create_alias(AliasName="alias/restart-sym", TargetKeyId=sym["KeyId"])
    kms.create_alias(AliasName="alias/restart-ecc", TargetKeyId=ecc["KeyId"])
    g = kms.create_grant(KeyId=sym["KeyId"], GranteePrincipal=GRANTEE,
                         Operations=["Decrypt"], Name="keep-me",
                         Constraints={"EncryptionContextSubset": {"a": "b"}})

    ctx = {"a": "b"}
    ct_sym = kms.encrypt(KeyId="alias/restart-sym", Plaintext=b"sym",
                         EncryptionContext=ctx)["CiphertextBlob"]
    ct_rot_v1 = kms.encrypt(KeyId=rot["KeyId"], Plaintext=b"v1")[
        "CiphertextBlob"]
    st, _ = raw(srv, "RotateKeyOnDemand", KeyId=rot["KeyId"])
    t.eq("rotate before the restart", 200, st)
    raw(srv, "EnableKeyRotation", KeyId=rot["KeyId"],
        RotationPeriodInDays=180)
    ct_rot_v2 = kms.encrypt(KeyId=rot["KeyId"], Plaintext=b"v2")[
        "CiphertextBlob"]
    ct_rsa = kms.encrypt(KeyId=rsa_enc["KeyId"], Plaintext=b"rsa",
                         EncryptionAlgorithm="RSAES_OAEP_SHA_256")[
        "CiphertextBlob"]
    sig_rsa = kms.sign(KeyId=rsa_sign["KeyId"], Message=b"m",
                       SigningAlgorithm="RSASSA_PSS_SHA_256")["Signature"]
    sig_ecc = kms.sign(KeyId="alias/restart-ecc", Message=b"m",
                       SigningAlgorithm="ECDSA_SHA_256")["Signature"]
    mac = kms.generate_mac(KeyId=hmac["KeyId"], Message=b"m",
                           MacAlgorithm="HMAC_SHA_256")["Mac"]
    pub = kms.get_public_key(KeyId=ecc["KeyId"])["PublicKey"]
    policy = kms.get_key_policy(KeyId=sym["KeyId"],
                                PolicyName="default")["Policy"]
    before = {k["KeyId"]: kms.describe_key(KeyId=k["KeyId"])["KeyMetadata"]
              for k in keys}
    aliases = kms.list_aliases()["Aliases"]
    grants = kms.list_grants(KeyId=sym["KeyId"])["Grants"]
    _, rstatus = raw(srv, "GetKeyRotationStatus", KeyId=rot["KeyId"])
    _, rots = raw(srv, "ListKeyRotations", KeyId=rot["KeyId"])

    srv.restart()
    kms = srv.client("kms")

    for k in keys:
        t.eq("DescribeKey unchanged: %s" % k["KeySpec"], before[k["KeyId"]],
             kms.describe_key(KeyId=k["KeyId"])["KeyMetadata"])
    t.eq("ListKeys has every key",
         sorted(k["KeyId"] for k in keys),
         sorted(k["KeyId"] for k in kms.list_keys()["Keys"]))
    t.eq("aliases unchanged", aliases, kms.list_aliases()["Aliases"])
    t.eq("grants unchanged", grants,
         kms.list_grants(KeyId=sym["KeyId"])["Grants"])
    t.eq("key policy unchanged", policy,
         kms.get_key_policy(KeyId=sym["KeyId"],
                            PolicyName="default")["Policy"])
    t.eq("rotation status unchanged", rstatus,
         raw(srv, "GetKeyRotationStatus", KeyId=rot["KeyId"])[1])
    t.eq("rotations unchanged", rots,
         raw(srv, "ListKeyRotations", KeyId=rot["KeyId"])[1])

    t.eq("symmetric ciphertext decrypts", b"sym",
         kms.decrypt(CiphertextBlob=ct_sym, EncryptionContext=ctx)[
             "Plaintext"])
    t.error("and still needs its context", "InvalidCiphertextException",
            kms.decrypt, CiphertextBlob=ct_sym)
    t.eq("pre-rotation ciphertext decrypts", b"v1",
         kms.decrypt(CiphertextBlob=ct_rot_v1)["Plaintext"])
    t.eq("post-rotation ciphertext decrypts", b"v2",
         kms.decrypt(CiphertextBlob=ct_rot_v2)["Plaintext"])
    t.eq("RSA ciphertext decrypts", b"rsa",
         kms.decrypt(KeyId=rsa_enc["KeyId"], CiphertextBlob=ct_rsa,
                     EncryptionAlgorithm="RSAES_OAEP_SHA_256")["Plaintext"])
    t.eq("RSA signature verifies", True,
         kms.verify(KeyId=rsa_sign["KeyId"], Message=b"m", Signature=sig_rsa,
                    SigningAlgorithm="RSASSA_PSS_SHA_256")["SignatureValid"])
    t.eq("ECDSA signature verifies", True,
         kms.verify(KeyId=ecc["KeyId"], Message=b"m", Signature=sig_ecc,
                    SigningAlgorithm="ECDSA_SHA_256")["SignatureValid"])
    t.eq("MAC verifies", True,
         kms.verify_mac(KeyId=hmac["KeyId"], Message=b"m", Mac=mac,
                        MacAlgorithm="HMAC_SHA_256")["MacValid"])
    t.eq("public key unchanged", pub,
         kms.get_public_key(KeyId=ecc["KeyId"])["PublicKey"])
    ct_new = kms.encrypt(KeyId=rot["KeyId"], Plaintext=b"v2 again")[
        "CiphertextBlob"]
    t.eq("new ciphertexts use the rotated version", ct_rot_v2[20:24],
         ct_new[20:24])
    # The grant still works: named grants stay idempotent across restarts.
    again = kms.create_grant(KeyId=sym["KeyId"], GranteePrincipal=GRANTEE,
                             Operations=["Decrypt"], Name="keep-me",
                             Constraints={"EncryptionContextSubset":
                                          {"a": "b"}})
    t.eq("named grant found again after the restart", g["GrantId"],
         again["GrantId"])
    kms.retire_grant(GrantToken=g["GrantToken"])
    t.eq("a token from before the restart still retires its grant", [],
         kms.list_grants(KeyId=sym["KeyId"])["Grants"])
t.done()
