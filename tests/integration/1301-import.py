"""KMS key import (BYOK) through boto3, with key material wrapped by the
`openssl` command line as AWS's import guide does it: keys with Origin
EXTERNAL (PendingImport, no material), GetParametersForImport (RSA
wrapping keys, every wrapping algorithm offered, and the ones refused),
ImportKeyMaterial with RSAES_OAEP_SHA_1/256 (`openssl pkeyutl`) and
RSA_AES_KEY_WRAP_SHA_1/256 (`openssl enc -id-aes256-wrap-pad`, then
pkeyutl), ExpirationModel and ValidTo (the sweeper deletes expired
material), DeleteImportedKeyMaterial and reimport of the same material
only, the errors AWS documents for each; and material checked outside:
an imported HMAC key's MAC equals one computed locally from the material,
an imported ECC key's public key and signatures are the local key's.
The audit trail records ImportKeyMaterial, DeleteImportedKeyMaterial and
the sweeper's DeleteExpiredKeyMaterial as the CloudTrail examples of the
KMS guide show them, never the token or the wrapped material."""
import base64
import hashlib
import hmac
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import boto3
import botocore.config

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T, kms_call  # noqa: E402

try:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
except ImportError:  # pragma: no cover - a missing prerequisite
    print("python3-cryptography is not installed")
    sys.exit(77)
if not shutil.which("openssl"):
    print("the openssl command line is not installed")
    sys.exit(77)

t = T()
WORK = tempfile.mkdtemp(prefix="lv-1301-")


def path(name):
    return os.path.join(WORK, name)


def openssl(*args):
    subprocess.run(["openssl"] + list(args), check=True,
                   capture_output=True)


def wrap(material, public_der, alg):
    """EncryptedKeyMaterial for `material` under the wrapping public key,
    made with the openssl commands of the import guide."""
    md = "sha256" if alg.endswith("SHA_256") else "sha1"
    with open(path("PublicKey.der"), "wb") as f:
        f.write(public_der)
    with open(path("material.bin"), "wb") as f:
        f.write(material)
    oaep = ["-pkeyopt", "rsa_padding_mode:oaep",
            "-pkeyopt", "rsa_oaep_md:" + md,
            "-pkeyopt", "rsa_mgf1_md:" + md]
    if alg.startswith("RSAES_OAEP"):
        openssl("pkeyutl", "-encrypt", "-in", path("material.bin"),
                "-out", path("wrapped.bin"), "-inkey", path("PublicKey.der"),
                "-keyform", "DER", "-pubin", *oaep)
        with open(path("wrapped.bin"), "rb") as f:
            return f.read()
    # RSA_AES_KEY_WRAP_*: an AES-256 key wraps the material (RFC 5649),
    # the wrapping key wraps the AES key; the two, concatenated.
    openssl("rand", "-out", path("aes-key.bin"), "32")
    with open(path("aes-key.bin"), "rb") as f:
        aes_hex = f.read().hex()
    openssl("enc", "-id-aes256-wrap-pad", "-K", aes_hex, "-iv", "A65959A6",
            "-in", path("material.bin"), "-out", path("material-wrapped.bin"))
    openssl("pkeyutl", "-encrypt", "-in", path("aes-key.bin"),
            "-out", path("aes-key-wrapped.bin"),
            "-inkey", path("PublicKey.der"), "-keyform", "DER", "-pubin",
            *oaep)
    with open(path("aes-key-wrapped.bin"), "rb") as f:
        head = f.read()
    with open(path("material-wrapped.bin"), "rb") as f:
        return head + f.read()


try:
    with Server("--audit-trail") as srv:
        kms = srv.client("kms")
        raw = lambda op: kms_call(srv, op)  # noqa: E731

        def params(key_id, alg="RSAES_OAEP_SHA_256", spec="RSA_2048"):
            # Each call makes a wrapping key pair: a 4096-bit RSA key's
            # generation has a long tail (0.4-3.7 s alone here), and once
            # passed 30 s in a loaded run of the whole suite on 2 cores.
            r = kms_call(srv, "GetParametersForImport", timeout=180)(
                KeyId=key_id, WrappingAlgorithm=alg, WrappingKeySpec=spec)
            return (base64.b64decode(r["PublicKey"]),
                    base64.b64decode(r["ImportToken"]), r)

        def import_material(key_id, material, alg="RSAES_OAEP_SHA_256",
                            spec="RSA_2048", **kw):
            pub, token, _ = params(key_id, alg, spec)
            kw.setdefault("ExpirationModel", "KEY_MATERIAL_DOES_NOT_EXPIRE")
            return raw("ImportKeyMaterial")(
                KeyId=key_id, ImportToken=token,
                EncryptedKeyMaterial=wrap(material, pub, alg), **kw)

        def describe(key_id):
            return raw("DescribeKey")(KeyId=key_id)["KeyMetadata"]

        # -- a key for imported material ---------------------------------
        md = kms.create_key(Origin="EXTERNAL",
                            Description="byok")["KeyMetadata"]
        kid = md["KeyId"]
        t.eq("EXTERNAL key state", ("PendingImport", "EXTERNAL", False),
             (md["KeyState"], md["Origin"], md["Enabled"]))
        t.ok("no ExpirationModel before an import",
             "ExpirationModel" not in md and "ValidTo" not in md)
        t.error("Encrypt before import", "KMSInvalidStateException",
                kms.encrypt, KeyId=kid, Plaintext=b"x",
                msg="is PendingImport")
        t.error("EnableKey before import", "KMSInvalidStateException",
                kms.enable_key, KeyId=kid)
        kms.update_key_description(KeyId=kid, Description="still byok")
        t.eq("description changes while PendingImport", "still byok",
             describe(kid)["Description"])

        # -- GetParametersForImport --------------------------------------
        now = time.time()
        for alg in ("RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256",
                    "RSA_AES_KEY_WRAP_SHA_1", "RSA_AES_KEY_WRAP_SHA_256"):
            for spec in ("RSA_2048", "RSA_3072", "RSA_4096"):
                pub, token, r = params(kid, alg, spec)
                key = serialization.load_der_public_key(pub)
                t.eq("wrapping key %s %s" % (alg, spec), int(spec[4:]),
                     key.key_size)
                t.eq("params KeyId %s %s" % (alg, spec), md["Arn"],
                     r["KeyId"])
                # 24 hours (a generous bound for the two clocks)
                t.ok("ParametersValidTo %s %s" % (alg, spec),
                     abs(r["ParametersValidTo"] - (now + 86400)) < 600,
                     r["ParametersValidTo"])
        p1, tok1, _ = params(kid)
        p2, tok2, _ = params(kid)
        t.ok("each call a new wrapping key and token",
             p1 != p2 and tok1 != tok2)
        t.error("RSAES_PKCS1_V1_5 is withdrawn", "ValidationException",
                raw("GetParametersForImport"), KeyId=kid,
                WrappingAlgorithm="RSAES_PKCS1_V1_5",
                WrappingKeySpec="RSA_2048")
        t.error("SM2 wrapping key (China Regions)",
                "UnsupportedOperationException",
                raw("GetParametersForImport"), KeyId=kid,
                WrappingAlgorithm="SM2PKE", WrappingKeySpec="SM2")
        t.error("bad wrapping spec enum", "ValidationException",
                raw("GetParametersForImport"), KeyId=kid,
                WrappingAlgorithm="RSAES_OAEP_SHA_256",
                WrappingKeySpec="RSA_1024")
        native = kms.create_key()["KeyMetadata"]["KeyId"]
        t.error("params for an AWS_KMS key", "UnsupportedOperationException",
                raw("GetParametersForImport"), KeyId=native,
                WrappingAlgorithm="RSAES_OAEP_SHA_256",
                WrappingKeySpec="RSA_2048", msg="origin is AWS_KMS")
        t.error("params for no key", "NotFoundException",
                raw("GetParametersForImport"),
                KeyId="11111111-2222-3333-4444-555555555555",
                WrappingAlgorithm="RSAES_OAEP_SHA_256",
                WrappingKeySpec="RSA_2048")

        # -- ImportKeyMaterial: errors before any import -----------------
        material = os.urandom(32)
        other = kms.create_key(Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
        pub, token, _ = params(kid)
        good = wrap(material, pub, "RSAES_OAEP_SHA_256")
        imp = raw("ImportKeyMaterial")
        t.error("token of another key", "InvalidImportTokenException", imp,
                KeyId=other, ImportToken=token, EncryptedKeyMaterial=good,
                ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE")
        bad_token = bytearray(token)
        bad_token[40] ^= 1
        t.error("changed token", "InvalidImportTokenException", imp,
                KeyId=kid, ImportToken=bytes(bad_token),
                EncryptedKeyMaterial=good,
                ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE")
        t.error("material wrapped under another key",
                "InvalidCiphertextException", imp, KeyId=kid,
                ImportToken=token,
                EncryptedKeyMaterial=wrap(material, p1,
                                          "RSAES_OAEP_SHA_256"),
                ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE")
        t.error("material of 31 bytes", "IncorrectKeyMaterialException", imp,
                KeyId=kid, ImportToken=token,
                EncryptedKeyMaterial=wrap(material[:31], pub,
                                          "RSAES_OAEP_SHA_256"),
                ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE")
        t.error("EXPIRES without ValidTo", "ValidationException", imp,
                KeyId=kid, ImportToken=token, EncryptedKeyMaterial=good,
                ExpirationModel="KEY_MATERIAL_EXPIRES")
        t.error("the default model EXPIRES without ValidTo",
                "ValidationException", imp, KeyId=kid, ImportToken=token,
                EncryptedKeyMaterial=good)
        t.error("DOES_NOT_EXPIRE with ValidTo", "ValidationException", imp,
                KeyId=kid, ImportToken=token, EncryptedKeyMaterial=good,
                ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE",
                ValidTo=time.time() + 3600)
        t.error("ValidTo in the past", "ValidationException", imp,
                KeyId=kid, ImportToken=token, EncryptedKeyMaterial=good,
                ExpirationModel="KEY_MATERIAL_EXPIRES",
                ValidTo=time.time() - 3600)
        t.error("ValidTo past 365 days", "ValidationException", imp,
                KeyId=kid, ImportToken=token, EncryptedKeyMaterial=good,
                ExpirationModel="KEY_MATERIAL_EXPIRES",
                ValidTo=time.time() + 400 * 86400)
        t.error("EXISTING_KEY_MATERIAL on a first import",
                "IncorrectKeyMaterialException", imp, KeyId=kid,
                ImportToken=token, EncryptedKeyMaterial=good,
                ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE",
                ImportType="EXISTING_KEY_MATERIAL")
        t.error("import into an AWS_KMS key",
                "UnsupportedOperationException", imp, KeyId=native,
                ImportToken=token, EncryptedKeyMaterial=good,
                ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE")
        t.eq("still PendingImport after refusals", "PendingImport",
             describe(kid)["KeyState"])

        # -- the import --------------------------------------------------
        r = imp(KeyId=kid, ImportToken=token, EncryptedKeyMaterial=good,
                ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE")
        t.eq("import KeyId", md["Arn"], r["KeyId"])
        t.ok("import KeyMaterialId", re.fullmatch("[0-9a-f]{64}",
                                                  r.get("KeyMaterialId", "")))
        d = describe(kid)
        t.eq("after import", ("Enabled", True, "KEY_MATERIAL_DOES_NOT_EXPIRE",
                              "EXTERNAL"),
             (d["KeyState"], d["Enabled"], d.get("ExpirationModel"),
              d["Origin"]))
        t.ok("no ValidTo when it does not expire", "ValidTo" not in d)
        t.error("EnableKeyRotation of an imported key",
                "UnsupportedOperationException", kms.enable_key_rotation,
                KeyId=kid, msg="origin is EXTERNAL")
        ct = kms.encrypt(KeyId=kid, Plaintext=b"imported")["CiphertextBlob"]
        t.eq("decrypt under imported material", b"imported",
             kms.decrypt(CiphertextBlob=ct)["Plaintext"])
        t.eq("the same token imports again (reimport)", md["Arn"],
             imp(KeyId=kid, ImportToken=token, EncryptedKeyMaterial=good,
                 ExpirationModel="KEY_MATERIAL_DOES_NOT_EXPIRE")["KeyId"])

        # -- other material: refused -------------------------------------
        t.error("different material", "IncorrectKeyMaterialException",
                import_material, kid, os.urandom(32))
        t.error("NEW_KEY_MATERIAL", "UnsupportedOperationException",
                import_material, kid, os.urandom(32),
                ImportType="NEW_KEY_MATERIAL")
        t.eq("decrypt still works", b"imported",
             kms.decrypt(CiphertextBlob=ct)["Plaintext"])

        # -- DeleteImportedKeyMaterial, reimport -------------------------
        dl = raw("DeleteImportedKeyMaterial")(KeyId=kid)
        t.eq("delete answers", (md["Arn"], r["KeyMaterialId"]),
             (dl["KeyId"], dl.get("KeyMaterialId")))
        d = describe(kid)
        t.eq("after delete", ("PendingImport", False), (d["KeyState"],
                                                        d["Enabled"]))
        t.error("decrypt without material", "KMSInvalidStateException",
                kms.decrypt, CiphertextBlob=ct, msg="is PendingImport")
        t.error("different material after delete",
                "IncorrectKeyMaterialException", import_material, kid,
                os.urandom(32))
        t.error("delete names other material", "NotFoundException",
                raw("DeleteImportedKeyMaterial"), KeyId=kid,
                KeyMaterialId="0" * 64)
        t.error("delete on an AWS_KMS key", "UnsupportedOperationException",
                raw("DeleteImportedKeyMaterial"), KeyId=native)
        for alg, spec in (("RSA_AES_KEY_WRAP_SHA_256", "RSA_4096"),
                          ("RSA_AES_KEY_WRAP_SHA_1", "RSA_3072"),
                          ("RSAES_OAEP_SHA_1", "RSA_2048")):
            raw("DeleteImportedKeyMaterial")(KeyId=kid)
            import_material(kid, material, alg, spec,
                            ImportType="EXISTING_KEY_MATERIAL")
            t.eq("reimported with %s/%s: old ciphertext decrypts" % (
                alg, spec), b"imported",
                kms.decrypt(CiphertextBlob=ct)["Plaintext"])
        kms.disable_key(KeyId=kid)
        import_material(kid, material)
        t.eq("reimport into a disabled key keeps it disabled", "Disabled",
             describe(kid)["KeyState"])
        kms.enable_key(KeyId=kid)

        # -- expiry: ValidTo passes, the sweeper deletes the material ----
        valid_to = int(time.time()) + 4
        import_material(kid, material, ExpirationModel="KEY_MATERIAL_EXPIRES",
                        ValidTo=valid_to)
        d = describe(kid)
        t.eq("EXPIRES recorded", ("KEY_MATERIAL_EXPIRES", valid_to),
             (d.get("ExpirationModel"), int(d.get("ValidTo", 0))))
        deadline = time.time() + 60
        while time.time() < deadline and d["KeyState"] != "PendingImport":
            time.sleep(0.5)
            d = describe(kid)
        t.eq("expired material deleted by the sweeper", "PendingImport",
             d["KeyState"])
        t.ok("no expiration once the material is gone",
             "ValidTo" not in d and "ExpirationModel" not in d)
        t.error("decrypt after expiry", "KMSInvalidStateException",
                kms.decrypt, CiphertextBlob=ct)
        import_material(kid, material)
        t.eq("reimport after expiry", b"imported",
             kms.decrypt(CiphertextBlob=ct)["Plaintext"])

        # -- an HMAC key: its MAC is the one of the material -------------
        hk = kms.create_key(Origin="EXTERNAL", KeySpec="HMAC_256",
                            KeyUsage="GENERATE_VERIFY_MAC")["KeyMetadata"]
        hmat = os.urandom(48)
        import_material(hk["KeyId"], hmat, "RSA_AES_KEY_WRAP_SHA_256")
        mac = kms.generate_mac(KeyId=hk["KeyId"], Message=b"message",
                               MacAlgorithm="HMAC_SHA_256")["Mac"]
        t.eq("imported HMAC key: MAC computed locally",
             hmac.new(hmat, b"message", hashlib.sha256).digest(), mac)
        t.error("HMAC key of 31 bytes", "IncorrectKeyMaterialException",
                import_material, kms.create_key(
                    Origin="EXTERNAL", KeySpec="HMAC_256",
                    KeyUsage="GENERATE_VERIFY_MAC")["KeyMetadata"]["KeyId"],
                os.urandom(31))

        # -- an ECC signing key: the local key pair ----------------------
        ek = kms.create_key(Origin="EXTERNAL", KeySpec="ECC_NIST_P256",
                            KeyUsage="SIGN_VERIFY")["KeyMetadata"]
        openssl("genpkey", "-algorithm", "EC", "-pkeyopt",
                "ec_paramgen_curve:P-256", "-out", path("ec.pem"))
        openssl("pkcs8", "-topk8", "-nocrypt", "-in", path("ec.pem"),
                "-outform", "DER", "-out", path("ec.der"))
        with open(path("ec.der"), "rb") as f:
            ec_der = f.read()
        local = serialization.load_der_private_key(ec_der, password=None)
        t.error("a P-256 key into a P-384 key",
                "IncorrectKeyMaterialException", import_material,
                kms.create_key(Origin="EXTERNAL", KeySpec="ECC_NIST_P384",
                               KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"],
                ec_der, "RSA_AES_KEY_WRAP_SHA_256")
        import_material(ek["KeyId"], ec_der, "RSA_AES_KEY_WRAP_SHA_256",
                        "RSA_3072")
        pub = kms.get_public_key(KeyId=ek["KeyId"])["PublicKey"]
        t.eq("imported ECC key: the local public key",
             local.public_key().public_bytes(
                 serialization.Encoding.DER,
                 serialization.PublicFormat.SubjectPublicKeyInfo), pub)
        sig = kms.sign(KeyId=ek["KeyId"], Message=b"signed",
                       SigningAlgorithm="ECDSA_SHA_256")["Signature"]
        try:
            local.public_key().verify(sig, b"signed",
                                      ec.ECDSA(hashes.SHA256()))
            good_sig = True
        except InvalidSignature:
            good_sig = False
        t.ok("KMS signature verifies with the local key", good_sig)
        t.ok("local signature verifies in KMS", kms.verify(
            KeyId=ek["KeyId"], Message=b"signed",
            Signature=local.sign(b"signed", ec.ECDSA(hashes.SHA256())),
            SigningAlgorithm="ECDSA_SHA_256")["SignatureValid"])

        # -- deletion of a key pending import ----------------------------
        pk = kms.create_key(Origin="EXTERNAL")["KeyMetadata"]["KeyId"]
        t.eq("a PendingImport key can be scheduled for deletion",
             "PendingDeletion", kms.schedule_key_deletion(
                 KeyId=pk, PendingWindowInDays=7)["KeyState"])
        t.error("no params for a key pending deletion",
                "KMSInvalidStateException", raw("GetParametersForImport"),
                KeyId=pk, WrappingAlgorithm="RSAES_OAEP_SHA_256",
                WrappingKeySpec="RSA_2048")
        kms.cancel_key_deletion(KeyId=pk)
        t.eq("cancelled without material: PendingImport", "PendingImport",
             describe(pk)["KeyState"])
        # material deleted while pending deletion: the state stays
        kms.schedule_key_deletion(KeyId=kid, PendingWindowInDays=7)
        raw("DeleteImportedKeyMaterial")(KeyId=kid)
        t.eq("delete while pending deletion keeps the state",
             "PendingDeletion", describe(kid)["KeyState"])
        kms.cancel_key_deletion(KeyId=kid)
        t.eq("then cancelled: PendingImport", "PendingImport",
             describe(kid)["KeyState"])
        import_material(kid, material)
        t.eq("and reimported: Enabled", "Enabled", describe(kid)["KeyState"])
        # a key with its material comes back Disabled, as any key
        kms.schedule_key_deletion(KeyId=kid, PendingWindowInDays=7)
        kms.cancel_key_deletion(KeyId=kid)
        t.eq("cancelled with material: Disabled", "Disabled",
             describe(kid)["KeyState"])

        # -- condition keys of import ------------------------------------
        cutoff = int(time.time()) + 86400
        policy = {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow",
             "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
             "Action": "kms:*", "Resource": "*"},
            {"Effect": "Deny",
             "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
             "Action": "kms:GetParametersForImport", "Resource": "*",
             "Condition": {"StringEquals": {
                 "kms:WrappingKeySpec": "RSA_2048"}}},
            {"Effect": "Deny",
             "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
             "Action": "kms:GetParametersForImport", "Resource": "*",
             "Condition": {"StringLike": {
                 "kms:WrappingAlgorithm": "RSAES_OAEP_SHA_1"}}},
            {"Effect": "Deny",
             "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
             "Action": "kms:ImportKeyMaterial", "Resource": "*",
             "Condition": {"StringEquals": {
                 "kms:ExpirationModel": "KEY_MATERIAL_DOES_NOT_EXPIRE"}}},
            {"Effect": "Deny",
             "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
             "Action": "kms:ImportKeyMaterial", "Resource": "*",
             "Condition": {"NumericGreaterThan": {
                 "kms:ValidTo": str(cutoff)}}}]}
        ck = kms.create_key(Origin="EXTERNAL", Policy=json.dumps(policy),
                            BypassPolicyLockoutSafetyCheck=True
                            )["KeyMetadata"]["KeyId"]
        t.error("kms:WrappingKeySpec denies", "AccessDeniedException",
                params, ck, "RSAES_OAEP_SHA_256", "RSA_2048")
        t.error("kms:WrappingAlgorithm denies", "AccessDeniedException",
                params, ck, "RSAES_OAEP_SHA_1", "RSA_3072")
        t.error("kms:ExpirationModel denies", "AccessDeniedException",
                import_material, ck, material, spec="RSA_3072")
        t.error("kms:ValidTo denies past the cutoff",
                "AccessDeniedException", import_material, ck, material,
                spec="RSA_3072", ExpirationModel="KEY_MATERIAL_EXPIRES",
                ValidTo=cutoff + 3600)
        import_material(ck, material, spec="RSA_3072",
                        ExpirationModel="KEY_MATERIAL_EXPIRES",
                        ValidTo=cutoff - 3600)
        t.eq("allowed within the conditions", "Enabled",
             describe(ck)["KeyState"])

        # -- the audit trail ---------------------------------------------
        # LookupEvents is throttled as on AWS (2 a second): retried, and
        # each name looked up once.
        trail = boto3.session.Session().client(
            "cloudtrail", region_name="eu-west-2",
            endpoint_url=srv.endpoint, aws_access_key_id="test",
            aws_secret_access_key="test", config=botocore.config.Config(
                retries={"max_attempts": 20, "mode": "standard"}))
        seen = {}

        def events(name):
            if name not in seen:
                seen[name] = []
                for page in trail.get_paginator("lookup_events").paginate(
                        LookupAttributes=[{"AttributeKey": "EventName",
                                           "AttributeValue": name}]):
                    seen[name] += [json.loads(e["CloudTrailEvent"])
                                   for e in page["Events"]]
            return seen[name]

        ok_imports = [e for e in events("ImportKeyMaterial")
                      if not e.get("errorCode")]
        t.ok("ImportKeyMaterial recorded", len(ok_imports) >= 10,
             len(ok_imports))
        allowed = {"keyId", "validTo", "expirationModel", "importType",
                   "keyMaterialDescription"}
        t.ok("ImportKeyMaterial records no token and no material",
             all(set(e["requestParameters"]) <= allowed
                 for e in events("ImportKeyMaterial")))
        t.ok("ImportKeyMaterial response: key ARN and material id",
             all(set(e["responseElements"]) == {"keyId", "keyMaterialId"}
                 for e in ok_imports))
        refused = [e.get("errorCode") for e in events("ImportKeyMaterial")]
        for code in ("InvalidImportTokenException",
                     "IncorrectKeyMaterialException",
                     "InvalidCiphertextException"):
            t.ok("refused import recorded: " + code, code in refused)
        exp = events("DeleteExpiredKeyMaterial")
        t.eq("DeleteExpiredKeyMaterial recorded once", 1, len(exp))
        if exp:
            t.eq("as AWS records it", ("AwsServiceEvent", None, {
                "keyId": kid, "keyMaterialId": r["KeyMaterialId"]}),
                (exp[0].get("eventType"), exp[0].get("responseElements"),
                 exp[0].get("serviceEventDetails")))
        dels = [e for e in events("DeleteImportedKeyMaterial")
                if not e.get("errorCode")]
        t.ok("DeleteImportedKeyMaterial recorded", len(dels) >= 4, len(dels))
finally:
    shutil.rmtree(WORK, ignore_errors=True)
t.done()
