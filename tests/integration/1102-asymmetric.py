"""KMS asymmetric operations through boto3: GetPublicKey, Sign/Verify with
every RSA and ECDSA algorithm and both message types (signatures checked
independently with Python's `cryptography`), RSAES-OAEP Encrypt/Decrypt/
ReEncrypt, GenerateDataKeyPair(WithoutPlaintext), and their errors."""
import hashlib
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T, kms_call as raw  # noqa: E402


try:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
    from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
except ImportError:  # pragma: no cover - a missing prerequisite
    print("python3-cryptography is not installed")
    sys.exit(77)

t = T()
DRY = "The request would have succeeded, but the DryRun option is set."
HASH = {"256": hashes.SHA256, "384": hashes.SHA384, "512": hashes.SHA512}
PYHASH = {"256": hashlib.sha256, "384": hashlib.sha384,
          "512": hashlib.sha512}


def independent_verify(pub_der, alg, msg, sig):
    pub = serialization.load_der_public_key(pub_der)
    h = HASH[alg[-3:]]()
    try:
        if alg.startswith("RSASSA_PSS"):
            pub.verify(sig, msg, padding.PSS(mgf=padding.MGF1(h),
                                             salt_length=h.digest_size), h)
        elif alg.startswith("RSASSA_PKCS1"):
            pub.verify(sig, msg, padding.PKCS1v15(), h)
        else:
            pub.verify(sig, msg, ec.ECDSA(h))
        return True
    except InvalidSignature:
        return False


with Server() as srv:
    kms = srv.client("kms")
    keys = {}
    for spec, usage in (("RSA_2048", "SIGN_VERIFY"),
                        ("RSA_3072", "ENCRYPT_DECRYPT"),
                        ("ECC_NIST_P256", "SIGN_VERIFY"),
                        ("ECC_NIST_P384", "SIGN_VERIFY"),
                        ("ECC_NIST_P521", "SIGN_VERIFY")):
        keys[spec] = kms.create_key(KeySpec=spec,
                                    KeyUsage=usage)["KeyMetadata"]
    sym = kms.create_key()["KeyMetadata"]
    hmac_key = kms.create_key(KeySpec="HMAC_256",
                              KeyUsage="GENERATE_VERIFY_MAC")["KeyMetadata"]

    # -- GetPublicKey ----------------------------------------------------------
    pubs = {}
    for spec, k in keys.items():
        r = kms.get_public_key(KeyId=k["KeyId"])
        pubs[spec] = r["PublicKey"]
        pub = serialization.load_der_public_key(r["PublicKey"])
        t.eq("public key %s KeyId" % spec, k["Arn"], r["KeyId"])
        t.eq("public key %s spec" % spec, (spec, spec, k["KeyUsage"]),
             (r["KeySpec"], r["CustomerMasterKeySpec"], r["KeyUsage"]))
        if spec.startswith("RSA"):
            t.ok("public key %s is RSA %s" % (spec, spec[4:]),
                 isinstance(pub, rsa.RSAPublicKey) and
                 pub.key_size == int(spec[4:]))
        else:
            t.ok("public key %s is EC" % spec,
                 isinstance(pub, ec.EllipticCurvePublicKey))
        if k["KeyUsage"] == "SIGN_VERIFY":
            t.eq("public key %s algorithms" % spec, k["SigningAlgorithms"],
                 r.get("SigningAlgorithms"))
            t.ok("public key %s no EncryptionAlgorithms" % spec,
                 "EncryptionAlgorithms" not in r)
        else:
            t.eq("public key %s algorithms" % spec,
                 ["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"],
                 r.get("EncryptionAlgorithms"))
    t.error("public key of a symmetric key", "UnsupportedOperationException",
            kms.get_public_key, KeyId=sym["KeyId"])
    t.error("public key of an HMAC key", "UnsupportedOperationException",
            kms.get_public_key, KeyId=hmac_key["KeyId"])

    # -- Sign / Verify -----------------------------------------------------------
    msg = b"The quick brown fox jumps over the lazy dog"
    for spec in ("RSA_2048", "ECC_NIST_P256", "ECC_NIST_P384",
                 "ECC_NIST_P521"):
        k = keys[spec]
        for alg in k["SigningAlgorithms"]:
            name = "%s %s" % (spec, alg)
            s = kms.sign(KeyId=k["KeyId"], Message=msg, SigningAlgorithm=alg)
            t.eq(name + " sign output", (k["Arn"], alg),
                 (s["KeyId"], s["SigningAlgorithm"]))
            t.ok(name + " verifies independently",
                 independent_verify(pubs[spec], alg, msg, s["Signature"]))
            v = kms.verify(KeyId=k["KeyId"], Message=msg,
                           Signature=s["Signature"], SigningAlgorithm=alg)
            t.eq(name + " verify", (True, k["Arn"], alg),
                 (v["SignatureValid"], v["KeyId"], v["SigningAlgorithm"]))
            digest = PYHASH[alg[-3:]](msg).digest()
            d = kms.sign(KeyId=k["KeyId"], Message=digest,
                         MessageType="DIGEST", SigningAlgorithm=alg)
            t.ok(name + " DIGEST signature verifies as RAW",
                 independent_verify(pubs[spec], alg, msg, d["Signature"]) and
                 kms.verify(KeyId=k["KeyId"], Message=msg,
                            Signature=d["Signature"],
                            SigningAlgorithm=alg)["SignatureValid"])
            e = t.error(name + " wrong message", "KMSInvalidSignatureException",
                        kms.verify, KeyId=k["KeyId"], Message=msg + b"!",
                        Signature=s["Signature"], SigningAlgorithm=alg)
            if e:
                t.eq(name + " wrong message: empty message", "",
                     e.response["Error"].get("Message", ""))
            bad = bytearray(s["Signature"])
            bad[len(bad) // 2] ^= 1
            t.error(name + " flipped signature",
                    "KMSInvalidSignatureException", kms.verify,
                    KeyId=k["KeyId"], Message=msg, Signature=bytes(bad),
                    SigningAlgorithm=alg)
            t.error(name + " short digest", "ValidationException", kms.sign,
                    KeyId=k["KeyId"], Message=digest[:-1],
                    MessageType="DIGEST", SigningAlgorithm=alg,
                    msg="Digest is invalid length for algorithm %s." % alg)
    # The public key from a key pair verifies with an external library when
    # the message is a prehashed digest too.
    k = keys["ECC_NIST_P384"]
    dg = hashlib.sha384(b"prehashed").digest()
    s = kms.sign(KeyId=k["KeyId"], Message=dg, MessageType="DIGEST",
                 SigningAlgorithm="ECDSA_SHA_384")
    try:
        serialization.load_der_public_key(pubs["ECC_NIST_P384"]).verify(
            s["Signature"], dg, ec.ECDSA(Prehashed(hashes.SHA384())))
        t.ok("prehashed ECDSA verifies independently", True)
    except InvalidSignature:
        t.ok("prehashed ECDSA verifies independently", False)
    t.error("P256 key with ECDSA_SHA_384", "InvalidKeyUsageException",
            kms.sign, KeyId=keys["ECC_NIST_P256"]["KeyId"], Message=msg,
            SigningAlgorithm="ECDSA_SHA_384",
            msg="Algorithm ECDSA_SHA_384 is incompatible with key spec "
                "ECC_NIST_P256.")
    t.error("RSA key with ECDSA", "InvalidKeyUsageException", kms.sign,
            KeyId=keys["RSA_2048"]["KeyId"], Message=msg,
            SigningAlgorithm="ECDSA_SHA_256")
    t.error("sign with a symmetric key", "InvalidKeyUsageException",
            kms.sign, KeyId=sym["KeyId"], Message=msg,
            SigningAlgorithm="RSASSA_PSS_SHA_256",
            msg=sym["Arn"] + " key usage is ENCRYPT_DECRYPT which is not "
                "valid for Sign.")
    t.error("sign with an ENCRYPT_DECRYPT RSA key", "InvalidKeyUsageException",
            kms.sign, KeyId=keys["RSA_3072"]["KeyId"], Message=msg,
            SigningAlgorithm="RSASSA_PSS_SHA_256")
    t.error("sign 4097 bytes", "ValidationException", kms.sign,
            KeyId=keys["RSA_2048"]["KeyId"], Message=b"m" * 4097,
            SigningAlgorithm="RSASSA_PSS_SHA_256")
    t.error("sign DryRun", "DryRunOperationException", raw(srv, "Sign"),
            KeyId=keys["RSA_2048"]["KeyId"], Message=msg,
            SigningAlgorithm="RSASSA_PSS_SHA_256", DryRun=True, msg=DRY)
    t.error("verify DryRun", "DryRunOperationException", raw(srv, "Verify"),
            KeyId=keys["RSA_2048"]["KeyId"], Message=msg, Signature=b"x",
            SigningAlgorithm="RSASSA_PSS_SHA_256", DryRun=True, msg=DRY)

    # -- RSAES-OAEP ---------------------------------------------------------------
    rk = keys["RSA_3072"]
    rpub = serialization.load_der_public_key(pubs["RSA_3072"])
    for alg, h in (("RSAES_OAEP_SHA_1", hashes.SHA1),
                   ("RSAES_OAEP_SHA_256", hashes.SHA256)):
        r = kms.encrypt(KeyId=rk["KeyId"], Plaintext=b"rsa secret",
                        EncryptionAlgorithm=alg)
        t.eq(alg + " output", (rk["Arn"], alg, 384),
             (r["KeyId"], r["EncryptionAlgorithm"], len(r["CiphertextBlob"])))
        d = kms.decrypt(CiphertextBlob=r["CiphertextBlob"], KeyId=rk["KeyId"],
                        EncryptionAlgorithm=alg)
        t.eq(alg + " decrypt", (b"rsa secret", rk["Arn"], alg),
             (d["Plaintext"], d["KeyId"], d["EncryptionAlgorithm"]))
        # Encrypted outside KMS with the public key, decrypted inside.
        ext = rpub.encrypt(b"from outside", padding.OAEP(
            mgf=padding.MGF1(h()), algorithm=h(), label=None))
        t.eq(alg + " external ciphertext", b"from outside", kms.decrypt(
            CiphertextBlob=ext, KeyId=rk["KeyId"],
            EncryptionAlgorithm=alg)["Plaintext"])
        other = "RSAES_OAEP_SHA_256" if alg == "RSAES_OAEP_SHA_1" \
            else "RSAES_OAEP_SHA_1"
        t.error(alg + " decrypt with the other hash",
                "InvalidCiphertextException", kms.decrypt,
                CiphertextBlob=r["CiphertextBlob"], KeyId=rk["KeyId"],
                EncryptionAlgorithm=other)
    r = kms.encrypt(KeyId=rk["KeyId"], Plaintext=b"x",
                    EncryptionAlgorithm="RSAES_OAEP_SHA_256")
    t.error("RSA ciphertext without EncryptionAlgorithm",
            "InvalidCiphertextException", kms.decrypt,
            CiphertextBlob=r["CiphertextBlob"], KeyId=rk["KeyId"])
    t.error("RSA encrypt without algorithm", "InvalidKeyUsageException",
            kms.encrypt, KeyId=rk["KeyId"], Plaintext=b"x",
            msg="Algorithm SYMMETRIC_DEFAULT is incompatible with key spec "
                "RSA_3072.")
    t.error("RSA encrypt with a context", "ValidationException", kms.encrypt,
            KeyId=rk["KeyId"], Plaintext=b"x", EncryptionContext={"a": "b"},
            EncryptionAlgorithm="RSAES_OAEP_SHA_256")
    t.error("RSA plaintext too long", "ValidationException", kms.encrypt,
            KeyId=rk["KeyId"], Plaintext=b"x" * 319,
            EncryptionAlgorithm="RSAES_OAEP_SHA_256")
    t.ok("RSA plaintext at the limit (318)", kms.encrypt(
        KeyId=rk["KeyId"], Plaintext=b"x" * 318,
        EncryptionAlgorithm="RSAES_OAEP_SHA_256")["KeyId"] == rk["Arn"])
    t.error("RSA decrypt without KeyId", "ValidationException", kms.decrypt,
            CiphertextBlob=r["CiphertextBlob"],
            EncryptionAlgorithm="RSAES_OAEP_SHA_256")
    t.error("symmetric ciphertext with an RSA KeyId", "IncorrectKeyException",
            kms.decrypt, CiphertextBlob=kms.encrypt(
                KeyId=sym["KeyId"], Plaintext=b"s")["CiphertextBlob"],
            KeyId=rk["KeyId"])
    rr = kms.re_encrypt(CiphertextBlob=r["CiphertextBlob"],
                        SourceKeyId=rk["KeyId"],
                        SourceEncryptionAlgorithm="RSAES_OAEP_SHA_256",
                        DestinationKeyId=sym["KeyId"])
    t.eq("reencrypt RSA -> symmetric", (b"x", "RSAES_OAEP_SHA_256",
                                        "SYMMETRIC_DEFAULT"),
         (kms.decrypt(CiphertextBlob=rr["CiphertextBlob"])["Plaintext"],
          rr["SourceEncryptionAlgorithm"],
          rr["DestinationEncryptionAlgorithm"]))
    rr = kms.re_encrypt(CiphertextBlob=rr["CiphertextBlob"],
                        DestinationKeyId=rk["KeyId"],
                        DestinationEncryptionAlgorithm="RSAES_OAEP_SHA_1")
    t.eq("reencrypt symmetric -> RSA", b"x", kms.decrypt(
        CiphertextBlob=rr["CiphertextBlob"], KeyId=rk["KeyId"],
        EncryptionAlgorithm="RSAES_OAEP_SHA_1")["Plaintext"])
    t.error("RSA decrypt DryRun", "DryRunOperationException", raw(srv, "Decrypt"),
            CiphertextBlob=r["CiphertextBlob"], KeyId=rk["KeyId"],
            EncryptionAlgorithm="RSAES_OAEP_SHA_256", DryRun=True, msg=DRY)

    # -- GenerateDataKeyPair ------------------------------------------------------
    ctx = {"pair": "yes"}
    for spec in ("RSA_2048", "RSA_4096", "ECC_NIST_P256", "ECC_NIST_P384",
                 "ECC_NIST_P521", "ECC_SECG_P256K1"):
        g = kms.generate_data_key_pair(KeyId=sym["KeyId"], KeyPairSpec=spec,
                                       EncryptionContext=ctx)
        t.eq("pair %s output" % spec, (sym["Arn"], spec),
             (g["KeyId"], g["KeyPairSpec"]))
        priv = serialization.load_der_private_key(g["PrivateKeyPlaintext"],
                                                  password=None)
        pub = serialization.load_der_public_key(g["PublicKey"])
        t.eq("pair %s halves match" % spec,
             pub.public_bytes(serialization.Encoding.DER,
                              serialization.PublicFormat.SubjectPublicKeyInfo),
             priv.public_key().public_bytes(
                 serialization.Encoding.DER,
                 serialization.PublicFormat.SubjectPublicKeyInfo))
        t.eq("pair %s plaintext is PKCS#8" % spec, g["PrivateKeyPlaintext"],
             priv.private_bytes(serialization.Encoding.DER,
                                serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()))
        t.eq("pair %s wrapped private key decrypts" % spec,
             g["PrivateKeyPlaintext"], kms.decrypt(
                 CiphertextBlob=g["PrivateKeyCiphertextBlob"],
                 EncryptionContext=ctx)["Plaintext"])
    g = kms.generate_data_key_pair_without_plaintext(
        KeyId=sym["KeyId"], KeyPairSpec="ECC_NIST_P256")
    t.ok("pair without plaintext", "PrivateKeyPlaintext" not in g and
         serialization.load_der_private_key(kms.decrypt(
             CiphertextBlob=g["PrivateKeyCiphertextBlob"])["Plaintext"],
             password=None) is not None)
    t.error("pair under an RSA key", "InvalidKeyUsageException",
            kms.generate_data_key_pair, KeyId=rk["KeyId"],
            KeyPairSpec="RSA_2048")
    t.error("pair under a SIGN_VERIFY key", "InvalidKeyUsageException",
            kms.generate_data_key_pair, KeyId=keys["RSA_2048"]["KeyId"],
            KeyPairSpec="RSA_2048")
    t.error("pair SM2", "UnsupportedOperationException",
            kms.generate_data_key_pair, KeyId=sym["KeyId"], KeyPairSpec="SM2")
    t.error("pair DryRun", "DryRunOperationException",
            raw(srv, "GenerateDataKeyPair"), KeyId=sym["KeyId"],
            KeyPairSpec="RSA_2048", DryRun=True, msg=DRY)
    t.error("pair w/o plaintext DryRun", "DryRunOperationException",
            raw(srv, "GenerateDataKeyPairWithoutPlaintext"), KeyId=sym["KeyId"],
            KeyPairSpec="RSA_2048", DryRun=True, msg=DRY)

    # -- disabled, restart ----------------------------------------------------------
    k = keys["ECC_NIST_P256"]
    s = kms.sign(KeyId=k["KeyId"], Message=msg,
                 SigningAlgorithm="ECDSA_SHA_256")["Signature"]
    kms.disable_key(KeyId=k["KeyId"])
    t.error("sign disabled", "DisabledException", kms.sign,
            KeyId=k["KeyId"], Message=msg, SigningAlgorithm="ECDSA_SHA_256",
            msg=k["Arn"] + " is disabled.")
    t.error("public key disabled", "DisabledException", kms.get_public_key,
            KeyId=k["KeyId"])
    kms.enable_key(KeyId=k["KeyId"])
    srv.restart()
    kms = srv.client("kms")
    t.ok("after restart: old signature verifies", kms.verify(
        KeyId=k["KeyId"], Message=msg, Signature=s,
        SigningAlgorithm="ECDSA_SHA_256")["SignatureValid"])
    t.eq("after restart: same public key", pubs["ECC_NIST_P256"],
         kms.get_public_key(KeyId=k["KeyId"])["PublicKey"])
    t.eq("after restart: RSA decrypt", b"x", kms.decrypt(
        CiphertextBlob=r["CiphertextBlob"], KeyId=rk["KeyId"],
        EncryptionAlgorithm="RSAES_OAEP_SHA_256")["Plaintext"])

    # -- policy: Sign denied, Verify allowed --------------------------------------
    policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow",
         "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
         "Action": "kms:*", "Resource": "*"},
        {"Effect": "Deny",
         "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
         "Action": "kms:Sign", "Resource": "*"}]}
    kms.put_key_policy(KeyId=k["KeyId"], PolicyName="default",
                       Policy=json.dumps(policy),
                       BypassPolicyLockoutSafetyCheck=True)
    t.error("sign denied by policy", "AccessDeniedException", kms.sign,
            KeyId=k["KeyId"], Message=msg, SigningAlgorithm="ECDSA_SHA_256",
            msg="is not authorized to perform: kms:Sign on resource: " +
                k["Arn"])
    t.ok("verify still allowed", kms.verify(
        KeyId=k["KeyId"], Message=msg, Signature=s,
        SigningAlgorithm="ECDSA_SHA_256")["SignatureValid"])

t.done()
