"""KMS GetKeyLastUsage from the audit trail (issue 13, section 3): a new
key has no KeyLastUsage and its TrackingStartDate is its creation date
(tracking began before it existed); after Encrypt, KeyLastUsage names
Encrypt, a Timestamp within the call, the request's ID and the eventID of
the Encrypt record that LookupEvents shows; a refused Decrypt does not
count, a successful one does; another key's use does not count; an alias
is refused (the API takes a key ID or ARN); another account's key ARN is
refused (InvalidArnException); the answer survives a restart; `logvault kms get-key-last-usage`
shows the same.

The server runs with the trail on (serve --audit-trail)."""
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T, kms_call, write_creds  # noqa: E402

t = T()
ACCT = "111122223333"
OTHER = "444455556666"
creds = write_creds({"alice": ("AKIAALICE0000002", ACCT, None),
                     "other": ("AKIAOTHER0000002", OTHER, None)}, "lv-6202.")


def last_usage(glu, key_id, want_op, deadline_s=30):
    """GetKeyLastUsage until KeyLastUsage names want_op (read-only calls
    are recorded asynchronously; the bound only ends the wait)."""
    deadline = time.time() + deadline_s
    while True:
        out = glu(KeyId=key_id)
        if out.get("KeyLastUsage", {}).get("Operation") == want_op or \
                time.time() > deadline:
            return out
        time.sleep(0.2)


try:
    # Lookups in quick succession: without CloudTrail's two a second
    # (6203 tests that limit).
    with Server("--credentials", creds, "--audit-trail",
                "--lookup-events-rate", "0") as srv:
        kms = srv.client("kms", key="AKIAALICE0000002", secret="alice-secret")
        ct = srv.client("cloudtrail", key="AKIAALICE0000002",
                        secret="alice-secret")
        # Through a raw signed call: the test machine's botocore may
        # predate GetKeyLastUsage.
        glu = kms_call(srv, "GetKeyLastUsage", key="AKIAALICE0000002",
                       secret="alice-secret")
        oglu = kms_call(srv, "GetKeyLastUsage", key="AKIAOTHER0000002",
                        secret="other-secret")
        key = kms.create_key()["KeyMetadata"]
        spare = kms.create_key()["KeyMetadata"]

        out = glu(KeyId=key["KeyId"])
        t.eq("new key: KeyId", key["KeyId"], out.get("KeyId"))
        t.ok("new key: no KeyLastUsage", "KeyLastUsage" not in out, out)
        created = key["CreationDate"].timestamp()
        t.ok("new key: KeyCreationDate",
             abs(created - out.get("KeyCreationDate", 0)) < 1e-3, out)
        t.eq("new key: TrackingStartDate is its creation date",
             out.get("KeyCreationDate"), out.get("TrackingStartDate"))

        # Key ID or key ARN only; never another account's key.
        kms.create_alias(AliasName="alias/k6202", TargetKeyId=key["KeyId"])
        t.error("an alias is refused", "NotFoundException",
                glu, KeyId="alias/k6202")
        # As logvault's other single-account operations answer (the
        # operation lists InvalidArnException).
        t.error("another account's key", "InvalidArnException",
                oglu, KeyId=key["Arn"])

        before = time.time()
        enc = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"6202")
        after = time.time()
        enc_req = enc["ResponseMetadata"]["RequestId"]
        out = last_usage(glu, key["KeyId"], "Encrypt")
        lu = out.get("KeyLastUsage", {})
        t.eq("after Encrypt: Operation", "Encrypt", lu.get("Operation"))
        t.eq("after Encrypt: KmsRequestId", enc_req, lu.get("KmsRequestId"))
        ts = lu.get("Timestamp")
        t.ok("after Encrypt: Timestamp within the call",
             ts is not None and before - 1 <= ts <= after + 1, ts)
        ev = ct.lookup_events(LookupAttributes=[{
            "AttributeKey": "EventId",
            "AttributeValue": lu.get("CloudTrailEventId", "-")}])["Events"]
        t.eq("CloudTrailEventId names the Encrypt record",
             ["Encrypt"], [e["EventName"] for e in ev])
        if ev:
            t.eq("the record's requestID", enc_req,
                 json.loads(ev[0]["CloudTrailEvent"]).get("requestID"))

        # The spare key's use is its own.
        kms.encrypt(KeyId=spare["KeyId"], Plaintext=b"x")
        t.eq("another key's use does not count", "Encrypt",
             glu(KeyId=key["KeyId"])
             .get("KeyLastUsage", {}).get("Operation"))
        t.ok("the spare key: its own Encrypt", last_usage(
            glu, spare["KeyId"], "Encrypt").get("KeyLastUsage", {})
            .get("KmsRequestId") not in (None, enc_req))

        # A refused Decrypt (the wrong context) does not count.
        t.error("Decrypt with the wrong context", "InvalidCiphertextException",
                kms.decrypt, CiphertextBlob=enc["CiphertextBlob"],
                EncryptionContext={"wrong": "context"})
        t.eq("a refused Decrypt does not count", enc_req,
             glu(KeyId=key["KeyId"])
             .get("KeyLastUsage", {}).get("KmsRequestId"))
        dec = kms.decrypt(CiphertextBlob=enc["CiphertextBlob"])
        out = last_usage(glu, key["KeyId"], "Decrypt")
        t.eq("after Decrypt: Operation", "Decrypt",
             out.get("KeyLastUsage", {}).get("Operation"))
        t.eq("after Decrypt: KmsRequestId",
             dec["ResponseMetadata"]["RequestId"],
             out.get("KeyLastUsage", {}).get("KmsRequestId"))

        t.eq("by key ARN", "Decrypt", glu(
            KeyId=key["Arn"]).get("KeyLastUsage", {}).get("Operation"))

        # Survives a restart; the CLI shows the same.
        srv.restart()
        again = glu(KeyId=key["KeyId"])
        t.eq("after a restart: the same KeyLastUsage",
             out.get("KeyLastUsage"), again.get("KeyLastUsage"))
        t.eq("after a restart: the same TrackingStartDate",
             out.get("TrackingStartDate"), again.get("TrackingStartDate"))
        p = subprocess.run(
            [os.environ["LOGVAULT_BIN"], "kms", "get-key-last-usage",
             "--endpoint-url", srv.endpoint, "--key-id", key["KeyId"],
             "--query", "KeyLastUsage.KmsRequestId", "--output", "text"],
            env=dict(os.environ, AWS_ACCESS_KEY_ID="AKIAALICE0000002",
                     AWS_SECRET_ACCESS_KEY="alice-secret",
                     AWS_DEFAULT_REGION="eu-west-2",
                     AWS_CONFIG_FILE="/dev/null",
                     AWS_SHARED_CREDENTIALS_FILE="/dev/null"),
            capture_output=True, text=True, timeout=60)
        t.eq("logvault kms get-key-last-usage",
             (0, dec["ResponseMetadata"]["RequestId"]),
             (p.returncode, p.stdout.strip()))
finally:
    os.unlink(creds)
t.done()
