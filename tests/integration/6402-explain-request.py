"""The explainer's second question: "why was request ID refused?", from the
trace kept with the refused request's audit record.

The seed's AssociateKmsKey, refused because the key policy does not let
logs.<region>.amazonaws.com use the key: asked with its request ID, the
explainer answers with the trace of that refusal (the service principal,
the action, the group in the encryption context, each statement) and
proposes the CloudWatch Logs guide's statement for the group. Whoever may
not call GetKeyPolicy on the key may not read it; another key does not
give access to this key's traces; an unknown request ID is not found.

The server runs with the audit trail on (serve --audit-trail), which
keeps the traces of refusals.
"""
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T, write_creds  # noqa: E402

ACCOUNT = "123456789012"
REGION = "eu-west-2"
SERVICE = "logs.%s.amazonaws.com" % REGION
TARGET = "LogvaultKmsExplain_20261201.Explain"
GROUP = "seed-group"
GROUP_ARN = "arn:aws:logs:%s:%s:log-group:%s" % (REGION, ACCOUNT, GROUP)
ROOT = {"Sid": "Enable IAM User Permissions", "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::%s:root" % ACCOUNT},
        "Action": "kms:*", "Resource": "*"}
NO_POLICY_FOR_BOB = {
    "Sid": "Bob may not read the policy", "Effect": "Deny",
    "Principal": {"AWS": "arn:aws:iam::%s:user/bob" % ACCOUNT},
    "Action": "kms:GetKeyPolicy", "Resource": "*"}
USERS = {"alice": ("AKIDALICE", ACCOUNT, None),
         "bob": ("AKIDBOB", ACCOUNT, "bob")}

t = T()


def explain(srv, body, key="AKIDALICE", secret="alice-secret"):
    st, _, data = srv.raw(json.dumps(body), target=TARGET, key=key,
                          secret=secret)
    return st, json.loads(data or b"{}")


def kind(out):
    return out.get("__type", "").split("#")[-1]


creds = write_creds(USERS, "lv-6402-")
try:
    with Server("--credentials", creds, "--audit-trail") as srv:
        kms = srv.client("kms", key="AKIDALICE", secret="alice-secret")
        logs = srv.client("logs", key="AKIDALICE", secret="alice-secret")
        policy = json.dumps({"Version": "2012-10-17",
                             "Statement": [ROOT, NO_POLICY_FOR_BOB]})
        key_arn = kms.create_key(Policy=policy)["KeyMetadata"]["Arn"]
        other_arn = kms.create_key(Policy=policy)["KeyMetadata"]["Arn"]
        logs.create_log_group(logGroupName=GROUP)
        rid = None
        try:
            logs.associate_kms_key(logGroupName=GROUP, kmsKeyId=key_arn)
        except logs.exceptions.ClientError as e:
            rid = e.response["ResponseMetadata"]["RequestId"]
        t.ok("seed: AssociateKmsKey refused, with a request ID", bool(rid))

        # Refused requests are recorded by the asynchronous writer: wait
        # for the record (the check below fails if it never comes).
        q = {"KeyId": key_arn, "RequestId": rid}
        deadline = time.time() + 30
        while True:
            st, out = explain(srv, q)
            if st == 200 or time.time() > deadline:
                break
            time.sleep(0.2)
        t.eq("why: answered", 200, st)
        t.eq("why: DENY", "DENY", out.get("Decision"))
        rq = out.get("Trace", {}).get("request", {})
        t.eq("why: the service principal was refused", SERVICE,
             rq.get("principal"))
        t.ok("why: a KMS action Logs needs",
             rq.get("action") in ("kms:GenerateDataKey", "kms:Decrypt"), rq)
        t.eq("why: the group in the encryption context",
             {"aws:logs:arn": GROUP_ARN}, rq.get("encryptionContext"))
        t.eq("why: no allow in the key policy", "DEFAULT_DENY",
             out.get("Trace", {}).get("keyPolicy", {}).get("decision"))
        st_ = (out.get("Proposal") or {}).get("Statement", {})
        t.eq("why: proposes the guide's statement for the group",
             {"kms:EncryptionContext:aws:logs:arn": GROUP_ARN},
             st_.get("Condition", {}).get("ArnEquals"))
        t.ok("why: the proposal would allow",
             (out.get("Proposal") or {}).get("Allows") is True, out)

        st, bob = explain(srv, q, key="AKIDBOB", secret="bob-secret")
        t.eq("bob: refused like GetKeyPolicy", "AccessDeniedException",
             kind(bob))
        t.ok("bob: no trace", "Trace" not in bob, bob)
        st, other = explain(srv, dict(q, KeyId=other_arn))
        t.eq("another key: this key's trace is not found there",
             "NotFoundException", kind(other))
        st, unknown = explain(srv, dict(q, RequestId="no-such-request"))
        t.eq("unknown request ID: not found", "NotFoundException",
             kind(unknown))

        env = dict(os.environ, AWS_ACCESS_KEY_ID="AKIDALICE",
                   AWS_SECRET_ACCESS_KEY="alice-secret",
                   AWS_DEFAULT_REGION=REGION,
                   AWS_CONFIG_FILE="/nonexistent",
                   AWS_SHARED_CREDENTIALS_FILE="/nonexistent")
        p = subprocess.run([os.environ["LOGVAULT_BIN"], "kms", "explain",
                            "--endpoint-url", srv.endpoint, "--key-id",
                            key_arn, "--request-id", rid], env=env,
                           capture_output=True, text=True, timeout=60)
        t.eq("cli: exit 0", 0, p.returncode)
        t.ok("cli: names the refusal and the missing statement",
             "DENY" in p.stdout and SERVICE in p.stdout and
             "Missing statement" in p.stdout, p.stdout + p.stderr)
finally:
    os.unlink(creds)
t.done()
