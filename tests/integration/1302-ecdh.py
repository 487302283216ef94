"""KEY_AGREEMENT keys and DeriveSharedSecret (ECDH) through boto3, checked
against a shared secret computed locally with Python's `cryptography`
from a peer key made here; the errors AWS documents (key usage, key spec,
algorithm, a peer key of another curve, Recipient, DryRun, key state);
authorization through the key policy (kms:KeyAgreementAlgorithm) and
through a grant listing DeriveSharedSecret; and the ECC_SECG_P256K1 key
spec: sign with KMS, verify locally and with KMS."""
import base64
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T, kms_call, write_creds  # noqa: E402

try:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
except ImportError:  # pragma: no cover - a missing prerequisite
    print("python3-cryptography is not installed")
    sys.exit(77)

t = T()
A1 = "111122223333"
ALICE = "arn:aws:iam::%s:user/alice" % A1
BOB = "arn:aws:iam::%s:user/bob" % A1
USERS = {"alice": ("AKIAALICE", A1, "alice"), "bob": ("AKIABOB", A1, "bob")}
DRY = "The request would have succeeded, but the DryRun option is set."
CURVES = {"ECC_NIST_P256": (ec.SECP256R1, 32),
          "ECC_NIST_P384": (ec.SECP384R1, 48),
          "ECC_NIST_P521": (ec.SECP521R1, 66)}


def der_pub(priv):
    return priv.public_key().public_bytes(
        serialization.Encoding.DER,
        serialization.PublicFormat.SubjectPublicKeyInfo)


def client(srv, name):
    return srv.client("kms", key=USERS[name][0], secret=name + "-secret")


class Raw:
    """KMS calls that botocore does not parse: Debian's botocore predates
    DeriveSharedSecret and KeyAgreementAlgorithms. kms.derive(...) calls
    DeriveSharedSecret; blobs in answers are decoded."""
    OPS = {"derive": "DeriveSharedSecret", "create": "CreateKey",
           "describe": "DescribeKey", "public_key": "GetPublicKey",
           "grant": "CreateGrant"}

    def __init__(self, srv, name):
        self.srv, self.name = srv, name

    def __getattr__(self, attr):
        call = kms_call(self.srv, self.OPS[attr], key=USERS[self.name][0],
                        secret=self.name + "-secret")

        def decoded(**kw):
            out = call(**kw)
            for blob in ("SharedSecret", "PublicKey"):
                if blob in out:
                    out[blob] = base64.b64decode(out[blob])
            return out
        return decoded


creds = write_creds(USERS, "lv-1302-")
try:
    with Server("--credentials", creds) as srv:
        kms = client(srv, "alice")
        ka = Raw(srv, "alice")
        raw = lambda op: kms_call(srv, op, key="AKIAALICE",  # noqa: E731
                                  secret="alice-secret")
        # -- CreateKey / DescribeKey / GetPublicKey --------------------------
        keys = {}
        for spec, (curve, size) in CURVES.items():
            md = ka.create(KeySpec=spec,
                           KeyUsage="KEY_AGREEMENT")["KeyMetadata"]
            keys[spec] = md
            t.eq("%s usage" % spec, "KEY_AGREEMENT", md["KeyUsage"])
            t.eq("%s KeyAgreementAlgorithms" % spec, ["ECDH"],
                 md.get("KeyAgreementAlgorithms"))
            t.ok("%s no signing or encryption algorithms" % spec,
                 "SigningAlgorithms" not in md and
                 "EncryptionAlgorithms" not in md)
            d = ka.describe(KeyId=md["KeyId"])["KeyMetadata"]
            t.eq("%s describe" % spec, (["ECDH"], "KEY_AGREEMENT"),
                 (d.get("KeyAgreementAlgorithms"), d["KeyUsage"]))
            pk = ka.public_key(KeyId=md["KeyId"])
            t.eq("%s public key algorithms" % spec, ["ECDH"],
                 pk.get("KeyAgreementAlgorithms"))
            kms_pub = serialization.load_der_public_key(pk["PublicKey"])
            t.ok("%s public key on its curve" % spec,
                 isinstance(kms_pub.curve, curve))

            # -- DeriveSharedSecret against a local peer ---------------------
            peer = ec.generate_private_key(curve())
            r = ka.derive(KeyId=md["KeyId"],
                                         KeyAgreementAlgorithm="ECDH",
                                         PublicKey=der_pub(peer))
            local = peer.exchange(ec.ECDH(), kms_pub)
            t.eq("%s shared secret matches the local one" % spec, local,
                 r["SharedSecret"])
            t.eq("%s shared secret length" % spec, size,
                 len(r["SharedSecret"]))
            t.eq("%s response" % spec, (md["Arn"], "ECDH", "AWS_KMS"),
                 (r["KeyId"], r["KeyAgreementAlgorithm"], r["KeyOrigin"]))
            t.ok("%s no CiphertextForRecipient" % spec,
                 "CiphertextForRecipient" not in r)

        p256 = keys["ECC_NIST_P256"]["KeyId"]
        # Two KMS keys agree with each other, as Alice and Bob do in the
        # API reference's workflow.
        other = kms.create_key(KeySpec="ECC_NIST_P256",
                               KeyUsage="KEY_AGREEMENT")["KeyMetadata"]
        pa = kms.get_public_key(KeyId=p256)["PublicKey"]
        pb = kms.get_public_key(KeyId=other["KeyId"])["PublicKey"]
        s1 = ka.derive(KeyId=p256, KeyAgreementAlgorithm="ECDH",
                                      PublicKey=pb)["SharedSecret"]
        s2 = ka.derive(KeyId=other["KeyId"],
                                      KeyAgreementAlgorithm="ECDH",
                                      PublicKey=pa)["SharedSecret"]
        t.eq("two KMS keys derive the same secret", s1, s2)

        # -- errors ----------------------------------------------------------
        peer = ec.generate_private_key(ec.SECP256R1())
        t.error("peer of another curve", "ValidationException",
                ka.derive, KeyId=p256,
                KeyAgreementAlgorithm="ECDH",
                PublicKey=der_pub(ec.generate_private_key(ec.SECP384R1())))
        t.error("peer key not DER", "ValidationException",
                ka.derive, KeyId=p256,
                KeyAgreementAlgorithm="ECDH", PublicKey=b"not a key")
        t.error("peer key with trailing bytes", "ValidationException",
                ka.derive, KeyId=p256,
                KeyAgreementAlgorithm="ECDH", PublicKey=der_pub(peer) + b"x")
        t.error("bad algorithm enum", "ValidationException",
                raw("DeriveSharedSecret"), KeyId=p256,
                KeyAgreementAlgorithm="DH", PublicKey=der_pub(peer))
        sign_key = kms.create_key(KeySpec="ECC_NIST_P256",
                                  KeyUsage="SIGN_VERIFY")["KeyMetadata"]
        t.error("signing key", "InvalidKeyUsageException",
                ka.derive, KeyId=sign_key["KeyId"],
                KeyAgreementAlgorithm="ECDH", PublicKey=der_pub(peer),
                msg="which is not valid for DeriveSharedSecret")
        sym = kms.create_key()["KeyMetadata"]
        t.error("symmetric key", "InvalidKeyUsageException",
                ka.derive, KeyId=sym["KeyId"],
                KeyAgreementAlgorithm="ECDH", PublicKey=der_pub(peer))
        for spec in ("RSA_2048", "ECC_SECG_P256K1", "SYMMETRIC_DEFAULT",
                     "HMAC_256"):
            t.error("KEY_AGREEMENT with " + spec, "ValidationException",
                    kms.create_key, KeySpec=spec, KeyUsage="KEY_AGREEMENT",
                    msg="KeyUsage KEY_AGREEMENT is not compatible")
        t.error("DryRun", "DryRunOperationException",
                raw("DeriveSharedSecret"), KeyId=p256,
                KeyAgreementAlgorithm="ECDH", PublicKey=der_pub(peer),
                DryRun=True, msg=DRY)
        t.error("Recipient", "UnsupportedOperationException",
                raw("DeriveSharedSecret"), KeyId=p256,
                KeyAgreementAlgorithm="ECDH", PublicKey=der_pub(peer),
                Recipient={"KeyEncryptionAlgorithm": "RSAES_OAEP_SHA_256",
                           "AttestationDocument": "ZG9j"})
        kms.disable_key(KeyId=other["KeyId"])
        t.error("disabled key", "DisabledException",
                ka.derive, KeyId=other["KeyId"],
                KeyAgreementAlgorithm="ECDH", PublicKey=der_pub(peer))
        t.error("no such key", "NotFoundException",
                ka.derive,
                KeyId="11111111-2222-3333-4444-555555555555",
                KeyAgreementAlgorithm="ECDH", PublicKey=der_pub(peer))

        # -- authorization ---------------------------------------------------
        policy = {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": ALICE},
             "Action": "kms:*", "Resource": "*"},
            {"Effect": "Deny", "Principal": {"AWS": ALICE},
             "Action": "kms:DeriveSharedSecret", "Resource": "*",
             "Condition": {"StringNotEquals": {
                 "kms:KeyAgreementAlgorithm": "ECDH"}}}]}
        k = kms.create_key(KeySpec="ECC_NIST_P384", KeyUsage="KEY_AGREEMENT",
                           Policy=json.dumps(policy))["KeyMetadata"]
        peer384 = ec.generate_private_key(ec.SECP384R1())
        t.ok("policy with kms:KeyAgreementAlgorithm allows ECDH",
             len(ka.derive(
                 KeyId=k["KeyId"], KeyAgreementAlgorithm="ECDH",
                 PublicKey=der_pub(peer384))["SharedSecret"]) == 48)
        bob = client(srv, "bob")
        kb = Raw(srv, "bob")
        t.error("bob not in the policy", "AccessDeniedException",
                kb.derive, KeyId=k["Arn"],
                KeyAgreementAlgorithm="ECDH", PublicKey=der_pub(peer384),
                msg="kms:DeriveSharedSecret")
        t.error("grant of Sign on a key agreement key",
                "ValidationException", kms.create_grant, KeyId=k["KeyId"],
                GranteePrincipal=BOB, Operations=["Sign"])
        kms.create_grant(KeyId=k["KeyId"], GranteePrincipal=BOB,
                         Operations=["DeriveSharedSecret", "GetPublicKey"])
        got = kb.derive(KeyId=k["Arn"],
                                       KeyAgreementAlgorithm="ECDH",
                                       PublicKey=der_pub(peer384))
        kpub = serialization.load_der_public_key(
            bob.get_public_key(KeyId=k["Arn"])["PublicKey"])
        t.eq("bob derives through the grant", peer384.exchange(ec.ECDH(),
                                                               kpub),
             got["SharedSecret"])

        # -- ECC_SECG_P256K1 -------------------------------------------------
        k1 = kms.create_key(KeySpec="ECC_SECG_P256K1",
                            KeyUsage="SIGN_VERIFY")["KeyMetadata"]
        t.eq("secp256k1 metadata", ("ECC_SECG_P256K1", ["ECDSA_SHA_256"]),
             (k1["KeySpec"], k1.get("SigningAlgorithms")))
        pk = kms.get_public_key(KeyId=k1["KeyId"])
        pub = serialization.load_der_public_key(pk["PublicKey"])
        t.ok("secp256k1 public key", isinstance(pub.curve, ec.SECP256K1))
        msg = b"to be signed on secp256k1"
        sig = kms.sign(KeyId=k1["KeyId"], Message=msg,
                       SigningAlgorithm="ECDSA_SHA_256")["Signature"]
        try:
            pub.verify(sig, msg, ec.ECDSA(hashes.SHA256()))
            good = True
        except InvalidSignature:
            good = False
        t.ok("secp256k1 signature verifies locally", good)
        t.ok("secp256k1 signature verifies in KMS", kms.verify(
            KeyId=k1["KeyId"], Message=msg, Signature=sig,
            SigningAlgorithm="ECDSA_SHA_256")["SignatureValid"])
        t.error("secp256k1 wrong message", "KMSInvalidSignatureException",
                kms.verify, KeyId=k1["KeyId"], Message=b"other",
                Signature=sig, SigningAlgorithm="ECDSA_SHA_256")
        t.error("secp256k1 ECDSA_SHA_384", "InvalidKeyUsageException",
                kms.sign, KeyId=k1["KeyId"], Message=msg,
                SigningAlgorithm="ECDSA_SHA_384")
        local_priv = ec.generate_private_key(ec.SECP256K1())
        t.error("secp256k1 key cannot agree", "InvalidKeyUsageException",
                ka.derive, KeyId=k1["KeyId"],
                KeyAgreementAlgorithm="ECDH", PublicKey=der_pub(local_priv))
finally:
    os.unlink(creds)
t.done()
