"""KMS GenerateMac / VerifyMac through boto3: every HMAC key spec, MACs
that are not those of the key's algorithm, KMSInvalidMacException (no
message) for a wrong MAC, key usage, disabled keys, DryRun, restart."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T, kms_call as raw  # noqa: E402


t = T()
DRY = "The request would have succeeded, but the DryRun option is set."

with Server() as srv:
    kms = srv.client("kms")
    keys = {}
    for spec, alg, n in (("HMAC_256", "HMAC_SHA_256", 32),
                         ("HMAC_384", "HMAC_SHA_384", 48),
                         ("HMAC_512", "HMAC_SHA_512", 64)):
        k = kms.create_key(KeySpec=spec,
                           KeyUsage="GENERATE_VERIFY_MAC")["KeyMetadata"]
        keys[spec] = (k, alg)
        m = kms.generate_mac(KeyId=k["KeyId"], Message=b"message",
                             MacAlgorithm=alg)
        t.eq(spec + " output", (k["Arn"], alg, n),
             (m["KeyId"], m["MacAlgorithm"], len(m["Mac"])))
        t.eq(spec + " deterministic", m["Mac"], kms.generate_mac(
            KeyId=k["KeyId"], Message=b"message", MacAlgorithm=alg)["Mac"])
        v = kms.verify_mac(KeyId=k["KeyId"], Message=b"message",
                           Mac=m["Mac"], MacAlgorithm=alg)
        t.eq(spec + " verify", (True, k["Arn"], alg),
             (v["MacValid"], v["KeyId"], v["MacAlgorithm"]))
        e = t.error(spec + " other message", "KMSInvalidMacException",
                    kms.verify_mac, KeyId=k["KeyId"], Message=b"messagE",
                    Mac=m["Mac"], MacAlgorithm=alg)
        if e:
            t.eq(spec + " invalid MAC: empty message", "",
                 e.response["Error"].get("Message", ""))
        bad = bytearray(m["Mac"])
        bad[-1] ^= 1
        t.error(spec + " flipped MAC", "KMSInvalidMacException",
                kms.verify_mac, KeyId=k["KeyId"], Message=b"message",
                Mac=bytes(bad), MacAlgorithm=alg)
        t.error(spec + " cut MAC", "KMSInvalidMacException",
                kms.verify_mac, KeyId=k["KeyId"], Message=b"message",
                Mac=m["Mac"][:-1], MacAlgorithm=alg)
        wrong = "HMAC_SHA_512" if alg != "HMAC_SHA_512" else "HMAC_SHA_256"
        t.error(spec + " with " + wrong, "InvalidKeyUsageException",
                kms.generate_mac, KeyId=k["KeyId"], Message=b"m",
                MacAlgorithm=wrong,
                msg="Algorithm %s is incompatible with key spec %s." % (
                    wrong, spec))
    k, alg = keys["HMAC_256"]
    other, _ = keys["HMAC_384"]
    t.ok("4096-byte message", len(kms.generate_mac(
        KeyId=k["KeyId"], Message=b"m" * 4096, MacAlgorithm=alg)["Mac"]) == 32)
    t.error("4097-byte message", "ValidationException", kms.generate_mac,
            KeyId=k["KeyId"], Message=b"m" * 4097, MacAlgorithm=alg)
    mac = kms.generate_mac(KeyId=k["KeyId"], Message=b"x",
                           MacAlgorithm=alg)["Mac"]
    k2 = kms.create_key(KeySpec="HMAC_256",
                        KeyUsage="GENERATE_VERIFY_MAC")["KeyMetadata"]
    t.error("another key of the same spec", "KMSInvalidMacException",
            kms.verify_mac, KeyId=k2["KeyId"], Message=b"x", Mac=mac,
            MacAlgorithm=alg)
    sym = kms.create_key()["KeyMetadata"]
    t.error("symmetric key", "InvalidKeyUsageException", kms.generate_mac,
            KeyId=sym["KeyId"], Message=b"x", MacAlgorithm="HMAC_SHA_256",
            msg=sym["Arn"] + " key usage is ENCRYPT_DECRYPT which is not "
                "valid for GenerateMac.")
    t.error("encrypt with an HMAC key", "InvalidKeyUsageException",
            kms.encrypt, KeyId=k["KeyId"], Plaintext=b"x")
    t.error("GenerateMac DryRun", "DryRunOperationException",
            raw(srv, "GenerateMac"), KeyId=k["KeyId"], Message=b"x",
            MacAlgorithm=alg, DryRun=True, msg=DRY)
    t.error("VerifyMac DryRun", "DryRunOperationException", raw(srv, "VerifyMac"),
            KeyId=k["KeyId"], Message=b"x", Mac=mac, MacAlgorithm=alg,
            DryRun=True, msg=DRY)
    kms.disable_key(KeyId=k["KeyId"])
    t.error("disabled", "DisabledException", kms.generate_mac,
            KeyId=k["KeyId"], Message=b"x", MacAlgorithm=alg,
            msg=k["Arn"] + " is disabled.")
    kms.enable_key(KeyId=k["KeyId"])

    # A fresh GenerateMac of the same message gives the same MAC.
    t.eq("generate-mac again", mac, kms.generate_mac(
        KeyId=k["KeyId"], Message=b"x", MacAlgorithm=alg)["Mac"])

    srv.restart()
    kms = srv.client("kms")
    t.ok("after restart the MAC still verifies", kms.verify_mac(
        KeyId=k["KeyId"], Message=b"x", Mac=mac,
        MacAlgorithm=alg)["MacValid"])

t.done()
